/**
 * `npm run bench:core` — throughput and latency of the FHIR core interactions against the framework and the
 * platform floors, written to the `## Core` section of BENCHMARKS.md.
 *
 * Servers (each in its own child process, on 127.0.0.1):
 * - fhir: the real server, `src/main.ts` as shipped (createApp + SqliteStore + SQLite search index), on a fresh
 *   temporary data directory, LOG_LEVEL=info as in production with its logs sent to /dev/null;
 * - express-floor: a bare Express 5 app, one route answering the stored bytes of an Organization;
 * - node-floor: node:http alone doing the same.
 * Scenarios: read (GET /Organization/{id} over the preloaded Organizations, rotating ids) on all three; create
 * (POST) and update (PUT, rotating ids, a changed telephone so every request makes a new version) on fhir.
 * Reads are anonymous (public reads); writes carry the bootstrap token made for the run (ROR_BOOTSTRAP_TOKEN), an
 * administrator, since the server refuses anonymous writes.
 * Read measurements are interleaved (fhir, express, node, fhir, ...) so drifting background load hits all alike.
 *
 * Flags: --duration=S --warmup=S --connections=N --runs=N --quick --write --no-write --profile (see lib/options.ts).
 * `--profile` runs each scenario once on servers under `node --cpu-prof` and prints where their CPU time goes;
 * it never writes BENCHMARKS.md (the profiler slows the server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type ServerHandle } from './lib/child';
import { bearer, newBootstrapToken } from './lib/credentials';
import { benchOrgId, rorOrganization } from './lib/fixtures';
import { measure, type LoadRequest, type LoadResult } from './lib/load';
import { describeMachine, machineFacts, type MachineFacts } from './lib/machine';
import { fmt, table, writeSection } from './lib/markdown';
import { parseBenchOptions, type BenchOptions } from './lib/options';
import { preloadOrganizations } from './lib/preload';
import { formatProfile, summarizeProfile } from './lib/profile';
import { median, spreadPct } from './lib/stats';

const ROOT = path.resolve(__dirname, '..', '..');
const ORG_COUNT = Number(process.env.BENCH_ORGS ?? 1000);
const FHIR_JSON = 'application/fhir+json';
const TARGET_READ_VS_EXPRESS = 0.7;
const TARGET_CREATES = 2000;
/** The administrator token the servers of this run accept (writes need a credential; reads stay anonymous). */
const TOKEN = newBootstrapToken();
const WRITE_HEADERS = { 'content-type': FHIR_JSON, accept: FHIR_JSON, ...bearer(TOKEN) };

type ScenarioName = 'read' | 'express-floor' | 'node-floor' | 'create' | 'create-ror' | 'update';

interface Scenario {
  name: ScenarioName;
  label: string;
  server: 'fhir' | 'express-floor' | 'node-floor';
  expectStatus: number;
  next: () => LoadRequest;
}

function scenarios(): Scenario[] {
  let readCounter = 0;
  const readNext = (): LoadRequest => ({
    method: 'GET',
    path: `/Organization/${benchOrgId(readCounter++ % ORG_COUNT)}`,
    headers: { accept: FHIR_JSON },
  });
  let createCounter = 100_000;
  const create = (name: ScenarioName, label: string, claimProfile: boolean): Scenario => ({
    name,
    label,
    server: 'fhir',
    expectStatus: 201,
    next: () => ({
      method: 'POST',
      path: '/Organization',
      headers: WRITE_HEADERS,
      body: JSON.stringify(rorOrganization(createCounter++, { claimProfile })),
    }),
  });
  let updateCounter = 1_000_000;
  return [
    { name: 'read', label: 'FHIR read `GET /Organization/{id}`', server: 'fhir', expectStatus: 200, next: readNext },
    { name: 'express-floor', label: 'Express 5 floor (same bytes, same headers)', server: 'express-floor', expectStatus: 200, next: readNext },
    { name: 'node-floor', label: 'node:http floor (same bytes, same headers)', server: 'node-floor', expectStatus: 200, next: readNext },
    create('create', 'FHIR create `POST /Organization` (base R4 validation)', false),
    create('create-ror', 'FHIR create `POST /Organization` claiming ROROrganization (base + profile validation)', true),
    {
      name: 'update',
      label: 'FHIR update `PUT /Organization/{id}` (new version each)',
      server: 'fhir',
      expectStatus: 200,
      next: () => {
        const c = updateCounter++;
        const n = c % ORG_COUNT;
        const id = benchOrgId(n);
        return {
          method: 'PUT',
          path: `/Organization/${id}`,
          headers: WRITE_HEADERS,
          body: JSON.stringify(rorOrganization(n, { id, phoneSuffix: c })),
        };
      },
    },
  ];
}

