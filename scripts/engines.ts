/**
 * The real engines the engine suites run against (README "Scaling out"), started on this machine in the background:
 *
 *   npm run engines -- start [name…]   build (once, cached) and start them, wait until they are healthy
 *   npm run engines -- stop [name…]    stop exactly the processes `start` recorded
 *   npm run engines -- status          which run, where, healthy or not
 *   npm run engines -- env             `export NAME=value` lines for a shell (OPENSEARCH_URL, …)
 *   npm run test:engines               start what is not running, run the suites of test/engines/ with the engines'
 *                                      variables, stop what it started
 *
 * Each engine is a module of scripts/engines/ (a `TestEngine`: build, launch, healthy) listed in `ENGINES` below; the
 * state file `.engines/state.json` keeps each running engine's PID, command line, URL and variables.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext, TestEngine } from './engines/types';
import { opensearch } from './engines/opensearch';
import * as ferretdb from './engines/ferretdb';

/** The engines, by name. Another engine plugs in here. */
export const ENGINES: TestEngine[] = [opensearch];

/**
 * Engines that manage their own processes (FerretDB runs a PostgreSQL cluster and FerretDB itself:
 * scripts/engines/ferretdb.ts keeps their PIDs and stops exactly those).
 */
interface ManagedEngine {
  name: string;
  start(): Promise<{ url: string; env: Record<string, string> }>;
  stop(): Promise<void>;
  running(): Promise<{ url: string; env: Record<string, string> } | undefined>;
}

const mongoEnv = (url: string) => ({ MONGODB_URI: url });
export const MANAGED: ManagedEngine[] = [
  {
    name: 'ferretdb',
    start: async () => {
      const s = await ferretdb.start({ log: (line) => console.error(line) });
      return { url: s.url, env: mongoEnv(s.url) };
    },
    stop: () => ferretdb.stop(),
    running: async () => {
      const s = await ferretdb.status();
      return s && { url: s.url, env: mongoEnv(s.url) };
    },
  },
];

function pickManaged(names: string[]): ManagedEngine[] {
  return names.length ? MANAGED.filter((m) => names.includes(m.name)) : MANAGED;
}

const ROOT = path.resolve(__dirname, '..');
const STATE_DIR = path.join(ROOT, '.engines');
const STATE_FILE = path.join(STATE_DIR, 'state.json');

interface Running {
  pid: number;
  /** /proc/<pid>/cmdline at start: a PID reused by another program is never signalled. */
  cmdline: string;
  url: string;
  env: Record<string, string>;
  log: string;
  startedAt: string;
}
type State = Record<string, Running>;

function readState(): State {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as State;
  } catch {
    return {};
  }
}

