/**
 * `npm run bench:federate`: federation of a generated region. A source server (the real server, in a child process,
 * on the search bench's generated data scaled by BENCH_FEDERATE_SCALE, default 0.11 of its 2.7 million resources ≈
 * 300,000) is imported through its `$export` into an empty store by this process (the importer: `runFederation`, as
 * `npm run federate` runs it); then 1 % of the source's resources change (0.9 % updated, 0.1 % deleted, over HTTP)
 * and the next run takes the delta (`_since`). Prints the "## Federation" section of BENCHMARKS.md.
 *
 * BENCH_FEDERATE_DIR (default /tmp/ror-bench-federate-<scale>) keeps the source's data between runs; the importer's
 * store is fresh each time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineFacts, describeMachine } from './lib/machine';
import { startServer } from './lib/child';

const SCALE = Number(process.env.BENCH_FEDERATE_SCALE ?? 0.11);
const FULL = { Organization: 100_000, Location: 300_000, HealthcareService: 300_000, Practitioner: 1_000_000, PractitionerRole: 1_000_000 };
const ENV_NAME = { Organization: 'ORGS', Location: 'LOCATIONS', HealthcareService: 'SERVICES', Practitioner: 'PRACTITIONERS', PractitionerRole: 'ROLES' } as const;
for (const [type, n] of Object.entries(FULL)) process.env[`BENCH_SEARCH_${ENV_NAME[type as keyof typeof FULL]}`] = String(Math.round(n * SCALE));
const DATA_DIR = process.env.BENCH_FEDERATE_DIR ?? `/tmp/ror-bench-federate-${SCALE}`;
const TOKEN = 'bench-federate-token-0123456789abcdef0123456789';
const ROOT = path.resolve(__dirname, '../..');
const PREFIX = { Organization: 'org', Location: 'loc', HealthcareService: 'hs', Practitioner: 'pra', PractitionerRole: 'pr' } as const;

function anonKiB(): number {
  const m = /RssAnon:\s+([0-9]+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const machine = machineFacts();
  const { loadSearchBench } = await import('./search-load');
  const { SIZES } = await import('./search-data');
  const total = Object.values(SIZES).reduce((a, b) => a + b, 0);
  console.log(`loading (or reusing) the source's ${total} resources in ${DATA_DIR}…`);
  await loadSearchBench(DATA_DIR, (m) => console.log(m));
  fs.rmSync(path.join(DATA_DIR, 'exports'), { recursive: true, force: true });
  // Data written just now would fall in the export's 5 s settle margin and come again in the delta.
  await new Promise((r) => setTimeout(r, 6000));

  const { composeKernel } = await import('../../src/main');
  const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store');
  const { runFederation, normaliseSource } = await import('../../src/federation');

  // The port is picked by startServer; the source's base URL must be its own origin (the manifest's file URLs).
  const server = await startServer({
    name: 'source',
    script: path.join(ROOT, 'src/main.ts'),
    env: { ROR_DATA_DIR: DATA_DIR, LOG_LEVEL: 'warn', ROR_BOOTSTRAP_TOKEN: TOKEN, ROR_DEMO_ACCOUNTS: 'false', ROR_RATE_LIMIT_PER_MINUTE: '0' },
    readyPath: '/readyz',
    startTimeoutMs: 120_000,
  });
  const importDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-federate-importer-'));
  const { kernel } = composeKernel();
  const store = new SqliteStore({ dataDir: importDir }, kernel.indexer);
  try {
    // The source's base URL is its default one, http://localhost:<port>: its manifest's file URLs are on it.
    const source = normaliseSource({ url: `http://localhost:${server.port}`, token: TOKEN });
    let peak = anonKiB();
    const sampler = setInterval(() => (peak = Math.max(peak, anonKiB())), 200);
    const run = async (label: string) => {
      peak = anonKiB();
      const t = Date.now();
      const r = await runFederation({ store, kernel, source, trigger: 'cli', pull: { maxPollWaitMs: 1000 }, log: (m) => console.log(`  ${m}`) });
      const s = r.sources[0];
      if (r.status !== 'success') throw new Error(`${label}: ${r.status} ${r.error}`);
      console.log(`${label}: ${((Date.now() - t) / 1000).toFixed(1)} s, ${s.records} records, ${s.created} created, ${s.updated} updated, ${s.deactivated} deactivated, ${s.unchanged} unchanged`);
      return { seconds: (Date.now() - t) / 1000, report: s, peakMiB: peak / 1024 };
    };
    const first = await run('first run');

    // 1 % of the source changes: 0.9 % updated (a new name), 0.1 % deleted, spread over the types.
    const t0 = Date.now();
    let updates = 0;
    let deletes = 0;
    for (const [type, size] of Object.entries(SIZES) as [keyof typeof SIZES, number][]) {
      const n = Math.round(size * 0.01);
      for (let k = 0; k < n; k++) {
        const id = `${PREFIX[type]}-${Math.floor((k * size) / n)}`;
        const url = `${server.origin}/${type}/${id}`;
        if (k % 10 === 9) {
          const res = await fetch(url, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
          if (res.status >= 300) throw new Error(`DELETE ${url}: ${res.status}`);
          deletes++;
          continue;
        }
        const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/fhir+json' } });
        const r = (await res.json()) as Record<string, unknown>;
        if (type === 'Practitioner') r.gender = r.gender === 'female' ? 'male' : 'female';
        else if (type !== 'PractitionerRole') r.name = `${String(r.name)} (modifié)`;
        if (type === 'PractitionerRole') (r as { period?: unknown }).period = { start: '2025-01-01' };
        const put = await fetch(url, { method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(r) });
        if (put.status >= 300) throw new Error(`PUT ${url}: ${put.status} ${await put.text()}`);
        updates++;
      }
    }
    console.log(`source changed: ${updates} updates, ${deletes} deletions in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await new Promise((r) => setTimeout(r, 6000)); // past the export's 5 s settle margin
    const delta = await run('1 % delta');
    clearInterval(sampler);
    const split = (x: { seconds: number; report: { durationMs: number } }) => `${(x.seconds - x.report.durationMs / 1000).toFixed(1)} s / ${(x.report.durationMs / 1000).toFixed(1)} s`;
    const rate = (x: { seconds: number; report: { records: number } }) => Math.round(x.report.records / x.seconds).toLocaleString('en');
    const lines = [
      `## Federation`,
      ``,
      describeMachine(machine),
      ``,
      `\`npm run bench:federate\` (BENCH_FEDERATE_SCALE=${SCALE}): a source server (child process) holding ${total.toLocaleString('en')} generated resources ` +
        `(${Object.entries(SIZES).map(([t, n]) => `${n.toLocaleString('en')} ${t}`).join(', ')}) imported through its \`$export\` into an empty store ` +
        `by \`runFederation\` (what \`npm run federate\` runs), then ${updates.toLocaleString('en')} updates and ${deletes.toLocaleString('en')} deletions (1 %) taken by the next run (\`_since\`).`,
      ``,
      `| run | resources pulled | time | of which pull (export, download) / reconcile | rate | written | importer's peak anonymous memory |`,
      `| --- | --- | --- | --- | --- | --- | --- |`,
      `| first run | ${first.report.records.toLocaleString('en')} | ${first.seconds.toFixed(1)} s | ${split(first)} | ${rate(first)} /s | ${first.report.created.toLocaleString('en')} created | ${first.peakMiB.toFixed(0)} MiB |`,
      `| 1 % delta | ${delta.report.records.toLocaleString('en')} (+ ${deletes} deletions) | ${delta.seconds.toFixed(1)} s | ${split(delta)} | ${rate(delta)} /s | ${delta.report.updated.toLocaleString('en')} updated, ${delta.report.deactivated.toLocaleString('en')} deactivated | ${delta.peakMiB.toFixed(0)} MiB |`,
    ];
    console.log(`\n${lines.join('\n')}`);
  } finally {
    await store.close();
    await server.stop();
    fs.rmSync(importDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
