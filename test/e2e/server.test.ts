/**
 * End to end: the real server process (`src/main.ts`), configured from the environment, on a temporary data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { tempDir } from '../helpers/tmp';
import { freePort } from '../helpers/ports';

const ROOT = path.resolve(__dirname, '../..');


interface Running {
  proc: ChildProcess;
  port: number;
  logs: string[];
  exited: Promise<number | null>;
}

/** The administrator token the test server is started with (ROR_BOOTSTRAP_TOKEN). */
const BOOTSTRAP = 'e2e-bootstrap-token-0123456789abcdef0123456789';

async function startServer(dataDir: string, port: number, extraEnv: Record<string, string> = {}): Promise<Running> {
  const proc = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ROR_DATA_DIR: dataDir, LOG_LEVEL: 'info', ROR_BOOTSTRAP_TOKEN: BOOTSTRAP, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let partial = '';
  proc.stdout!.on('data', (d) => {
    const lines = (partial + String(d)).split('\n');
    partial = lines.pop() ?? '';
    logs.push(...lines.filter(Boolean));
  });
  proc.stderr!.on('data', (d) => logs.push(String(d)));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (logs.some((l) => l.includes('listening'))) return { proc, port, logs, exited };
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not start:\n${logs.join('\n')}`);
}

function call(port: number, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: {
          Authorization: `Bearer ${BOOTSTRAP}`,
          ...(data ? { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

describe('the server process', () => {
  test('serves FHIR, logs JSON lines with request ids, shuts down gracefully, and keeps its data', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    let server = await startServer(dataDir, port);
    try {
      expect((await call(port, 'GET', '/healthz')).status).toBe(200);
      expect((await call(port, 'GET', '/readyz')).status).toBe(200);
      const created = await call(port, 'POST', '/Organization', { resourceType: 'Organization', name: 'CH de Test' });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`http://localhost:${port}/Organization/${created.body.id}/_history/1`);

      const requestLine = () =>
        server.logs.map((l) => { try { return JSON.parse(l); } catch { return undefined; } })
          .find((l) => l?.msg === 'request' && l.method === 'POST');
      // The line is written when the response finishes, which may be just after the client has it.
      for (let i = 0; i < 50 && !requestLine(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(requestLine()).toMatchObject({ level: 30, status: 201, reqId: created.headers['x-request-id'] });

      // In-flight request during SIGTERM still completes.
      const inFlight = call(port, 'GET', `/Organization/${created.body.id}`);
      server.proc.kill('SIGTERM');
      expect((await inFlight).status).toBe(200);
      expect(await server.exited).toBe(0);
      expect(server.logs.join('\n')).toContain('store closed');

      server = await startServer(dataDir, port);
      const read = await call(port, 'GET', `/Organization/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body.name).toBe('CH de Test');
    } finally {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  });

  test('refuses to start on an invalid configuration, naming the variable', async () => {
    const proc = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', ROR_DATA_DIR: tempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('PORT');
  });
});