/** Reads one stored Organization as served, for the floor servers to answer byte for byte. */
async function capturePayload(origin: string, file: string): Promise<number> {
  const res = await fetch(`${origin}/Organization/${benchOrgId(Math.floor(ORG_COUNT / 2))}`, { headers: { accept: FHIR_JSON } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`reading the floor payload: HTTP ${res.status} ${body.slice(0, 300)}`);
  const payload = {
    body,
    contentType: res.headers.get('content-type') ?? FHIR_JSON,
    etag: res.headers.get('etag') ?? 'W/"1"',
    lastModified: res.headers.get('last-modified') ?? new Date().toUTCString(),
  };
  fs.writeFileSync(file, JSON.stringify(payload));
  return Buffer.byteLength(body);
}

interface Servers {
  fhir: ServerHandle;
  'express-floor': ServerHandle;
  'node-floor': ServerHandle;
}

/**
 * Preloads the Organizations on a first, unmeasured server and keeps one of them as the floors' payload; the
 * measured servers then start on that data directory (so a profile holds no preload).
 */
async function prepareData(dataDir: string, payloadFile: string): Promise<number> {
  const loader = await startServer({ name: 'fhir-preload', script: MAIN, env: fhirEnv(dataDir), readyPath: '/readyz' });
  try {
    process.stdout.write(`preloading ${ORG_COUNT} Organizations... `);
    const t0 = Date.now();
    await preloadOrganizations(loader.origin, ORG_COUNT, bearer(TOKEN));
    console.log(`${Date.now() - t0} ms`);
    return await capturePayload(loader.origin, payloadFile);
  } finally {
    await loader.stop();
  }
}

const MAIN = path.join(ROOT, 'src', 'main.ts');
// No demo region: the data set is exactly the preloaded Organizations.
// No rate limit: the load generator is one caller sending thousands of requests a second.
const fhirEnv = (dataDir: string) => ({ ROR_DATA_DIR: dataDir, LOG_LEVEL: 'info', ROR_DEMO_DATA: 'false', ROR_BOOTSTRAP_TOKEN: TOKEN, ROR_RATE_LIMIT_PER_MINUTE: '0' });

async function startAll(dataDir: string, payloadFile: string, profileDir?: string): Promise<Servers> {
  const started: ServerHandle[] = [];
  const start = async (name: string, script: string, env: Record<string, string>, readyPath?: string) => {
    const s = await startServer({ name, script, env, readyPath, cpuProfileDir: profileDir });
    started.push(s);
    return s;
  };
  try {
    const floorEnv = { BENCH_PAYLOAD_FILE: payloadFile };
    return {
      fhir: await start('fhir', MAIN, fhirEnv(dataDir), '/readyz'),
      'express-floor': await start('express-floor', path.join(__dirname, 'lib', 'servers', 'express-floor.ts'), floorEnv),
      'node-floor': await start('node-floor', path.join(__dirname, 'lib', 'servers', 'node-floor.ts'), floorEnv),
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
}

/** 1-minute load average sampled after each measurement (the bench itself accounts for about 2). */
const loadSamples: number[] = [];

async function run(opts: BenchOptions, scenario: Scenario, servers: Servers, durationS = opts.durationS): Promise<LoadResult> {
  const server = servers[scenario.server];
  const r = await measure({
    origin: server.origin,
    connections: opts.connections,
    durationS,
    warmupS: opts.warmupS,
    next: scenario.next,
    expectStatus: scenario.expectStatus,
  });
  loadSamples.push(os.loadavg()[0]);
  console.log(
    `${scenario.name.padEnd(14)} ${fmt.int(r.rps).padStart(7)} req/s  p50 ${fmt.ms(r.p50)} ms  p95 ${fmt.ms(r.p95)} ms  p99 ${fmt.ms(r.p99)} ms  (${r.ok} ok in ${r.durationS} s)`,
  );
  return r;
}

interface Summary {
  scenario: Scenario;
  runs: LoadResult[];
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

function summarize(scenario: Scenario, runs: LoadResult[]): Summary {
  return {
    scenario,
    runs,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
  };
}

function report(opts: BenchOptions, machine: MachineFacts, payloadBytes: number, results: Map<ScenarioName, Summary>): string {
  const get = (n: ScenarioName) => results.get(n) as Summary;
  const read = get('read');
  const express = get('express-floor');
  const node = get('node-floor');
  const create = get('create');
  const createRor = get('create-ror');
  const update = get('update');
  // Each read run was measured right next to one run of each floor, so the run-by-run ratios cancel the background
  // load that drifts between runs; their median is the headline ratio, the ratio of the medians is shown beside it.
  const ratios = (a: Summary, b: Summary) => a.runs.map((r, i) => r.rps / (b.runs[i]?.rps ?? NaN));
  const show = (values: number[]) => values.map((v) => fmt.pct(v * 100)).join(' / ');
  const readVsExpress = median(ratios(read, express));
  const readVsNode = median(ratios(read, node));
  const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');
  const rows = [read, express, node, create, createRor, update].map((s) => [
    s.scenario.label,
    fmt.int(s.rps),
    fmt.ms(s.p50),
    fmt.ms(s.p95),
    fmt.ms(s.p99),
    s.runs.map((r) => fmt.int(r.rps)).join(' / '),
    fmt.pct(spreadPct(s.runs.map((r) => r.rps))),
  ]);
  return [
    '## Core',
    '',
    `_Generated by \`npm run bench:core\`${opts.quick ? ' **in quick mode (short runs: indicative only)**' : ''}; ${describeMachine(machine)}_`,
    '',
    `Each figure is the median of ${opts.runs} run(s) of ${opts.durationS} s, each after a ${opts.warmupS} s warm-up, ` +
      `with ${opts.connections} autocannon connections (no pipelining) on 127.0.0.1. Latencies are in milliseconds, ` +
      'from every response of the timed run.',
    '',
    table(['scenario', 'req/s', 'p50', 'p95', 'p99', 'req/s of each run', 'spread'], rows),
    '',
    table(
      ['ratio / target', 'measured', 'target', 'verdict'],
      [
        ['read / Express floor (median of run-by-run ratios)', fmt.pct(readVsExpress * 100), '≥ 70 %', verdict(readVsExpress >= TARGET_READ_VS_EXPRESS)],
        ['… run by run', show(ratios(read, express)), '', ''],
        ['… ratio of the medians', fmt.pct((read.rps / express.rps) * 100), '', ''],
        ['read / node:http floor (median of run-by-run ratios)', fmt.pct(readVsNode * 100), '—', ''],
        ['Express floor / node:http floor', fmt.pct((express.rps / node.rps) * 100), '—', ''],
        ['creates/s', fmt.int(create.rps), '≥ 2,000', verdict(create.rps >= TARGET_CREATES)],
        ['creates/s claiming ROROrganization', fmt.int(createRor.rps), '—', ''],
        ['updates/s', fmt.int(update.rps), '—', ''],
      ],
    ),
    '',
    `1-minute load average after each measurement: median ${median(loadSamples).toFixed(1)}, max ` +
      `${Math.max(...loadSamples).toFixed(1)} (the client and the server under test account for about 2; more means ` +
      'other work shared the machine and the absolute figures are pessimistic).',
    '',
    '### How it is measured',
    '',
    `- **The 2 cores are shared.** This machine has ${machine.cpus} CPUs: the load generator (autocannon, one Node ` +
      'process) and the server under test (one Node process, plus its libuv and GC threads) compete for them. Each ' +
      'server runs in its own child process, so they never share an event loop, but the absolute numbers are lower ' +
      'than on a machine where the client runs elsewhere; the ratios to the floors, measured the same way, are the ' +
      'meaningful figures.',
    `- **fhir** is \`src/main.ts\` as shipped (createApp + SqliteStore + the SQLite search index), on a fresh temporary ` +
      `data directory preloaded with ${ORG_COUNT} ROR-like Organizations (FINESS EG/EJ, ~1.1 KB of JSON each) through ` +
      'PUT (ROR_DEMO_DATA=false). LOG_LEVEL is `info`, the production default, so each request writes its access-log line; the child\'s ' +
      'stdout goes to /dev/null, which keeps the cost of building and writing the line and leaves out that of a ' +
      'terminal or log shipper.',
    `- **read** rotates over the ${ORG_COUNT} ids; the floors answer the same URLs with the stored bytes of one of ` +
      `those Organizations (${payloadBytes} bytes) and the same Content-Type, ETag and Last-Modified headers: the ` +
      'Express floor is a bare Express 5 app (the project\'s own express, one route), the node:http floor a bare ' +
      '`http.createServer`.',
    '- **create** POSTs a new ~1 KB Organization (a new FINESS number each time) that claims no profile, so it is ' +
      'checked against the R4 base definitions; **create claiming ROROrganization** POSTs the same content with ' +
      '`meta.profile` naming the ROR profile, which adds the profile validation; **update** PUTs the preloaded ' +
      '(ROR-claiming) Organizations in turn with a new telephone number, so each request stores a new version. ' +
      'Reads are anonymous (public reads, access profile 0); writes carry a bootstrap token made for the run ' +
      '(`ROR_BOOTSTRAP_TOKEN`, an administrator: one SHA-256 and a constant-time compare per request). ' +
      'Writes are durable: SQLite WAL with `synchronous = FULL`; concurrent writes share a commit (group commit), ' +
      'each answered only once its commit is on disk.',
    '- Read runs are interleaved (fhir, Express, node:http, fhir, ...) so background load drifts over all three alike.',
    '- The node:http floor is bound by the load generator rather than by the server: in the profiles taken when this ' +
      'bench was written, its main thread was busy about a third of the time, against over 90 % for the Express ' +
      'floor and the FHIR server. The node:http figure is the client\'s limit on this machine, so read / node:http ' +
      'overstates how close the server comes to the platform\'s.',
    '- Quick smoke run: `npm run bench:core -- --quick` (does not rewrite this file). Where the time goes: ' +
      '`npm run bench:core -- --profile` runs each scenario once with the servers under `node --cpu-prof` and prints ' +
      'self and inclusive CPU time by area and function (profiles kept in `.bench/profiles/`).',
    '',
  ].join('\n');
}

async function fullRun(opts: BenchOptions, tmp: string, machine: MachineFacts): Promise<void> {
  const all = scenarios();
  const by = (n: ScenarioName) => all.find((s) => s.name === n) as Scenario;
  const dataDir = path.join(tmp, 'data');
  const payloadFile = path.join(tmp, 'payload.json');
  const payloadBytes = await prepareData(dataDir, payloadFile);
  const servers = await startAll(dataDir, payloadFile);
  const results = new Map<ScenarioName, LoadResult[]>(all.map((s) => [s.name, []]));
  try {
    for (let i = 0; i < opts.runs; i++) {
      for (const name of ['read', 'express-floor', 'node-floor'] as const) results.get(name)?.push(await run(opts, by(name), servers));
    }
    for (let i = 0; i < opts.runs; i++) {
      for (const name of ['create', 'create-ror', 'update'] as const) results.get(name)?.push(await run(opts, by(name), servers));
    }
  } finally {
    await Promise.all(Object.values(servers).map((s: ServerHandle) => s.stop()));
  }
  const summaries = new Map<ScenarioName, Summary>(all.map((s) => [s.name, summarize(s, results.get(s.name) ?? [])]));
  const section = report(opts, machine, payloadBytes, summaries);
  console.log(`\n${section}`);
  if (opts.write) {
    const file = path.join(ROOT, 'BENCHMARKS.md');
    writeSection(file, 'Core', section);
    console.log(`wrote the Core section of ${file}`);
  } else {
    console.log('(BENCHMARKS.md not rewritten: quick or --no-write run)');
  }
}

/**
 * One run per scenario, each on freshly started servers under the profiler, then a summary of the measured
 * window of each profile (startup and warm-up left out).
 */
async function profileRun(opts: BenchOptions, tmp: string): Promise<void> {
  const profileDir = path.resolve(ROOT, opts.profileDir);
  const dataDir = path.join(tmp, 'data');
  const payloadFile = path.join(tmp, 'payload.json');
  await prepareData(dataDir, payloadFile);
  for (const scenario of scenarios()) {
    const servers = await startAll(dataDir, payloadFile, profileDir);
    const target = servers[scenario.server];
    let window: [number, number] = [0, Infinity];
    let requests: number | undefined;
    try {
      console.log(`\nprofiling ${scenario.name}`);
      const result = await run(opts, scenario, servers);
      window = result.windowUs;
      requests = result.ok;
    } finally {
      await Promise.all(Object.values(servers).map((s: ServerHandle) => s.stop()));
    }
    const profile = target.cpuProfile;
    if (profile) {
      const finalName = path.join(profileDir, `${scenario.name}.cpuprofile`);
      fs.renameSync(profile, finalName);
      console.log(formatProfile(`${scenario.name} (${finalName}), timed run only`, summarizeProfile(finalName, { window }), requests));
    } else {
      console.log(`no profile was written for ${scenario.name}`);
    }
    for (const s of Object.values(servers) as ServerHandle[]) {
      if (s.cpuProfileDir) fs.rmSync(s.cpuProfileDir, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<void> {
  const opts = parseBenchOptions();
  const machine = machineFacts();
  console.log(
    `bench:core: ${opts.runs} run(s) x ${opts.durationS} s (+${opts.warmupS} s warm-up), ${opts.connections} connections` +
      `${opts.profile ? ', profiling' : ''}; ${describeMachine(machine)}`,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-'));
  try {
    if (opts.profile) await profileRun(opts, tmp);
    else await fullRun(opts, tmp, machine);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
