/**
 * `npm run bench:offer` — offer search at national scale, into the `## Offer search` section of BENCHMARKS.md:
 * - full reindex: ≈300,000 generated offer documents (./lib/offer-generate.ts, every town of its table) applied in
 *   batches of 2,000 to the embedded index (SqliteOfferIndex: documents in SQLite, queries answered by the in-memory
 *   engine of src/store/sqlite/offer-engine/) on a temporary data directory. Documents go straight into the index:
 *   building 300,000 units through the FHIR store would take far longer than the bench; the reindex time is the
 *   index's own (the store's reads of `npm run reindex-offer` come on top);
 * - open: the index closed and opened again (the engine loaded from the stored entries), as a server start does;
 * - latency of the adapter's `search` / `suggest`, one query at a time in process, for six kinds of query (text;
 *   text + 30 km around a town; the same with available=true; facet counts of the whole region, as /offer/facets;
 *   facet counts of one department; type-ahead), p50/p95/p99 over N queries each;
 * - the same kinds through HTTP with 32 concurrent connections (autocannon, ./lib/load.ts) against the offer API
 *   alone (./lib/servers/offer-api.ts: the project's offer router over the same index file) in two child processes,
 *   one answering in the request's thread, one through search threads (alternated kind by kind), which also report
 *   their open time and memory (RSS) with the index loaded;
 * - the cost of one bed update (`apply` of one changed document) at this size;
 * - a bed update's way to offer search: the server composed as `npm start` does (background work on, offer drain
 *   every 200 ms) on the demo region, `POST /Location/{id}/$set-capacity`, then `/offer/search` polled every 10 ms
 *   until the new figure shows; median and max over 20 updates.
 * Flags: --docs=N (default 300000) --queries=N (default 300 per kind) --load-seconds=N (default 10 per kind)
 * --threads=N (search threads of the second server, default 2) --rounds=N (alternated runs of each kind on each
 * server, default 3; medians reported) --no-write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OfferDocument, OfferFacet, OfferQuery } from '../../src/store/offer-index';
import { SqliteOfferIndex } from '../../src/store/sqlite/offer-index';
import { bedUpdateToVisible } from './lib/bed-update-visibility';
import { startServer } from './lib/child';
import { measure, type LoadResult } from './lib/load';
import { describeMachine, machineFacts } from './lib/machine';
import { fmt, table, writeSection } from './lib/markdown';
import { generateOfferBatches, seededRandom, TOWNS } from './lib/offer-generate';
import { median, percentiles } from './lib/stats';

const ROOT = path.resolve(__dirname, '..', '..');
const arg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const DOCS = arg('docs', 300_000);
const QUERIES = arg('queries', 300);
const LOAD_SECONDS = arg('load-seconds', 10);
const CONNECTIONS = 32;
const THREADS = arg('threads', 2);
const ROUNDS = arg('rounds', 3);
const NOW = Date.now();
const MiB = 1024 ** 2;

const TEXTS = ['urgences', 'cardiologie', 'ssr geriatrique', 'ehpad', 'psychiatrie adulte', 'soins palliatifs', 'médecine polyvalente', 'réanimation', 'pédiatrie', 'chirurgie orthopédique', 'hébergement temporaire', 'smr', 'maternité', 'had', 'oncologie'];
const SEARCH_FACETS: OfferFacet[] = ['activity', 'careMode', 'department', 'category'];
const ALL_FACETS: OfferFacet[] = ['activity', 'careMode', 'specialty', 'category', 'department', 'region'];
const PREFIXES = ['urg', 'cardi', 'centre hosp', 'ehpad les', 'bourg', 'pontar', 'psychi', 'résidence la', 'clinique du', 'smr gér', 'lyo', 'saint-é', 'réa', 'hébergement perm', 'mater'];

type Kind = 'text' | 'text+geo' | 'text+geo+available' | 'facets' | 'facets+department' | 'suggest';
const KINDS: Kind[] = ['text', 'text+geo', 'text+geo+available', 'facets', 'facets+department', 'suggest'];
const targetOf = (kind: Kind) => (kind === 'suggest' ? 20 : 50);

/** One query of a kind, as the adapter's OfferQuery (in process) and as the API's URL (over HTTP). */
function queryOf(kind: Kind, rnd: () => number): { query?: OfferQuery; suggest?: string; url: string } {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const base: OfferQuery = { hideSensitive: rnd() < 0.5, sort: 'relevance', limit: 20, facets: SEARCH_FACETS };
  const town = pick(TOWNS);
  const text = pick(TEXTS);
  const q = `/offer/search?limit=20&q=${encodeURIComponent(text)}`;
  const near = `&near=${town.lat},${town.lon}&radius=30`;
  switch (kind) {
    case 'text':
      return { query: { ...base, text, prefix: true }, url: q };
    case 'text+geo':
      return { query: { ...base, text, prefix: true, near: { lat: town.lat, lon: town.lon, radiusKm: 30 } }, url: q + near };
    case 'text+geo+available':
      return { query: { ...base, text, prefix: true, near: { lat: town.lat, lon: town.lon, radiusKm: 30 }, available: true }, url: `${q}${near}&available=true` };
    case 'facets':
      return { query: { ...base, limit: 1, facets: ALL_FACETS }, url: '/offer/facets' };
    case 'facets+department':
      return { query: { ...base, limit: 1, facets: ALL_FACETS, department: [town.dep] }, url: `/offer/facets?department=${town.dep}` };
    default: {
      const prefix = pick(PREFIXES);
      return { suggest: prefix, url: `/offer/suggest?limit=10&q=${encodeURIComponent(prefix)}` };
    }
  }
}

