/**
 * The image, emulated without a Docker engine. Build stage: copy into a temporary directory only what its COPY
 * instructions copy, link the installed node_modules in place of `npm ci`, run the package's build script
 * (tsc -p tsconfig.build.json). Runtime stage: lay the files out as its COPY and RUN instructions say, start its
 * CMD with the image's environment, probe it with its own HEALTHCHECK command. This catches what reading the
 * Dockerfile cannot: a source the build needs but the image does not copy, or a compiled server that does not
 * start from dist/ (paths relative to the sources, files tsc does not emit).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { copyArgs, envOf, execForm, instructions, parseDockerfile, type Stage } from './dockerfile';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);
const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8'));
const buildStage = dockerfile.stages.find((s) => s.name === 'build') as Stage;
const runtime = dockerfile.stages[dockerfile.stages.length - 1];
const workdirOf = (stage: Stage) => instructions(stage, 'WORKDIR').pop()?.args as string;

let tmp: string;
let appDir: string;
let dataDir: string;
let port: number;
let server: ChildProcess | undefined;
let serverLog = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/** Where a path of the build stage's filesystem (under its WORKDIR) is in the emulation. */
function buildStagePath(p: string, buildDir: string): string {
  const rel = path.posix.relative(workdirOf(buildStage), path.posix.resolve(workdirOf(buildStage), p));
  if (rel.startsWith('..')) throw new Error(`${p} is outside the build stage's WORKDIR`);
  return path.join(buildDir, rel);
}

/**
 * The build stage: its COPY instructions from the repository, node_modules linked for `npm ci` (dev dependencies
 * included, as after npm ci), and the package's build script for `npm run build`.
 */
