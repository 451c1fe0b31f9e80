/**
 * docker/compose.yaml and docker/Dockerfile cannot be run here (no Docker engine), so they are checked against
 * what they depend on: the variables src/config.ts reads, the port it listens on, the file tsconfig.build.json
 * emits for src/main.ts, the health endpoint of src/http/app.ts, and the files the build copies.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config';
import { loadSyncConfig } from '../../../src/sync/config';
import { mongoOptionsFromEnv } from '../../../src/store/mongo/from-env';
import { offerEngineFromEnv } from '../../../src/store/elastic/config';
import { loadSecurityConfig } from '../../../src/security/config';
import { tempDir } from '../../helpers/tmp';
import { copyArgs, envOf, execForm, instructions, parseDockerfile, type Stage } from './dockerfile';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');

/** Variables the compose file sets for the engines' adapters (MongoDB store, Elasticsearch offer index), by service. */
const ENGINE_VARS: Record<string, string> = {
  MONGODB_URI: 'mongodb',
  ELASTICSEARCH_URL: 'elasticsearch',
};
/** Set for the Node runtime and libraries, not for src/config.ts. */
const RUNTIME_VARS = new Set(['NODE_ENV']);

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  ports?: (string | { target: number; published: number })[];
  environment?: Record<string, string | number | boolean> | string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: unknown;
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker/compose.yaml')) as Compose;
const dockerfile = parseDockerfile(read('docker/Dockerfile'));
const buildStage = dockerfile.stages.find((s) => s.name === 'build') as Stage;
const runtime = dockerfile.stages[dockerfile.stages.length - 1];
const server = compose.services.ror;

function envList(env: ComposeService['environment']): Record<string, string> {
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** The environment names loadConfig reads, found by watching its property reads. */
function namesReadByConfig(env: Record<string, string>): Set<string> {
  const names = new Set<string>();
  const watched = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') names.add(key);
      return target[key as string];
    },
  });
  loadConfig(watched);
  loadSecurityConfig(watched, tempDir(), 'http://localhost:8080');
  loadSyncConfig(watched);
  return names;
}

/** Image env (Dockerfile ENV) overridden by the compose environment, as the container sees it. */
const containerEnv = { ...envOf(runtime), ...envList(server.environment) };

/** Whether `p` is in a fresh clone: tracked by git (an untracked or empty folder would break the image build). */
function inRepository(p: string): boolean {
  try {
    return execFileSync('git', ['ls-files', '--', p], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    return fs.existsSync(path.join(ROOT, p)); // not a git checkout
  }
}

function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').pop()?.split('/')[0]) : p.target));
}

describe('docker/compose.yaml', () => {
  test('declares the server, MongoDB and Elasticsearch, each with a healthcheck', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['elasticsearch', 'mongodb', 'ror']);
    for (const [name, svc] of Object.entries(compose.services)) {
      expect({ name, test: svc.healthcheck?.test }).toEqual({ name, test: expect.anything() });
    }
  });

  test('builds the server from docker/Dockerfile with the repository root as context', () => {
    expect(server.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    const composeDir = path.join(ROOT, 'docker');
    expect(path.resolve(composeDir, server.build?.context ?? '')).toBe(ROOT);
    expect(fs.existsSync(path.join(ROOT, server.build?.dockerfile ?? ''))).toBe(true);
  });

  test('every variable set for the server is one the server reads (its configuration, security, sync, the engines)', () => {
    const known = namesReadByConfig({});
    const unknown = Object.keys(envList(server.environment)).filter(
      (k) => !known.has(k) && !(k in ENGINE_VARS) && !RUNTIME_VARS.has(k),
    );
    expect(unknown).toEqual([]);
  });

  test('the engines\' URLs name services of this file, parse as the adapters read them, and the server waits for those services', () => {
    const env = envList(server.environment);
    for (const [name, service] of Object.entries(ENGINE_VARS)) {
      expect(compose.services[service]).toBeDefined();
      expect(new URL(env[name]).hostname).toBe(service);
      expect((server.depends_on as Record<string, { condition: string }>)[service]).toEqual({ condition: 'service_healthy' });
    }
    expect(mongoOptionsFromEnv(env)?.uri).toContain('replicaSet=rs0');
    expect(offerEngineFromEnv(env)).toBeDefined();
    expect(String(compose.services.mongodb.healthcheck?.test)).toContain('rs.initiate');
  });

  test('the server\'s environment parses, listens on the published container port, keeps data on a volume', () => {
    const config = loadConfig(containerEnv);
    expect(containerPorts(server)).toEqual([config.port]);
    expect(config.host).toBe('0.0.0.0');
    const mounts = (server.volumes ?? []).map((v) => v.split(':'));
    const dataMount = mounts.find(([, target]) => target === config.dataDir);
    expect(dataMount).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataMount?.[0]);
    expect(config.shutdownGraceMs).toBeLessThan(15_000); // stop_grace_period leaves time to drain
  });

  test('the server\'s healthcheck probes /healthz on the configured port', () => {
    const test = server.healthcheck?.test as string[];
    expect(test[0]).toBe('CMD');
    expect(test.join(' ')).toContain(`http://127.0.0.1:${loadConfig(containerEnv).port}/healthz`);
  });

  test('every named volume used is declared', () => {
    for (const svc of Object.values(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/')) expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
  });
});

