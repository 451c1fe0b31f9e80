/**
 * Servers under test run in child processes (`node --import tsx <script>`), never in the load generator's process,
 * so the two never share an event loop. Each child listens on 127.0.0.1 on a port picked here, is ready when
 * GET readyPath answers 200, and stops on SIGTERM (SIGKILL after a grace period). Every child still running when
 * the bench exits is killed, by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';

export interface StartServerOptions {
  /** Short name for messages and profile files. */
  name: string;
  /** TypeScript (or JavaScript) entry point, run with `node --import tsx`. */
  script: string;
  /** Environment added to the parent's (minus its ROR_*, LOG_LEVEL and NODE_OPTIONS); PORT and HOST are set here. */
  env?: Record<string, string>;
  /** Path answering 200 once the server is ready. */
  readyPath?: string;
  /** Write a V8 CPU profile of the child to this directory (written when the child exits cleanly). */
  cpuProfileDir?: string;
  startTimeoutMs?: number;
}

export interface ServerHandle {
  name: string;
  pid: number;
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** When profiling: the directory of the child's profiles, and its main thread's .cpuprofile once stopped. */
  readonly cpuProfileDir?: string;
  readonly cpuProfile?: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGTERM');
      process.exit(130);
    });
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The parent's environment without the server's own settings, so a developer's shell cannot skew a bench. */
function inheritedEnv(): Record<string, string | undefined> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('ROR_') || k === 'LOG_LEVEL' || k === 'NODE_OPTIONS') delete env[k];
  }
  return env;
}

/** The main thread's profile among those a child wrote (node names them CPU.<date>.<time>.<pid>.<thread>.<seq>). */
function mainThreadProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.find((f) => f.split('.')[4] === '0');
  const pick = main ?? files.sort((a, b) => fs.statSync(path.join(dir, b)).size - fs.statSync(path.join(dir, a)).size)[0];
  return pick ? path.join(dir, pick) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startServer(opts: StartServerOptions): Promise<ServerHandle> {
  installExitHook();
  const port = await freePort();
  const execArgv = ['--import', 'tsx'];
  let profileDir: string | undefined;
  if (opts.cpuProfileDir) {
    // One directory per child: with `--import tsx` the loader hooks run in a worker thread, which writes a profile
    // of its own; the main thread's is the largest (see cpuProfile below).
    profileDir = path.resolve(opts.cpuProfileDir, `${opts.name}-${process.pid}-${Date.now()}`);
    fs.mkdirSync(profileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  }
  // stdout (the server's logs) goes to /dev/null; stderr is kept to explain a failed start.
  const child = spawn(process.execPath, [...execArgv, opts.script], {
    env: { ...inheritedEnv(), ...opts.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => live.delete(child));

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${opts.name} exited during start (code ${child.exitCode}): ${stderr.trim()}`);
    }
    try {
      const res = await fetch(origin + (opts.readyPath ?? '/healthz'));
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} did not become ready within ${opts.startTimeoutMs ?? 30_000} ms: ${stderr.trim()}`);
    }
    await sleep(100);
  }

  return {
    name: opts.name,
    pid: child.pid as number,
    port,
    origin,
    cpuProfileDir: profileDir,
    get cpuProfile() {
      return profileDir ? mainThreadProfile(profileDir) : undefined;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