async function emulateBuildStage(buildDir: string): Promise<void> {
  fs.mkdirSync(buildDir, { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(buildDir, 'node_modules'));
  for (const ins of buildStage.instructions) {
    if (ins.keyword === 'COPY') {
      const { sources, dest } = copyArgs(ins.args);
      for (const src of sources) {
        const target = dest.endsWith('/') ? path.join(buildStagePath(dest, buildDir), path.basename(src)) : buildStagePath(dest, buildDir);
        fs.cpSync(path.join(ROOT, src), target, { recursive: true });
      }
    }
    if (ins.keyword === 'RUN' && /npm run build:ui\b/.test(ins.args)) {
      const script: string = JSON.parse(fs.readFileSync(path.join(buildDir, 'package.json'), 'utf8')).scripts['build:ui'];
      const m = /^tsx (\S+)$/.exec(script);
      if (!m) throw new Error(`the emulation runs a build:ui script 'tsx <file>', not '${script}'`);
      await run(process.execPath, [require.resolve('tsx/cli'), m[1]], { cwd: buildDir }).catch((err) => {
        throw new Error(`${script} failed in the build stage's files, so would the image build:\n${err.stdout}${err.stderr}`);
      });
    }
    if (ins.keyword === 'RUN' && /npm run build(?!:)\b/.test(ins.args)) {
      const script: string = JSON.parse(fs.readFileSync(path.join(buildDir, 'package.json'), 'utf8')).scripts.build;
      const m = /^tsc( .*)$/.exec(script);
      if (!m) throw new Error(`the emulation runs a build script 'tsc ...', not '${script}'`);
      await run(process.execPath, [require.resolve('typescript/bin/tsc'), ...m[1].trim().split(/\s+/)], { cwd: buildDir }).catch((err) => {
        throw new Error(`${script} failed in the build stage's files, so would the image build:\n${err.stdout}${err.stderr}`);
      });
    }
  }
}

/** Runs the runtime stage's RUN commands that shape the file tree (rm -rf, ln -s); mkdir and chown concern /data. */
function emulateRun(command: string, cwd: string): void {
  for (const part of command.split('&&').map((c) => c.trim())) {
    const words = part.split(/\s+/);
    if (words[0] === 'ln' && words[1] === '-s') {
      fs.symlinkSync(words[2], path.resolve(cwd, words[3]));
    } else if (words[0] === 'rm' && words[1] === '-rf') {
      for (const target of words.slice(2)) fs.rmSync(path.resolve(cwd, target), { recursive: true, force: true });
    } else if (words[0] !== 'mkdir' && words[0] !== 'chown') {
      throw new Error(`the emulation does not know '${part}': teach it, or the test no longer mirrors the image`);
    }
  }
}

async function get(urlPath: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { headers: { accept: 'application/fhir+json' } });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-image-'));
  const buildDir = path.join(tmp, 'build');
  await emulateBuildStage(buildDir);

  appDir = path.join(tmp, 'app');
  fs.mkdirSync(appDir, { recursive: true });
  for (const ins of runtime.instructions) {
    if (ins.keyword === 'COPY') {
      const { from, sources, dest } = copyArgs(ins.args);
      expect(from).toBe('build');
      const source = buildStagePath(sources[0], buildDir);
      const target = path.resolve(appDir, dest);
      // node_modules stays a link to the installed one (dev dependencies too, where the image has them pruned).
      if (path.basename(source) === 'node_modules') fs.symlinkSync(fs.realpathSync(source), target);
      else fs.cpSync(source, target, { recursive: true });
    } else if (ins.keyword === 'RUN') {
      emulateRun(ins.args, appDir);
    }
  }

  port = await freePort();
  dataDir = path.join(tmp, 'data');
  const cmd = execForm(instructions(runtime, 'CMD').pop()?.args as string);
  expect(cmd[0]).toBe('node');
  server = spawn(process.execPath, cmd.slice(1), {
    cwd: appDir,
    env: { ...envOf(runtime), PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ROR_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ROR_BOOTSTRAP_TOKEN: BOOTSTRAP },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the image's CMD exited with code ${server.exitCode}:\n${serverLog}`);
    try {
      if ((await get('/healthz')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the image's CMD did not answer /healthz within 30 s:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGKILL');
    await new Promise((r) => server?.once('exit', r));
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The administrator token the image is started with (ROR_BOOTSTRAP_TOKEN). */
const BOOTSTRAP = 'image-bootstrap-token-0123456789abcdef0123456789';

describe('the runtime image layout (emulated)', () => {
  test('its HEALTHCHECK command succeeds against the running server', async () => {
    const hc = execForm(instructions(runtime, 'HEALTHCHECK').pop()?.args as string);
    const { stdout, stderr } = await run(process.execPath, hc.slice(1), { env: { PATH: process.env.PATH, PORT: String(port) } });
    expect(stdout + stderr).toBe('');
  });

  test('the compiled server finds package.json (CapabilityStatement software version)', async () => {
    const res = await get('/metadata');
    expect(res.status).toBe(200);
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    expect(JSON.parse(res.body).software?.version).toBe(version);
  });

  test('serves the web application built in the image (dist/ui) at /ui', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/ui/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
    expect(script).toMatch(/^\/ui\/assets\/main-\w+\.js$/);
    const asset = await fetch(`http://127.0.0.1:${port}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  test('the native SQLite module works: an Organization is stored and read back', async () => {
    const created = await fetch(`http://127.0.0.1:${port}/Organization`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${BOOTSTRAP}` },
      body: JSON.stringify({ resourceType: 'Organization', name: 'CENTRE HOSPITALIER DE TEST' }),
    });
    expect(created.status).toBe(201);
    const id = (JSON.parse(await created.text()) as { id: string }).id;
    const read = await get(`/Organization/${id}`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body).name).toBe('CENTRE HOSPITALIER DE TEST');
    expect(fs.existsSync(dataDir)).toBe(true);
  });

  test('every link the image makes points at something that exists', () => {
    for (const ins of instructions(runtime, 'RUN')) {
      for (const m of ins.args.matchAll(/ln -s (\S+) (\S+)/g)) {
        const link = path.resolve(appDir, m[2]);
        expect({ link: m[2], resolves: fs.existsSync(link) }).toEqual({ link: m[2], resolves: true });
      }
    }
  });

  test('stops cleanly on SIGTERM (the image\'s STOPSIGNAL)', async () => {
    expect(instructions(runtime, 'STOPSIGNAL').pop()?.args ?? 'SIGTERM').toBe('SIGTERM');
    const exited = new Promise<number | null>((resolve) => server?.once('exit', (code) => resolve(code)));
    server?.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
