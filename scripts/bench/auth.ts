/**
 * `npm run bench:auth` — what checking a bearer token costs on a read, as a ratio to the anonymous read measured in
 * the same run, written to the `## Security: cost of a bearer token` section of BENCHMARKS.md.
 *
 * One real server (`src/main.ts` in a child process, ROR_DEMO_DATA=false, LOG_LEVEL=info) holding the 1,000
 * Organizations of the core bench, trusting a bench identity provider: an ES256 key pair made for the run, its
 * public JWKS in a temporary file named by ROR_JWT_JWKS_FILE. Scenarios, all `GET /Organization/{id}` over the
 * preloaded ids:
 * - A: anonymous (public reads, access profile 0);
 * - B: with the JWT of an analyst (sees everything: the view has nothing to hide, so B − A is the token's cost);
 * - C: with the JWT of a consumer of access profile 3 (the token, plus the per-caller view of what it may see);
 * - D: with the bootstrap token (an administrator: a hash compare, no JWT, no view), the reference that isolates
 *   the JWT check, since the anonymous read of A pays the view of access profile 0 that B does not.
 * After an unmeasured warm-up of each, runs alternate A, B, C, D with the order rotated each round (A B C D,
 * B C D A, …) so background load drifts over all alike; ratios are the medians of the round-by-round ratios.
 *
 * Flags: --duration=S --warmup=S --connections=N --runs=N (default 5) --quick --write --no-write --profile
 * (see lib/options.ts). `--profile` runs each scenario once on a server under `node --cpu-prof` and prints where
 * its CPU time goes in each; it never writes BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type ServerHandle } from './lib/child';
import { bearer, benchIdp, newBootstrapToken } from './lib/credentials';
import { benchOrgId } from './lib/fixtures';
import { measure, type LoadRequest, type LoadResult } from './lib/load';
import { describeMachine, machineFacts, type MachineFacts } from './lib/machine';
import { fmt, table, writeSection } from './lib/markdown';
import { parseBenchOptions, type BenchOptions } from './lib/options';
import { preloadOrganizations } from './lib/preload';
import { formatProfile, summarizeProfile } from './lib/profile';
import { median, spreadPct } from './lib/stats';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'src', 'main.ts');
const SECTION = 'Security: cost of a bearer token';
const ORG_COUNT = Number(process.env.BENCH_ORGS ?? 1000);
const FHIR_JSON = 'application/fhir+json';
/** Audience of the bench provider's tokens (ROR_JWT_AUDIENCE). */
const AUDIENCE = 'https://ror.bench.invalid/fhir';
/** A token with a bearer is at most this much slower than the anonymous read (throughput ratio ≥ 1 − 0.10). */
const TARGET_SLOWDOWN = 0.1;

type ScenarioName = 'A' | 'B' | 'C' | 'D';

interface Scenario {
  name: ScenarioName;
  label: string;
  /** The Authorization header, if any. */
  headers: Record<string, string>;
}

function requests(scenario: Scenario): () => LoadRequest {
  let n = 0;
  const headers = { accept: FHIR_JSON, ...scenario.headers };
  return () => ({ method: 'GET', path: `/Organization/${benchOrgId(n++ % ORG_COUNT)}`, headers });
}

/** Runs per scenario: `--runs` / BENCH_RUNS when given, else 5 (1 in quick mode). */
function runsOf(opts: BenchOptions): number {
  const given = process.argv.some((a) => a.startsWith('--runs=')) || (process.env.BENCH_RUNS ?? '') !== '';
  return given ? opts.runs : opts.quick ? 1 : 5;
}

interface Setup {
  server: ServerHandle;
  scenarios: Scenario[];
}

