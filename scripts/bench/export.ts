/**
 * `npm run bench:export`: a full bulk `$export` of a generated directory (the search bench's generator,
 * scripts/bench/search-data.ts, scaled by BENCH_EXPORT_SCALE, default 0.1 of its 2.7 million resources) by the real
 * server process, reporting the export's time and throughput, the server's resident memory before and at its peak
 * during the export, and the latency of API requests (a read and a search, one at a time) without an export running
 * and while it runs, in the same run.
 *
 * The data directory is BENCH_EXPORT_DIR (default /tmp/ror-bench-export-<scale>), loaded once and reused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { machineFacts, describeMachine } from './lib/machine';
import { startServer } from './lib/child';
import { percentiles } from './lib/stats';

const SCALE = Number(process.env.BENCH_EXPORT_SCALE ?? 0.1);
const FULL = { Organization: 100_000, Location: 300_000, HealthcareService: 300_000, Practitioner: 1_000_000, PractitionerRole: 1_000_000 };
// The generator reads its sizes from the environment when it is loaded: set them first.
for (const [type, n] of Object.entries(FULL)) {
  const name = { Organization: 'ORGS', Location: 'LOCATIONS', HealthcareService: 'SERVICES', Practitioner: 'PRACTITIONERS', PractitionerRole: 'ROLES' }[type];
  process.env[`BENCH_SEARCH_${name}`] = String(Math.round(n * SCALE));
}
const DATA_DIR = process.env.BENCH_EXPORT_DIR ?? `/tmp/ror-bench-export-${SCALE}`;
const TOKEN = 'bench-export-token-0123456789abcdef0123456789';
const ROOT = path.resolve(__dirname, '../..');

async function timed(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t;
}

/** Requests one at a time until `until()` says stop: a read by id and a search, alternately. */
async function latencies(origin: string, until: () => boolean, orgs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let n = 0; !until(); n++) {
    const k = (n * 7919) % orgs;
    samples.push(await timed(n % 2 ? `${origin}/Organization/org-${k}` : `${origin}/Organization?name=${encodeURIComponent('centre hospitalier')}&_count=20`));
  }
  return samples;
}

