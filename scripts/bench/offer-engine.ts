/**
 * `npm run bench:offer-engine` — offer search on OpenSearch against the embedded index (SQLite FTS5 + R*Tree), same
 * machine, same run, into the `## Offer search on OpenSearch` section of BENCHMARKS.md:
 * - the same generated documents (./lib/offer-generate.ts, seed 300) applied in batches of 2,000 to both;
 * - the query kinds of scripts/bench/offer.ts (text with type-ahead; text + 30 km around a town; the same with
 *   available=true; every facet without a filter; suggestions), one at a time, p50/p95/p99 per adapter; and the
 *   engine with 8 queries in flight (it serves callers concurrently, better-sqlite3 does not);
 * - a bed update's way to `/offer/search` through the engine: the server composed as `npm start` composes it with
 *   OPENSEARCH_URL set (outbox drained every 200 ms into the engine), `$set-capacity`, then polling.
 * The engine is the one of OPENSEARCH_URL / ELASTICSEARCH_URL, or else `npm run engines` starts it (and stops it at the
 * end). Flags: --docs=N (default 20000) --queries=N (default 200 per kind) --no-write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OfferFacet, OfferIndex, OfferQuery } from '../../src/store/offer-index';
import { SqliteOfferIndex } from '../../src/store/sqlite/offer-index';
import { ElasticOfferIndex } from '../../src/store/elastic/offer-index';
import { offerEngineFromEnv } from '../../src/store/elastic/config';
import { engineEnv, start, stop } from '../engines';
import { bedUpdateToVisible } from './lib/bed-update-visibility';
import { describeMachine, machineFacts } from './lib/machine';
import { fmt, table, writeSection } from './lib/markdown';
import { generateOfferBatches, seededRandom, TOWNS } from './lib/offer-generate';
import { percentiles } from './lib/stats';

const ROOT = path.resolve(__dirname, '..', '..');
const arg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const DOCS = arg('docs', 20_000);
const QUERIES = arg('queries', 200);
const NOW = Date.now();

// The query mix of scripts/bench/offer.ts.
const TEXTS = ['urgences', 'cardiologie', 'ssr geriatrique', 'ehpad', 'psychiatrie adulte', 'soins palliatifs', 'médecine polyvalente', 'réanimation', 'pédiatrie', 'chirurgie orthopédique', 'hébergement temporaire', 'smr', 'maternité', 'had', 'oncologie'];
const SEARCH_FACETS: OfferFacet[] = ['activity', 'careMode', 'department', 'category'];
const ALL_FACETS: OfferFacet[] = ['activity', 'careMode', 'specialty', 'category', 'department', 'region'];
const PREFIXES = ['urg', 'cardi', 'centre hosp', 'ehpad les', 'bourg', 'pontar', 'psychi', 'résidence la', 'clinique du', 'smr gér', 'lyo', 'saint-é', 'réa', 'hébergement perm', 'mater'];
type Kind = 'text' | 'text+geo' | 'text+geo+available' | 'facets' | 'suggest';
const KINDS: Kind[] = ['text', 'text+geo', 'text+geo+available', 'facets', 'suggest'];

function queryOf(kind: Kind, rnd: () => number): OfferQuery {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const base: OfferQuery = { hideSensitive: rnd() < 0.5, sort: 'relevance', limit: 20, facets: SEARCH_FACETS };
  const town = pick(TOWNS);
  switch (kind) {
    case 'text':
      return { ...base, text: pick(TEXTS), prefix: true };
    case 'text+geo':
      return { ...base, text: pick(TEXTS), prefix: true, near: { lat: town.lat, lon: town.lon, radiusKm: 30 } };
    case 'text+geo+available':
      return { ...base, text: pick(TEXTS), prefix: true, near: { lat: town.lat, lon: town.lon, radiusKm: 30 }, available: true };
    default:
      return { ...base, limit: 1, facets: ALL_FACETS };
  }
}

async function one(index: OfferIndex, kind: Kind, rnd: () => number): Promise<number> {
  if (kind === 'suggest') return (await index.suggest(PREFIXES[Math.floor(rnd() * PREFIXES.length)], { limit: 10, hideSensitive: rnd() < 0.5 })).length;
  return (await index.search(queryOf(kind, rnd))).total;
}

async function load(index: OfferIndex): Promise<number> {
  let ms = 0;
  for (const batch of generateOfferBatches({ seed: 300, units: DOCS, now: NOW, spreadDeg: 0.5 }, 2000)) {
    const s = performance.now();
    await index.apply({ put: batch, remove: [] });
    ms += performance.now() - s;
  }
  return ms;
}

interface Latency { p50: number; p95: number; p99: number; total: number }

async function latencies(index: OfferIndex, kind: Kind): Promise<Latency> {
  const rnd = seededRandom(7);
  const samples: number[] = [];
  let total = 0;
  for (let i = 0; i < QUERIES + 20; i++) {
    const s = performance.now();
    total += await one(index, kind, rnd);
    if (i >= 20) samples.push(performance.now() - s);
  }
  const [p50, p95, p99] = percentiles(samples, [50, 95, 99]);
  return { p50, p95, p99, total: total / (QUERIES + 20) };
}

/** `QUERIES` queries with `inFlight` at a time: throughput and latency percentiles. */
async function concurrent(index: OfferIndex, kind: Kind, inFlight: number): Promise<{ qps: number; p50: number; p95: number }> {
  const rnd = seededRandom(11);
  const samples: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < QUERIES) {
        const s = performance.now();
        await one(index, kind, rnd);
        samples.push(performance.now() - s);
      }
    }),
  );
  const [p50, p95] = percentiles(samples, [50, 95]);
  return { qps: samples.length / ((performance.now() - t0) / 1000), p50, p95 };
}