/** Starts the server trusting a fresh bench identity provider, preloads it, and checks each credential once. */
async function setUp(tmp: string, profileDir?: string): Promise<Setup> {
  const idp = await benchIdp(tmp, AUDIENCE);
  const bootstrap = newBootstrapToken();
  const server = await startServer({
    name: 'fhir-auth',
    script: MAIN,
    env: {
      ROR_DATA_DIR: path.join(tmp, 'data'),
      ROR_DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
      ROR_BOOTSTRAP_TOKEN: bootstrap,
      // No rate limit: the load generator is one caller per scenario sending thousands of requests a second.
      ROR_RATE_LIMIT_PER_MINUTE: '0',
      ...idp.env,
    },
    readyPath: '/readyz',
    cpuProfileDir: profileDir,
  });
  try {
    process.stdout.write(`preloading ${ORG_COUNT} Organizations... `);
    const t0 = Date.now();
    await preloadOrganizations(server.origin, ORG_COUNT, bearer(bootstrap));
    console.log(`${Date.now() - t0} ms`);
    const analyst = await idp.token({ sub: 'bench-analyst', role: 'analyst', finess: [], scope: 'system/*.rs' });
    const consumer = await idp.token({ sub: 'bench-consumer', role: 'consumer', finess: [], access_profile: 3, scope: 'system/*.rs' });
    const scenarios: Scenario[] = [
      { name: 'A', label: 'anonymous', headers: {} },
      { name: 'B', label: 'bearer JWT, analyst (sees everything)', headers: bearer(analyst) },
      { name: 'C', label: 'bearer JWT, consumer of access profile 3', headers: bearer(consumer) },
      { name: 'D', label: 'bootstrap token (administrator, no JWT)', headers: bearer(bootstrap) },
    ];
    // Each credential is accepted, and a token the server cannot verify is refused: B and C measure real checks.
    const url = `${server.origin}/Organization/${benchOrgId(0)}`;
    for (const s of scenarios) {
      const res = await fetch(url, { headers: { accept: FHIR_JSON, ...s.headers } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`scenario ${s.name} (${s.label}): HTTP ${res.status} ${body.slice(0, 300)}`);
    }
    const forged = `${analyst.slice(0, analyst.lastIndexOf('.') + 1)}${'A'.repeat(86)}`;
    const refused = await fetch(url, { headers: { accept: FHIR_JSON, ...bearer(forged) } });
    await refused.arrayBuffer();
    if (refused.status !== 401) throw new Error(`a token with a wrong signature was answered ${refused.status}, not 401`);
    return { server, scenarios };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** 1-minute load average sampled after each measurement. */
const loadSamples: number[] = [];

async function run(opts: BenchOptions, server: ServerHandle, scenario: Scenario, durationS = opts.durationS): Promise<LoadResult> {
  const r = await measure({
    origin: server.origin,
    connections: opts.connections,
    durationS,
    warmupS: opts.warmupS,
    next: requests(scenario),
    expectStatus: 200,
  });
  loadSamples.push(os.loadavg()[0]);
  console.log(
    `${scenario.name} ${scenario.label.padEnd(42)} ${fmt.int(r.rps).padStart(7)} req/s  p50 ${fmt.ms(r.p50)} ms  p95 ${fmt.ms(r.p95)} ms  p99 ${fmt.ms(r.p99)} ms`,
  );
  return r;
}

function report(opts: BenchOptions, runs: number, machine: MachineFacts, scenarios: Scenario[], results: Map<ScenarioName, LoadResult[]>): string {
  const of = (n: ScenarioName) => results.get(n) ?? [];
  const rows = scenarios.map((s) => {
    const rs = of(s.name);
    return [
      `${s.name}: \`GET /Organization/{id}\`, ${s.label}`,
      fmt.int(median(rs.map((r) => r.rps))),
      fmt.ms(median(rs.map((r) => r.p50))),
      fmt.ms(median(rs.map((r) => r.p95))),
      fmt.ms(median(rs.map((r) => r.p99))),
      rs.map((r) => fmt.int(r.rps)).join(' / '),
      fmt.pct(spreadPct(rs.map((r) => r.rps))),
    ];
  });
  // Runs of one round were measured next to each other: their ratios cancel the load that drifts between rounds.
  const ratios = (x: ScenarioName) => of(x).map((r, i) => r.rps / (of('A')[i]?.rps ?? NaN));
  const show = (values: number[]) => values.map((v) => fmt.pct(v * 100)).join(' / ');
  const verdict = (ratio: number) => (ratio >= 1 - TARGET_SLOWDOWN ? '**met**' : '**missed**');
  const b = median(ratios('B'));
  const c = median(ratios('C'));
  const jwtVsBootstrap = of('B').map((r, i) => r.rps / (of('D')[i]?.rps ?? NaN));
  return [
    `## ${SECTION}`,
    '',
    `_Generated by \`npm run bench:auth\`${opts.quick ? ' **in quick mode (short runs: indicative only)**' : ''}; ${describeMachine(machine)}_`,
    '',
    `Each figure is the median of ${runs} run(s) of ${opts.durationS} s, each after a ${opts.warmupS} s warm-up, with ` +
      `${opts.connections} autocannon connections (no pipelining) on 127.0.0.1; the scenarios alternate, their order ` +
      'rotated each round (A B C D, B C D A, …), after one unmeasured warm-up run of each. Latencies are in milliseconds, from every response of the timed run.',
    '',
    table(['scenario', 'req/s', 'p50', 'p95', 'p99', 'req/s of each run', 'spread'], rows),
    '',
    table(
      ['ratio of throughputs / target', 'measured', 'target', 'verdict'],
      [
        ['B / A: analyst token / anonymous (median of round-by-round ratios)', fmt.pct(b * 100), '≥ 90 %', verdict(b)],
        ['… round by round', show(ratios('B')), '', ''],
        ['C / A: consumer token, profile 3 / anonymous (median of round-by-round ratios)', fmt.pct(c * 100), '≥ 90 %', verdict(c)],
        ['… round by round', show(ratios('C')), '', ''],
        ['B / D: analyst JWT / bootstrap token (both see everything: the JWT check alone)', fmt.pct(median(jwtVsBootstrap) * 100), '—', ''],
        ['… round by round', show(jwtVsBootstrap), '', ''],
        ['D / A: bootstrap token / anonymous (no view to apply / view of profile 0)', fmt.pct(median(ratios('D')) * 100), '—', ''],
      ],
    ),
    '',
    `1-minute load average after each measurement: median ${median(loadSamples).toFixed(1)}, max ` +
      `${Math.max(...loadSamples).toFixed(1)} (the client and the server under test account for about 2).`,
    '',
    '### How it is measured',
    '',
    `- One server, \`src/main.ts\` as shipped (LOG_LEVEL \`info\`, logs to /dev/null, ROR_DEMO_DATA=false), holding the ` +
      `${ORG_COUNT} Organizations of the core bench (PUT with a bootstrap token made for the run), each read in turn.`,
    '- It trusts a bench identity provider: an ES256 key pair made for the run, whose public JSON Web Key Set is a ' +
      'temporary file (`ROR_JWT_ISSUER`, `ROR_JWT_AUDIENCE`, `ROR_JWT_JWKS_FILE`). Each scenario sends one token for ' +
      'the whole run, as a client reuses its access token until it expires; before measuring, the bench checks that ' +
      'each credential is accepted and that a token with a wrong signature is refused (401).',
    '- **A** is anonymous: public reads as access profile 0 (the view drops what profile 0 may not see). **B** is an ' +
      'analyst (`role` analyst, `scope` `system/*.rs`), who sees everything, so the view has nothing to do: B / A is ' +
      'the cost of checking the token. **C** is a consumer of access profile 3: the token plus the per-caller view. ' +
      '**D** is the bootstrap token (an administrator: a SHA-256 and a constant-time compare, no JWT, nothing to ' +
      'hide): the anonymous read pays the view of access profile 0 (dropping what the public may not see), which ' +
      'the analyst skips, so B / A can exceed 100 %; B / D compares two callers who both see everything and ' +
      'differ only by the JWT check.',
    '- A verified JWT is remembered (its principal, in a bounded LRU keyed by the token) until its ' +
      '`exp` and at most 5 minutes (src/security/bearer.ts): B and C pay one signature check per token, then a ' +
      'lookup per request (plus, in src/security/authenticate.ts, decoding the token to find its issuer and hashing ' +
      'it to compare with the bootstrap token). Without that cache, ES256 verification made B and C about half as fast as A ' +
      '(about 380 µs of CPU per request, most of it in WebCrypto\'s ECDSA verify).',
    '- Target: a read with a bearer token at most 10 % slower than the anonymous read (B / A and C / A ≥ 90 %).',
    '- Quick smoke run: `npm run bench:auth -- --quick` (does not rewrite this file). Where the time goes: ' +
      '`npm run bench:auth -- --profile` (profiles in `.bench/profiles/`).',
    '',
  ].join('\n');
}

async function fullRun(opts: BenchOptions, tmp: string, machine: MachineFacts): Promise<void> {
  const runs = runsOf(opts);
  const { server, scenarios } = await setUp(tmp);
  const results = new Map<ScenarioName, LoadResult[]>(scenarios.map((s) => [s.name, []]));
  try {
    // Every path compiled and warm before the first measured round (which would otherwise favour the later ones).
    console.log('warm-up (not measured):');
    for (const s of scenarios) await run(opts, server, s, Math.max(1, opts.warmupS));
    loadSamples.length = 0;
    console.log('measured:');
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < scenarios.length; k++) {
        const s = scenarios[(round + k) % scenarios.length];
        results.get(s.name)?.push(await run(opts, server, s));
      }
    }
  } finally {
    await server.stop();
  }
  const section = report(opts, runs, machine, scenarios, results);
  console.log(`\n${section}`);
  if (opts.write) {
    const file = path.join(ROOT, 'BENCHMARKS.md');
    writeSection(file, SECTION, section);
    console.log(`wrote the "${SECTION}" section of ${file}`);
  } else {
    console.log('(BENCHMARKS.md not rewritten: quick or --no-write run)');
  }
}

/** Each scenario once on a server under the profiler, then where its CPU time went in each scenario's window. */
async function profileRun(opts: BenchOptions, tmp: string): Promise<void> {
  const profileDir = path.resolve(ROOT, opts.profileDir);
  const { server, scenarios } = await setUp(tmp, profileDir);
  const measured: { scenario: Scenario; result: LoadResult }[] = [];
  try {
    for (const scenario of scenarios) measured.push({ scenario, result: await run(opts, server, scenario) });
  } finally {
    await server.stop();
  }
  const profile = server.cpuProfile;
  if (!profile) {
    console.log('no profile was written');
    return;
  }
  const finalName = path.join(profileDir, 'auth.cpuprofile');
  fs.renameSync(profile, finalName);
  if (server.cpuProfileDir) fs.rmSync(server.cpuProfileDir, { recursive: true, force: true });
  for (const { scenario, result } of measured) {
    const title = `${scenario.name} ${scenario.label} (${finalName}), timed run only`;
    console.log(`\n${formatProfile(title, summarizeProfile(finalName, { window: result.windowUs }), result.ok)}`);
  }
}

async function main(): Promise<void> {
  const opts = parseBenchOptions();
  const machine = machineFacts();
  console.log(
    `bench:auth: ${runsOf(opts)} run(s) per scenario x ${opts.durationS} s (+${opts.warmupS} s warm-up), ` +
      `${opts.connections} connections${opts.profile ? ', profiling' : ''}; ${describeMachine(machine)}`,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-auth-'));
  try {
    if (opts.profile) await profileRun(opts, tmp);
    else await fullRun(opts, tmp, machine);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