/** A memory figure of the server process, in KiB: resident in all, anonymous (heaps, buffers), file pages (SQLite's mapped file). */
function rssKiB(pid: number, field: 'VmRSS' | 'RssAnon' | 'RssFile'): number {
  const m = new RegExp(`${field}:\\s+([0-9]+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const fmt = (ms: number[]) => {
  const [p50, p95, p99] = percentiles(Float64Array.from(ms).sort(), [50, 95, 99]);
  return `${p50.toFixed(1)} / ${p95.toFixed(1)} / ${p99.toFixed(1)} ms (${ms.length} requests)`;
};

async function main(): Promise<void> {
  const machine = machineFacts();
  // Loaded after the sizes are set (see above).
  const { loadSearchBench } = await import('./search-load');
  const { SIZES } = await import('./search-data');
  const total = Object.values(SIZES).reduce((a, b) => a + b, 0);
  console.log(`loading (or reusing) ${total} resources in ${DATA_DIR}…`);
  const loadStart = Date.now();
  await loadSearchBench(DATA_DIR, (m) => console.log(m));
  console.log(`data ready in ${((Date.now() - loadStart) / 1000).toFixed(0)} s`);
  fs.rmSync(path.join(DATA_DIR, 'exports'), { recursive: true, force: true });

  const server = await startServer({
    name: 'fhir',
    script: path.join(ROOT, 'src/main.ts'),
    env: { ROR_DATA_DIR: DATA_DIR, LOG_LEVEL: 'warn', ROR_BOOTSTRAP_TOKEN: TOKEN, ROR_DEMO_ACCOUNTS: 'false' },
    readyPath: '/readyz',
    startTimeoutMs: 120_000,
  });
  try {
    const { origin, pid } = server;
    // Warm-up, then the baseline: the API alone for 15 s.
    await latencies(origin, ((end) => () => Date.now() > end)(Date.now() + 3000), SIZES.Organization);
    const baseline = await latencies(origin, ((end) => () => Date.now() > end)(Date.now() + 15_000), SIZES.Organization);
    const rssBefore = rssKiB(pid, 'VmRSS');
    const anonBefore = rssKiB(pid, 'RssAnon');

    const started = Date.now();
    const kick = await fetch(`${origin}/$export`, { headers: { Authorization: `Bearer ${TOKEN}`, Prefer: 'respond-async' } });
    if (kick.status !== 202) throw new Error(`kick-off: ${kick.status} ${await kick.text()}`);
    const status = kick.headers.get('content-location')!.replace(/^https?:\/\/[^/]+/, origin);
    let manifest: { output: { type: string; count: number; url: string }[] } | undefined;
    let peakRss = rssBefore;
    let peakAnon = anonBefore;
    let peakFile = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssKiB(pid, 'VmRSS'));
      peakAnon = Math.max(peakAnon, rssKiB(pid, 'RssAnon'));
      peakFile = Math.max(peakFile, rssKiB(pid, 'RssFile'));
    }, 200);
    const during = latencies(origin, () => manifest !== undefined, SIZES.Organization);
    while (!manifest) {
      await new Promise((r) => setTimeout(r, 1000));
      const res = await fetch(status, { headers: { Authorization: `Bearer ${TOKEN}` } });
      if (res.status === 200) manifest = (await res.json()) as typeof manifest;
      else if (res.status === 202) process.stdout.write(`\r${res.headers.get('x-progress')}          `);
      else throw new Error(`status: ${res.status} ${await res.text()}`);
    }
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const duringExport = await during;
    const exported = manifest.output.reduce((n, f) => n + f.count, 0);
    const jobDir = path.join(DATA_DIR, 'exports', status.split('/').pop()!);
    const bytes = fs.readdirSync(jobDir).reduce((n, f) => n + fs.statSync(path.join(jobDir, f)).size, 0);
    const perSecond = exported / seconds;
    console.log('\n');
    const lines = [
      `## Bulk export`,
      ``,
      `${describeMachine(machine)}`,
      ``,
      `\`npm run bench:export\` (BENCH_EXPORT_SCALE=${SCALE}): a full \`GET /$export\` as an administrator of ${total.toLocaleString('en')} generated resources ` +
        `(${Object.entries(SIZES).map(([t, n]) => `${n.toLocaleString('en')} ${t}`).join(', ')}), by the server process, page size 500.`,
      ``,
      `| measure | value |`,
      `| --- | --- |`,
      `| resources exported | ${exported.toLocaleString('en')} in ${manifest.output.length} files, ${(bytes / 1024 ** 2).toFixed(0)} MiB of NDJSON |`,
      `| export time (kick-off to manifest) | ${seconds.toFixed(1)} s, ${Math.round(perSecond).toLocaleString('en')} resources/s |`,
      `| server RSS before the export / peak during it | ${(rssBefore / 1024).toFixed(0)} MiB / ${(peakRss / 1024).toFixed(0)} MiB |`,
      `| of which anonymous memory (heaps) before / peak | ${(anonBefore / 1024).toFixed(0)} MiB / ${(peakAnon / 1024).toFixed(0)} MiB |`,
      `| of which file pages (the mapped database) at peak | ${(peakFile / 1024).toFixed(0)} MiB |`,
      `| API latency without export, p50 / p95 / p99 | ${fmt(baseline)} |`,
      `| API latency during the export, p50 / p95 / p99 | ${fmt(duringExport)} |`,
      `| extrapolated national export (4,000,000 resources, same rate) | ${(4_000_000 / perSecond / 60).toFixed(0)} min |`,
      ``,
      `API latency: one request at a time, alternately \`GET /Organization/<id>\` and \`GET /Organization?name=centre hospitalier&_count=20\`.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