describe('docker/Dockerfile', () => {
  test('has a build stage and a runtime stage on node:20-bookworm-slim', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const s of dockerfile.stages) expect(s.from).toBe('node:20-bookworm-slim');
  });

  test('the build stage installs the native toolchain, runs npm ci, builds, and prunes dev dependencies', () => {
    const runs = instructions(buildStage, 'RUN').map((r) => r.args).join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev/);
    expect(JSON.parse(read('package.json')).scripts.build).toBe('tsc -p tsconfig.build.json');
  });

  test('every file the build copies from the context exists and is not excluded by .dockerignore', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const ins of instructions(buildStage, 'COPY')) {
      const { from, sources } = copyArgs(ins.args);
      expect(from).toBeUndefined();
      for (const src of sources) {
        expect({ src, inRepository: inRepository(src) }).toEqual({ src, inRepository: true });
        expect(ignored).not.toContain(src);
      }
    }
  });

  test('CMD runs the file tsconfig.build.json emits for src/main.ts, copied into the runtime stage', () => {
    const workdir = instructions(runtime, 'WORKDIR').pop()?.args as string;
    const cmd = execForm(instructions(runtime, 'CMD').pop()?.args as string);
    expect(cmd[0]).toBe('node');
    const configFile = path.join(ROOT, 'tsconfig.build.json');
    const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
    const outputs = ts.getOutputFileNames(parsed, path.join(ROOT, 'src', 'main.ts'), false);
    const mainJs = outputs.find((o) => o.endsWith('.js')) as string;
    expect(path.relative(ROOT, mainJs)).toBe(path.normalize(cmd[1]));
    // The runtime stage copies the emitted directory from the build stage to the same place under its WORKDIR.
    const outDir = path.relative(ROOT, parsed.options.outDir as string);
    const copies = instructions(runtime, 'COPY').map((c) => copyArgs(c.args));
    const buildWorkdir = instructions(buildStage, 'WORKDIR').pop()?.args as string;
    expect(copies).toContainEqual({ from: 'build', sources: [path.posix.join(buildWorkdir, outDir)], dest: `./${outDir}` });
    expect(path.posix.join(workdir, cmd[1])).toBe(path.posix.join(workdir, outDir, path.relative(parsed.options.outDir as string, mainJs)));
  });

  test('the runtime stage runs as a non-root user with its data directory as a volume', () => {
    const env = envOf(runtime);
    const config = loadConfig(env);
    expect(config.dataDir).toBe('/data');
    const user = instructions(runtime, 'USER').pop()?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(execForm(instructions(runtime, 'VOLUME').pop()?.args as string)).toContain(config.dataDir);
    expect(instructions(runtime, 'RUN').map((r) => r.args).join('\n')).toMatch(new RegExp(`chown ${user}(:\\w+)? ${config.dataDir}`));
  });

  test('its ENV is known to src/config.ts and EXPOSE is the port it configures', () => {
    const env = envOf(runtime);
    const known = namesReadByConfig({});
    expect(Object.keys(env).filter((k) => !known.has(k) && !RUNTIME_VARS.has(k))).toEqual([]);
    const port = loadConfig(env).port;
    expect(instructions(runtime, 'EXPOSE').map((e) => Number(e.args))).toEqual([port]);
    expect(loadConfig(env).host).toBe('0.0.0.0');
  });

  test('HEALTHCHECK probes /healthz, a route of the HTTP app', () => {
    const hc = instructions(runtime, 'HEALTHCHECK').pop()?.args as string;
    const cmd = execForm(hc);
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toContain('/healthz');
    expect(read('src/http/app.ts')).toMatch(/app\.get\('\/healthz'/);
  });
});