function writeState(state: State): void {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  fs.writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The recorded process is still the one we started. */
function alive(r: Running): boolean {
  return cmdlineOf(r.pid) === r.cmdline;
}

const log = (line: string) => console.error(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function context(engine: TestEngine): EngineContext {
  const dir = path.join(STATE_DIR, engine.name);
  fs.mkdirSync(dir, { recursive: true });
  return { root: ROOT, dir, log };
}

function pick(names: string[]): TestEngine[] {
  if (!names.length) return ENGINES;
  const known = [...ENGINES.map((x) => x.name), ...MANAGED.map((m) => m.name)];
  for (const n of names) if (!known.includes(n)) throw new Error(`no engine '${n}' (known: ${known.join(', ')})`);
  return ENGINES.filter((e) => names.includes(e.name));
}

/** Starts the engines not already running; resolves with the names it started. */
export async function start(names: string[] = []): Promise<string[]> {
  const started: string[] = [];
  for (const engine of pick(names)) {
    const state = readState();
    const running = state[engine.name];
    if (running && alive(running) && (await engine.healthy(running))) {
      log(`${engine.name}: already running (pid ${running.pid}, ${running.url})`);
      continue;
    }
    const t0 = Date.now();
    const ctx = context(engine);
    await engine.build(ctx);
    const launch = await engine.launch(ctx);
    const logFile = path.join(ctx.dir, 'engine.log');
    const out = fs.openSync(logFile, 'a');
    const child = spawn(launch.command, launch.args, { cwd: launch.cwd, detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    if (!child.pid) throw new Error(`${engine.name}: could not start ${launch.command}`);
    child.unref();
    const pid = child.pid;
    await sleep(200);
    const record: Running = { pid, cmdline: cmdlineOf(pid) ?? '', url: launch.url, env: launch.env, log: logFile, startedAt: new Date().toISOString() };
    writeState({ ...readState(), [engine.name]: record });
    const deadline = Date.now() + engine.startTimeoutSeconds * 1000;
    for (;;) {
      if (await engine.healthy(launch)) break;
      if (!alive(record)) throw new Error(`${engine.name}: the process exited during start-up; see ${logFile}`);
      if (Date.now() > deadline) {
        await stopOne(engine.name, record);
        throw new Error(`${engine.name}: not healthy after ${engine.startTimeoutSeconds} s; see ${logFile}`);
      }
      await sleep(500);
    }
    started.push(engine.name);
    log(`${engine.name}: started in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${pid}, ${launch.url})`);
  }
  for (const engine of pickManaged(names)) {
    if (await engine.running()) {
      log(`${engine.name}: already running`);
      continue;
    }
    const t0 = Date.now();
    const { url } = await engine.start();
    started.push(engine.name);
    log(`${engine.name}: started in ${((Date.now() - t0) / 1000).toFixed(1)} s (${url})`);
  }
  return started;
}

async function stopOne(name: string, r: Running): Promise<void> {
  if (alive(r)) {
    process.kill(r.pid, 'SIGTERM');
    for (let i = 0; i < 60 && alive(r); i++) await sleep(500);
    if (alive(r)) process.kill(r.pid, 'SIGKILL');
    log(`${name}: stopped (pid ${r.pid})`);
  } else {
    log(`${name}: was not running`);
  }
  const state = readState();
  delete state[name];
  writeState(state);
}

export async function stop(names: string[] = []): Promise<void> {
  const state = readState();
  for (const engine of pick(names)) {
    const r = state[engine.name];
    if (r) await stopOne(engine.name, r);
  }
  for (const engine of pickManaged(names)) {
    if (await engine.running()) {
      await engine.stop();
      log(`${engine.name}: stopped`);
    }
  }
}

async function status(): Promise<void> {
  const state = readState();
  for (const engine of ENGINES) {
    const r = state[engine.name];
    if (!r || !alive(r)) console.log(`${engine.name}: stopped`);
    else console.log(`${engine.name}: pid ${r.pid}, ${r.url}, ${(await engine.healthy(r)) ? 'healthy' : 'not healthy'} (since ${r.startedAt})`);
  }
  for (const engine of MANAGED) {
    const r = await engine.running();
    console.log(`${engine.name}: ${r ? r.url : 'stopped'}`);
  }
}

/** The variables of the running engines. */
export async function engineEnv(): Promise<Record<string, string>> {
  const state = readState();
  const managed = await Promise.all(MANAGED.map((m) => m.running()));
  return Object.assign({}, ...Object.values(state).filter(alive).map((r) => r.env), ...managed.map((m) => m?.env ?? {})) as Record<string, string>;
}

/** Starts the engines, runs the suites of test/engines/ against them, stops what it started. */
async function test(jestArgs: string[]): Promise<number> {
  const started = await start();
  try {
    const run = spawnSync('npx', ['jest', '--runInBand', 'test/engines/', ...jestArgs], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...(await engineEnv()) } });
    return run.status ?? 1;
  } finally {
    if (started.length) await stop(started);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await start(rest);
      return 0;
    case 'stop':
      await stop(rest);
      return 0;
    case 'status':
      await status();
      return 0;
    case 'env':
      for (const [k, v] of Object.entries(await engineEnv())) console.log(`export ${k}=${v}`);
      return 0;
    case 'test':
      return test(rest);
    default:
      console.error('usage: npm run engines -- start|stop|status|env [engine…]   (engines: ' + [...ENGINES, ...MANAGED].map((e) => e.name).join(', ') + ')');
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
