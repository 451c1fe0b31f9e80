/**
 * FerretDB test engine: a MongoDB wire-protocol server (FerretDB 1.24, Apache-2.0) on a private PostgreSQL
 * cluster, both run on loopback from a state directory, for the MongoDB store adapter's contract suites
 * (test/engines/mongo). No MongoDB binary can be installed on these machines; FerretDB can, from the Go module proxy.
 *
 * - install: the FerretDB v1.24.2 module from the Go module proxy (`go mod download`), built with `go build` into
 *   $GOPATH/bin with its build/version/version.txt written first (a plain `go install …/cmd/ferretdb@v1.24.2`
 *   builds a binary that panics at start on that file's missing content); Debian's `postgresql` when `initdb` is
 *   missing;
 * - start: `initdb` + `pg_ctl start` on a data directory of its own (as the `postgres` system user when run as root:
 *   PostgreSQL refuses to run as root), on a free port, never the system service; then FerretDB on another free
 *   port; waits until FerretDB answers a `ping`; the state (ports, pids) is written to <stateDir>/state.json;
 * - stop: FerretDB by its pid, PostgreSQL by `pg_ctl stop` on its data directory.
 *
 * A module (start/stop/status, for the engines registry of `npm run engines`) with a standalone runner:
 * `tsx scripts/engines/ferretdb.ts start|stop|status` prints the state as JSON (`MONGODB_URI=… npx jest test/engines/mongo`).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`;

export interface EngineState {
  name: 'ferretdb';
  /** The MongoDB connection string of the running FerretDB. */
  url: string;
  pids: number[];
  version: string;
  backend: string;
}

export interface FerretOptions {
  /** Where the PostgreSQL cluster, the logs and state.json live (default: <tmp>/ror-engines/ferretdb). */
  stateDir?: string;
  log?: (line: string) => void;
}

const defaultDir = () => process.env.ROR_ENGINES_DIR ? path.join(process.env.ROR_ENGINES_DIR, 'ferretdb') : path.join(os.tmpdir(), 'ror-engines', 'ferretdb');

function sh(cmd: string, args: string[], opts: { user?: string; cwd?: string } = {}): string {
  // PostgreSQL's tools refuse root: run them as the user the Debian package created.
  const [c, a] = opts.user ? ['runuser', ['-u', opts.user, '--', cmd, ...args]] : [cmd, args];
  return execFileSync(c, a, { encoding: 'utf8', cwd: opts.cwd ?? '/', stdio: ['ignore', 'pipe', 'pipe'] });
}