/**
 * The index opened as a server start opens it, its queries one at a time and the cost of a bed update, in this
 * process. A function of its own: once it returns, the engine it loaded can be collected, and this process (the load
 * generator next) does not carry it.
 */
async function oneAtATime(dir: string) {
  // Open, as a server start does.
  const o = performance.now();
  const index = new SqliteOfferIndex({ dataDir: dir });
  const openMs = performance.now() - o;
  const stats = index.stats();
  console.log(`opened in ${openMs.toFixed(0)} ms`, stats);

  // Latencies, one query at a time.
  const rnd = seededRandom(7);
  const rows: string[][] = [];
  const sample: OfferDocument[] = [];
  for (const kind of KINDS) {
    const samples: number[] = [];
    let hits = 0;
    const warmup = 20;
    for (let i = 0; i < QUERIES + warmup; i++) {
      const q = queryOf(kind, rnd);
      const s = performance.now();
      if (q.suggest !== undefined) {
        hits += (await index.suggest(q.suggest, { limit: 10, hideSensitive: rnd() < 0.5 })).length;
      } else {
        const r = await index.search(q.query as OfferQuery);
        hits += r.total;
        if (kind === 'text' && sample.length < 200) sample.push(...r.hits.slice(0, 2).map((h) => h.document));
      }
      if (i >= warmup) samples.push(performance.now() - s);
    }
    const [p50, p95, p99] = percentiles(samples, [50, 95, 99]);
    rows.push([`${kind} (${QUERIES})`, fmt.int(hits / (QUERIES + warmup)), fmt.ms(p50), fmt.ms(p95), fmt.ms(p99), `< ${targetOf(kind)} ms`, p95 < targetOf(kind) ? 'met' : 'missed']);
    console.log(kind, { p50, p95, p99 });
  }

  // One bed update at this size: a document put again with another free-bed figure.
  const updates: number[] = [];
  for (let i = 0; i < sample.length; i++) {
    const d = sample[i];
    const free = { ...d.capacity.free, total: d.capacity.free.total + 1, undetermined: d.capacity.free.undetermined + 1 };
    const s = performance.now();
    await index.apply({ put: [{ ...d, capacity: { ...d.capacity, free } }], remove: [] });
    updates.push(performance.now() - s);
  }
  const [u50, u95] = percentiles(updates, [50, 95]);
  console.log('bed update apply', { u50, u95, n: updates.length });
  await index.close();
  return { openMs, rows, u50, u95, updates: updates.length };
}