async function updateToVisible(env: Record<string, string>): Promise<{ median: number; max: number; n: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-offer-engine-fresh-'));
  const name = `ror-offer-bench-fresh-${process.pid}`;
  Object.assign(process.env, env, { ROR_OFFER_INDEX: name });
  try {
    return await bedUpdateToVisible(dataDir);
  } finally {
    const cleaner = new ElasticOfferIndex({ ...offerEngineFromEnv(process.env)!, name });
    await cleaner.drop();
    await cleaner.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const write = !process.argv.includes('--no-write');
  let started: string[] = [];
  let env: Record<string, string> = {};
  if (!offerEngineFromEnv(process.env)) {
    started = await start(['opensearch']);
    env = await engineEnv();
  }
  const engine = offerEngineFromEnv({ ...process.env, ...env })!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-offer-engine-bench-'));
  const sqlite = new SqliteOfferIndex({ dataDir: dir });
  const elastic = new ElasticOfferIndex({ ...engine, name: `ror-offer-bench-${process.pid}` });
  try {
    const version = ((await (await fetch(engine.url)).json()) as { version: { distribution?: string; number: string } }).version;
    const engineName = `${version.distribution ?? engine.kind} ${version.number}`;
    await elastic.ready();
    const loadSqlite = await load(sqlite);
    console.log(`SQLite: ${DOCS} documents in ${(loadSqlite / 1000).toFixed(1)} s`);
    const loadEngine = await load(elastic);
    console.log(`${engineName}: ${DOCS} documents in ${(loadEngine / 1000).toFixed(1)} s`);
    const rows: string[][] = [];
    for (const kind of KINDS) {
      const a = await latencies(sqlite, kind);
      const b = await latencies(elastic, kind);
      console.log(kind, { sqlite: a, engine: b });
      rows.push([kind, fmt.int(a.total), fmt.int(b.total), fmt.ms(a.p50), fmt.ms(b.p50), fmt.ms(a.p95), fmt.ms(b.p95), fmt.ms(a.p99), fmt.ms(b.p99)]);
    }
    const conc: string[][] = [];
    for (const kind of ['text', 'text+geo', 'suggest'] as Kind[]) {
      const c = await concurrent(elastic, kind, 8);
      console.log('8 in flight', kind, c);
      conc.push([kind, fmt.int(c.qps), fmt.ms(c.p50), fmt.ms(c.p95)]);
    }
    const visible = await updateToVisible(env);
    console.log('update→visible', visible);
    const body = `## Offer search on OpenSearch

${describeMachine(machineFacts())}

**Engine**: ${engineName}, single node in one JVM (-Xmx1g) on this machine (\`npm run engines\`, test/engines/opensearch),
against the embedded index (SQLite FTS5 + R*Tree, a file on a temporary directory), **same run, same ${fmt.int(DOCS)}
generated documents** (scripts/bench/lib/offer-generate.ts, seed 300; the scale of this bench, not the national
300,000 of "Offer search": indexing those into both within a session was not possible here). \`npm run bench:offer-engine\`.

**Indexing** (\`apply\` in batches of 2,000; the engine refreshes after each): SQLite ${fmt.ms(loadSqlite / 1000)} s
(${fmt.int(DOCS / (loadSqlite / 1000))} documents/s), ${engineName} ${fmt.ms(loadEngine / 1000)} s (${fmt.int(DOCS / (loadEngine / 1000))} documents/s).

**Latency**, the query mix of scripts/bench/offer.ts (${QUERIES} queries of each kind after 20 of warm-up, one at a time,
in process; the engine's figures include its HTTP round trip on loopback): text with type-ahead, text + 30 km around a
town, the same with \`available\`, every facet without a filter, suggestions.

${table(['Kind', 'Mean total SQLite', 'Mean total engine', 'p50 SQLite', 'p50 engine', 'p95 SQLite', 'p95 engine', 'p99 SQLite', 'p99 engine'], rows)}

${rows.every((r) => r[1] === r[2]) ? 'The mean totals agree: both adapters answer the same documents for the same queries.' : `The mean totals differ for ${rows.filter((r) => r[1] !== r[2]).map((r) => r[0]).join(', ')}: see the report of the run.`}

**The engine with 8 queries in flight** (better-sqlite3 is synchronous: in one process its queries only queue):

${table(['Kind', 'Queries/s', 'p50 ms', 'p95 ms'], conc)}

**Bed update → visible in \`/offer/search\` through the engine**: the server composed as \`npm start\` composes it with
OPENSEARCH_URL set, on the demo region (the outbox drained every 200 ms into the engine, one bulk request and a refresh
per batch); \`POST /Location/{id}/$set-capacity\` with a new figure, then \`/offer/search\` polled every 10 ms:
median **${fmt.ms(visible.median)} ms**, max ${fmt.ms(visible.max)} ms over ${visible.n} updates (target < 1 s: ${visible.max < 1000 ? 'met' : 'missed'}).
`;
    console.log(body);
    if (write) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'Offer search on OpenSearch', body);
  } finally {
    await sqlite.close();
    await elastic.drop();
    await elastic.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (started.length) await stop(started);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