function which(cmd: string): string | undefined {
  try {
    return sh('sh', ['-c', `command -v ${cmd}`]).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The directory of PostgreSQL's server programs (Debian keeps them out of PATH). */
function pgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : undefined;
}

function ferretBinary(): string {
  const gopath = which('go') ? sh('go', ['env', 'GOPATH']).trim() : path.join(os.homedir(), 'go');
  return path.join(gopath, 'bin', 'ferretdb');
}

/** Installs what is missing; returns the seconds each install took (nothing when all was there). */
export function install(log: (line: string) => void = () => {}): Record<string, number> {
  const took: Record<string, number> = {};
  if (!pgBin()) {
    log('installing PostgreSQL (apt-get install postgresql)…');
    const t = Date.now();
    sh('apt-get', ['update']);
    execFileSync('apt-get', ['install', '-y', 'postgresql'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    took.postgresql = (Date.now() - t) / 1000;
  }
  if (!fs.existsSync(ferretBinary())) {
    log(`installing FerretDB (go mod download ${FERRETDB_MODULE}, go build ./cmd/ferretdb)…`);
    const t = Date.now();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-build-'));
    try {
      // `go mod download` needs a module to run in: an empty one in the temp directory.
      sh('go', ['mod', 'init', 'ferretdb-build'], { cwd: tmp });
      const { Dir } = JSON.parse(sh('go', ['mod', 'download', '-json', FERRETDB_MODULE], { cwd: tmp })) as { Dir: string };
      const src = path.join(tmp, 'src');
      fs.cpSync(Dir, src, { recursive: true });
      sh('chmod', ['-R', 'u+w', src]);
      fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
      fs.mkdirSync(path.dirname(ferretBinary()), { recursive: true });
      execFileSync('go', ['build', '-o', ferretBinary(), './cmd/ferretdb'], { cwd: src, stdio: 'ignore' });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    took.ferretdb = (Date.now() - t) / 1000;
  }
  return took;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Waits until the MongoDB endpoint answers a ping (the driver's own handshake). */
async function ping(url: string, timeoutMs: number): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 1000 });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (err) {
      last = err;
    } finally {
      await client.close();
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`FerretDB did not answer at ${url}: ${String(last)}`);
}

function readState(dir: string): (EngineState & { pgData: string; pgPort: number }) | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The running engine, if its processes are alive. */
export async function status(options: FerretOptions = {}): Promise<EngineState | undefined> {
  const state = readState(options.stateDir ?? defaultDir());
  if (!state || !state.pids.every(alive)) return undefined;
  const { name, url, pids, version, backend } = state;
  return { name, url, pids, version, backend };
}

/** Installs if needed, starts PostgreSQL and FerretDB, waits until FerretDB answers; idempotent. */
export async function start(options: FerretOptions = {}): Promise<EngineState> {
  const log = options.log ?? (() => {});
  const dir = options.stateDir ?? defaultDir();
  const running = await status(options);
  if (running) return running;
  install(log);
  const bin = pgBin()!;
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? 'postgres' : undefined;
  fs.mkdirSync(dir, { recursive: true });
  const pgData = path.join(dir, 'pg');
  const pgLog = path.join(dir, 'postgres.log');
  if (asRoot) {
    // The postgres user must reach the state directory and own the cluster's.
    for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
      if (d === os.tmpdir() || d === '/') break;
      fs.chmodSync(d, 0o755);
    }
    fs.mkdirSync(pgData, { recursive: true });
    sh('chown', ['-R', 'postgres:postgres', pgData]);
    fs.writeFileSync(pgLog, '');
    sh('chown', ['postgres:postgres', pgLog]);
  }
  if (!fs.existsSync(path.join(pgData, 'PG_VERSION'))) {
    log(`initdb ${pgData}`);
    sh(path.join(bin, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'], { user });
  }
  // A cluster left running by a start that failed half-way: stopped, then started on a new port.
  if (fs.existsSync(path.join(pgData, 'postmaster.pid'))) {
    try {
      sh(path.join(bin, 'pg_ctl'), ['-D', pgData, '-m', 'fast', '-w', 'stop'], { user });
    } catch {
      /* not running: a stale pid file, which pg_ctl start replaces */
    }
  }
  const pgPort = await freePort();
  sh(path.join(bin, 'pg_ctl'), ['-D', pgData, '-l', pgLog, '-w', '-o', `-p ${pgPort} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'], { user });
  const pgPid = Number(fs.readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  try {
    sh(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', '-c', 'CREATE DATABASE ferretdb'], { user });
  } catch {
    /* kept from an earlier run */
  }
  const port = await freePort();
  const out = fs.openSync(path.join(dir, 'ferretdb.log'), 'a');
  const child = spawn(
    ferretBinary(),
    [
      `--listen-addr=127.0.0.1:${port}`,
      '--handler=postgresql',
      `--postgresql-url=postgres://postgres@127.0.0.1:${pgPort}/ferretdb`,
      `--state-dir=${dir}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=warn',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  const url = `mongodb://127.0.0.1:${port}/`;
  try {
    if (!(await answers(port, 30_000))) throw new Error(`FerretDB did not listen on ${port}; see ${path.join(dir, 'ferretdb.log')}`);
    await ping(url, 30_000);
  } catch (err) {
    // Leave nothing running behind a failed start.
    if (child.pid && alive(child.pid)) process.kill(child.pid, 'SIGTERM');
    sh(path.join(bin, 'pg_ctl'), ['-D', pgData, '-m', 'fast', '-w', 'stop'], { user });
    throw err;
  }
  const state = { name: 'ferretdb' as const, url, pids: [child.pid!, pgPid], version: `FerretDB ${FERRETDB_VERSION}`, backend: `PostgreSQL ${path.basename(path.dirname(bin))}`, pgData, pgPort };
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2));
  log(`FerretDB at ${url} (pids ${state.pids.join(', ')})`);
  const { pgData: _d, pgPort: _p, ...engine } = state;
  return engine;
}

/** Stops FerretDB (by its pid) and PostgreSQL (pg_ctl on its data directory); the data directory is kept. */
export async function stop(options: FerretOptions = {}): Promise<void> {
  const dir = options.stateDir ?? defaultDir();
  const state = readState(dir);
  if (!state) return;
  const [ferret] = state.pids;
  if (alive(ferret)) process.kill(ferret, 'SIGTERM');
  for (let i = 0; i < 50 && alive(ferret); i++) await new Promise((r) => setTimeout(r, 100));
  const bin = pgBin();
  if (bin && fs.existsSync(path.join(state.pgData, 'postmaster.pid'))) {
    sh(path.join(bin, 'pg_ctl'), ['-D', state.pgData, '-m', 'fast', '-w', 'stop'], { user: process.getuid?.() === 0 ? 'postgres' : undefined });
  }
  fs.rmSync(path.join(dir, 'state.json'), { force: true });
}

if (require.main === module) {
  const command = process.argv[2];
  const log = (line: string) => console.error(line);
  const run = async () => {
    if (command === 'start') console.log(JSON.stringify(await start({ log })));
    else if (command === 'stop') await stop();
    else if (command === 'status') console.log(JSON.stringify((await status()) ?? null));
    else if (command === 'install') console.log(JSON.stringify(install(log)));
    else throw new Error('usage: tsx scripts/engines/ferretdb.ts start|stop|status|install');
  };
  run().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