async function main(): Promise<void> {
  const machine = machineFacts();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-offer-bench-'));
  const write = !process.argv.includes('--no-write');
  try {
    // Full reindex.
    const index = new SqliteOfferIndex({ dataDir: dir });
    await index.clear();
    let applyMs = 0;
    let n = 0;
    const t0 = performance.now();
    for (const batch of generateOfferBatches({ seed: 300, units: DOCS, now: NOW, spreadDeg: 0.5 }, 2000)) {
      const s = performance.now();
      await index.apply({ put: batch, remove: [] });
      applyMs += performance.now() - s;
      n += batch.length;
      if (n % 50_000 < 2000) process.stdout.write(`\rindexed ${n.toLocaleString('en-US')} documents`);
    }
    const wallMs = performance.now() - t0;
    await index.close();
    const fileMiB = fs.statSync(path.join(dir, 'offer.sqlite')).size / MiB;
    console.log(`\nindexed ${n} in ${(applyMs / 1000).toFixed(1)} s of apply (${(wallMs / 1000).toFixed(1)} s with generation), ${fileMiB.toFixed(0)} MiB`);

    const { openMs, rows, u50, u95, updates } = await oneAtATime(dir);

    // 32 concurrent clients through HTTP, against the offer API in child processes: answered in the request's
    // thread, and through search threads; the two alternate kind by kind.
    type ChildStats = { openMs: number; threadsReadyMs?: number; rss: number; rssBeforeOpen: number; heapUsed: number; arrayBuffers: number; typedArrayBytes: number; terms: number; suggestions: number };
    const configs = [0, THREADS];
    const servers = [];
    const loadRows: string[][] = [];
    const children: ChildStats[] = [];
    try {
      for (const threads of configs) {
        const server = await startServer({ name: `offer-api-${threads}`, script: path.join(__dirname, 'lib', 'servers', 'offer-api.ts'), env: { BENCH_OFFER_DIR: dir, BENCH_OFFER_THREADS: String(threads) }, startTimeoutMs: 300_000 });
        servers.push(server);
        children.push((await (await fetch(`${server.origin}/bench/stats`)).json()) as ChildStats);
        console.log('child', threads, children[children.length - 1]);
      }
      // Steady state first: each server serves every kind for a few seconds (the engines' first collections after
      // loading, the JIT, the parsed documents), unmeasured.
      for (const server of servers) {
        for (const kind of KINDS) {
          const r = seededRandom(3);
          await measure({ origin: server.origin, connections: CONNECTIONS, durationS: 3, warmupS: 0, next: () => ({ path: queryOf(kind, r).url }), expectStatus: 200 });
        }
      }
      for (const kind of KINDS) {
        for (const server of servers) {
          // Every URL of the kind answers 200 one at a time first, or the bench says which does not.
          const check = seededRandom(11);
          for (let i = 0; i < 100; i++) {
            const url = queryOf(kind, check).url;
            const res = await fetch(server.origin + url);
            const text = await res.text();
            if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text.slice(0, 300)}`);
          }
        }
        // ROUNDS runs per server, the servers alternated run by run (A B A B …): the median of each figure is reported.
        const runs: (LoadResult & { busyMs: number })[][] = configs.map(() => []);
        const failed: string[] = configs.map(() => '');
        for (let round = 0; round < ROUNDS; round++) {
          for (let c = 0; c < configs.length; c++) {
            const r = seededRandom(11 + round);
            try {
              const before = await busyOf(servers[c].origin);
              const result = await measure({ origin: servers[c].origin, connections: CONNECTIONS, durationS: LOAD_SECONDS, warmupS: 2, next: () => ({ path: queryOf(kind, r).url }), expectStatus: 200 });
              const after = await busyOf(servers[c].origin);
              const busyMs = (after.requestThreadBusyMs - before.requestThreadBusyMs) / (after.offerRequests - before.offerRequests);
              console.log(kind, configs[c], 'threads, round', round + 1, { rps: result.rps, p50: result.p50, p95: result.p95, p99: result.p99, busyMs });
              runs[c].push({ ...result, busyMs });
            } catch (err) {
              // Connection errors or timeouts under load: reported as such rather than ending the bench.
              console.error(kind, err);
              failed[c] = `failed: ${(err as Error).message.split(' against')[0]}`;
            }
          }
        }
        for (let c = 0; c < configs.length; c++) {
          const label = configs[c] === 0 ? 'request thread' : `${configs[c]} search threads`;
          if (failed[c] || !runs[c].length) {
            loadRows.push([kind, label, '—', '—', '—', '—', '—', '—', `< ${targetOf(kind)} ms`, failed[c] || 'failed']);
            continue;
          }
          const med = (f: (r: LoadResult & { busyMs: number }) => number) => median(runs[c].map(f));
          const p95s = runs[c].map((r) => r.p95);
          const p95 = med((r) => r.p95);
          loadRows.push([kind, label, fmt.int(med((r) => r.rps)), fmt.ms(med((r) => r.p50)), fmt.ms(p95), `${fmt.ms(Math.min(...p95s))}–${fmt.ms(Math.max(...p95s))}`, fmt.ms(med((r) => r.p99)), med((r) => r.busyMs).toFixed(2), `< ${targetOf(kind)} ms`, p95 < targetOf(kind) ? 'met' : 'missed']);
        }
      }
    } finally {
      for (const server of servers) await server.stop();
    }
    const [child, threaded] = children;
    const metWith = (label: string, met: boolean) =>
      loadRows.filter((r) => r[1] === label && (r[9] === 'met') === met).map((r) => r[0]).join(', ') || 'none';
    const threadsLabel = `${THREADS} search threads`;

    // Update → visible, through the composed server.
    const visible = await updateToVisible();
    console.log('update→visible', visible);

    const body = `## Offer search

${describeMachine(machine)}

**Index**: ${fmt.int(n)} generated offer documents (scripts/bench/lib/offer-generate.ts: CH, CHU, clinics, SMR, psychiatric
hospitals, EHPAD and HAD around ${TOWNS.length} French towns, coded with the ANS nomenclatures), put straight into the
embedded index on a temporary directory in batches of 2,000 — not through the FHIR store, which would take far
longer than the bench. The embedded index keeps each document and its analysed entry in \`offer.sqlite\` and answers
every query from memory (src/store/sqlite/offer-engine/: typed-array columns, posting lists ranked as FTS5's bm25,
a geo grid, facet counters, and for frequent words their facet counts and units in ranked order, kept through
writes); the engine is loaded from the stored entries when the index opens.

- **Full reindex: ${fmt.ms(applyMs / 1000)} s** of \`apply\` (${fmt.int(n / (applyMs / 1000))} documents/s; ${fmt.ms(wallMs / 1000)} s with the generation), a ${fmt.int(fileMiB)} MiB file;
  \`npm run reindex-offer\`'s reads of the store come on top. Most of it is the French analysis of each text. Being
  CPU work of one thread and nothing else, it is also a gauge of this shared machine's speed during the run: between
  runs of this bench it has varied by half (38 to 56 s for the same code), and the latencies below with it.
- **Open** (a server start; the engine loaded from ${fmt.int(n)} stored entries): **${fmt.ms(openMs / 1000)} s** in this process,
  ${fmt.ms(child.openMs / 1000)} s in the API's child process.
- **Memory** of the API's process with the index open: **RSS ${fmt.int(child.rss / MiB)} MiB** (${fmt.int(child.rssBeforeOpen / MiB)} MiB before opening), V8 heap
  ${fmt.int(child.heapUsed / MiB)} MiB, typed arrays ${fmt.int(child.arrayBuffers / MiB)} MiB (${fmt.int(child.typedArrayBytes / MiB)} MiB of them the engine's columns, pools and
  posting lists); ${fmt.int(child.terms)} distinct terms, ${fmt.int(child.suggestions)} type-ahead names.
- **A bed update** (\`apply\` of one document with another free-bed figure, at this size): p50 ${fmt.ms(u50)} ms, p95 ${fmt.ms(u95)} ms
  over ${updates} updates (the text did not change, so the posting lists are left as they are).

**32 concurrent clients** through HTTP: autocannon with ${CONNECTIONS} connections, ${LOAD_SECONDS} s per kind after 2 s of warm-up (and
each server first served every kind for 3 s, unmeasured, so what is measured is the steady state, not the first
collections after the index loaded),
against the offer API alone (the project's offer router on Express, scripts/bench/lib/servers/offer-api.ts, one
Node process, as an administrator: sensitive units included) over the same index file; latency is the client's,
queueing included. Two servers, alternated run by run (${ROUNDS} runs of each kind on each; the table gives the median of
each figure, and the range of the p95s): one answers in the request's thread (the default), the
other through ${THREADS} search threads (\`ROR_OFFER_SEARCH_THREADS=${THREADS}\`, src/offer/search-threads: each a replica of
the index; ready ${fmt.ms((threaded.threadsReadyMs ?? 0) / 1000)} s after the index opened, RSS ${fmt.int(threaded.rss / MiB)} MiB with them against ${fmt.int(child.rss / MiB)} MiB without). Text is one of ${TEXTS.length} phrases (type-ahead on the last word, as the API does), geo is 30 km around
a town of the table, a page is 20 results with the activity, care mode, department and category facets; "facets"
is \`/offer/facets\` (every facet over every document), "facets+department" the same for one department; "suggest"
is \`/offer/suggest\` of one of ${PREFIXES.length} beginnings.

${table(['Kind', 'Answered by', 'Requests/s', 'p50 ms', 'p95 ms', 'p95 range', 'p99 ms', 'Request thread ms/req', 'Target p95', ''], loadRows)}

"Request thread ms/req" is the time the server's one request thread was busy per request (its event loop's active
time, the search itself included when it answers alone): with search threads, what is left there (HTTP, routing,
handing the query over and the answer back), which bounds what more CPUs can give.

**Targets at 32 concurrent clients**, with ${THREADS} search threads: met for ${metWith(threadsLabel, true)}; missed for ${metWith(threadsLabel, false)}.
In the request's thread: met for ${metWith('request thread', true)}; missed for ${metWith('request thread', false)}.
One query at a time, in process: met for ${rows.filter((r) => r[6] === 'met').map((r) => r[0].split(' ')[0]).join(', ') || 'none'}.

In the request's thread, one Node thread answers the 32 connections one request at a time, so a request waits for
the ones ahead of it: latency ≈ 32 × the CPU time of a request (search, then the API's JSON of 20 results). Search
threads answer in parallel, as many at once as there are CPUs free; on this 2-CPU machine the load generator and
whatever else runs (the load average above) share the CPUs with the server.

**One query at a time**, in process (the adapter's \`search\` and \`suggest\`, no HTTP), ${QUERIES} queries of each kind
after 20 of warm-up; half of them hide sensitive units:

${table(['Kind', 'Mean total', 'p50 ms', 'p95 ms', 'p99 ms', 'Target p95', ''], rows)}

**Before** (the same bench on the former adapter, SQLite FTS5 + R*Tree queried per request, commit 6dc3cf4, one query
at a time only): text p50 89.7 / p95 372.1 ms, text+geo 128.0 / 359.3 ms, text+geo+available 79.4 / 379.5 ms, facets
6.61 / 739.5 ms, suggest 11.2 / 41.1 ms; full reindex 60.7 s, an 882 MiB file. What dominated: the FTS5 match of
~20,000 rows (48 ms) and facet counts by SQL joins over 1.9 M code rows (136 ms to 2.3 s).

**Bed update → visible in \`/offer/search\`**: the server composed as \`npm start\` composes it (background work on,
offer drain every 200 ms) on the demo region; \`POST /Location/{id}/$set-capacity\` with a new free-bed figure, then
\`/offer/search\` polled every 10 ms until the figure shows: median **${fmt.ms(visible.median)} ms**, max ${fmt.ms(visible.max)} ms over ${visible.n} updates
(target < 1 s: ${visible.max < 1000 ? 'met' : 'missed'}).
`;
    console.log(body);
    if (write) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'Offer search', body);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The API child's request-thread busy time and offer requests so far. */
async function busyOf(origin: string): Promise<{ requestThreadBusyMs: number; offerRequests: number }> {
  return (await (await fetch(`${origin}/bench/stats`)).json()) as { requestThreadBusyMs: number; offerRequests: number };
}

async function updateToVisible(): Promise<{ median: number; max: number; n: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-offer-fresh-'));
  try {
    return await bedUpdateToVisible(dataDir);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
