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

/** CPU seconds the process has used. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until the server is idle (under 5 % of a CPU for 3 s in a row): a freshly loaded directory gives it
 * background work at start (the offer index rebuilt, the data-quality queue of every loaded resource drained),
 * which would be measured as the export's cost otherwise.
 */
async function quiet(pid: number, log: (m: string) => void): Promise<number> {
  const started = Date.now();
  let calm = 0;
  let last = cpuSeconds(pid);
  while (calm < 3 && Date.now() - started < 30 * 60_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuSeconds(pid);
    calm = now - last < 0.05 ? calm + 1 : 0;
    last = now;
  }
  const s = (Date.now() - started) / 1000;
  log(`server idle after ${s.toFixed(0)} s of background work at start`);
  return s;
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
    env: { ROR_DATA_DIR: DATA_DIR, LOG_LEVEL: 'warn', ROR_BOOTSTRAP_TOKEN: TOKEN, ROR_DEMO_ACCOUNTS: 'false', ROR_RATE_LIMIT_PER_MINUTE: '0' },
    readyPath: '/readyz',
    startTimeoutMs: 120_000,
  });
  try {
    const { origin, pid } = server;
    const settled = await quiet(pid, (m) => console.log(m));
    // Warm-up, then the baseline: the API alone for 15 s.
    await latencies(origin, ((end) => () => Date.now() > end)(Date.now() + 3000), SIZES.Organization);
    const baseline = await latencies(origin, ((end) => () => Date.now() > end)(Date.now() + 15_000), SIZES.Organization);
    const rssBefore = rssKiB(pid, 'VmRSS');
    const anonBefore = rssKiB(pid, 'RssAnon');

    /** One export to its manifest; `during` runs meanwhile. Returns its time, its manifest and its directory. */
    const exportOnce = async () => {
      const started = Date.now();
      const kick = await fetch(`${origin}/$export`, { headers: { Authorization: `Bearer ${TOKEN}`, Prefer: 'respond-async' } });
      if (kick.status !== 202) throw new Error(`kick-off: ${kick.status} ${await kick.text()}`);
      const status = kick.headers.get('content-location')!.replace(/^https?:\/\/[^/]+/, origin);
      for (;;) {
        await new Promise((r) => setTimeout(r, 250));
        const res = await fetch(status, { headers: { Authorization: `Bearer ${TOKEN}` } });
        if (res.status === 200) {
          const manifest = (await res.json()) as { output: { type: string; count: number; url: string }[] };
          return { seconds: (Date.now() - started) / 1000, manifest, dir: path.join(DATA_DIR, 'exports', status.split('/').pop()!) };
        }
        if (res.status !== 202) throw new Error(`status: ${res.status} ${await res.text()}`);
        process.stdout.write(`\r${res.headers.get('x-progress')}          `);
        await res.arrayBuffer();
      }
    };
    const countOf = (m: { output: { count: number }[] }) => m.output.reduce((n, f) => n + f.count, 0);

    // 1. The export alone, memory sampled.
    let peakRss = rssBefore;
    let peakAnon = anonBefore;
    let peakFile = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssKiB(pid, 'VmRSS'));
      peakAnon = Math.max(peakAnon, rssKiB(pid, 'RssAnon'));
      peakFile = Math.max(peakFile, rssKiB(pid, 'RssFile'));
    }, 200);
    const alone = await exportOnce();
    clearInterval(sampler);
    const aloneSeconds = alone.seconds;
    const exported = countOf(alone.manifest);
    const manifest = alone.manifest;
    const jobDir = alone.dir;
    // 2. The same export while API requests run, one at a time.
    let done = false;
    const during = latencies(origin, () => done, SIZES.Organization);
    const loaded = await exportOnce();
    done = true;
    const duringExport = await during;
    const seconds = loaded.seconds;
    // Background work that writes (data-quality Tasks) may have changed the store between the two.
    if (countOf(loaded.manifest) !== exported) console.log(`\nnote: the second export wrote ${countOf(loaded.manifest)} resources, the first ${exported}`);
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
      `| the same export again while API requests run | ${seconds.toFixed(1)} s, ${Math.round(perSecond).toLocaleString('en')} resources/s |`,
      `| export time alone (no API traffic; the run whose memory is sampled) | ${aloneSeconds.toFixed(1)} s, ${Math.round(exported / aloneSeconds).toLocaleString('en')} resources/s |`,
      `| server RSS before the export / peak during it | ${(rssBefore / 1024).toFixed(0)} MiB / ${(peakRss / 1024).toFixed(0)} MiB |`,
      `| of which anonymous memory (heaps) before / peak | ${(anonBefore / 1024).toFixed(0)} MiB / ${(peakAnon / 1024).toFixed(0)} MiB |`,
      `| of which file pages (the mapped database) at peak | ${(peakFile / 1024).toFixed(0)} MiB |`,
      `| API latency without export, p50 / p95 / p99 | ${fmt(baseline)} |`,
      `| API latency during the export, p50 / p95 / p99 | ${fmt(duringExport)} |`,
      `| extrapolated national export (4,000,000 resources, the rates above) | ${(4_000_000 / perSecond).toFixed(0)} s with API traffic, ${(4_000_000 / (exported / aloneSeconds)).toFixed(0)} s alone |`,
      ``,
      `Measured once the server was idle (${settled.toFixed(0)} s of start-up background work waited out: offer index, data-quality queue of a fresh load). ` +
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
