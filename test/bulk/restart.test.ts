/**
 * Jobs are durable: the real server process is killed (SIGKILL, no shutdown) in the middle of an export; started
 * again on the same data directory, it takes the job up and completes it, and the manifest lists every resource
 * exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { tempDir } from '../helpers/tmp';
import { freePort } from '../helpers/ports';

const ROOT = path.resolve(__dirname, '../..');
const TOKEN = 'bulk-restart-token-0123456789abcdef0123456789';
const ORGS = 4000;


interface Running {
  proc: ChildProcess;
  logs: string[];
  exited: Promise<unknown>;
}

async function start(dataDir: string, port: number): Promise<Running> {
  // One process (node with tsx's loader), not tsx's CLI, which would leave its child running when killed.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ROR_DATA_DIR: dataDir, LOG_LEVEL: 'info', ROR_BOOTSTRAP_TOKEN: TOKEN, ROR_EXPORT_PAGE_SIZE: '10', ROR_DEMO_DATA: 'false', ROR_BASE_URL: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  proc.stdout!.on('data', (d) => logs.push(...String(d).split('\n').filter(Boolean)));
  proc.stderr!.on('data', (d) => logs.push(String(d)));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  for (let i = 0; i < 300; i++) {
    if (logs.some((l) => l.includes('listening'))) return { proc, logs, exited };
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not start:\n${logs.join('\n')}`);
}

function call(port: number, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: { Authorization: `Bearer ${TOKEN}`, ...headers, ...(data ? { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

jest.setTimeout(180_000);

test('a server killed during an export completes it after a restart', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  let server = await start(dataDir, port);
  try {
    for (let b = 0; b < ORGS / 1000; b++) {
      const entry = Array.from({ length: 1000 }, (_, i) => {
        const id = `org-${b * 1000 + i}`;
        return { request: { method: 'PUT', url: `Organization/${id}` }, resource: { resourceType: 'Organization', id, name: `Établissement ${id}` } };
      });
      const res = await call(port, 'POST', '/', { resourceType: 'Bundle', type: 'batch', entry });
      expect(res.status).toBe(200);
    }
    const kick = await call(port, 'GET', '/Organization/$export', undefined, { Prefer: 'respond-async' });
    expect(kick.status).toBe(202);
    const status = new URL(kick.headers['content-location'] as string).pathname;
    // Wait until resources are being written, then kill the process without a shutdown.
    let progress = '';
    for (let i = 0; i < 2000 && !/exporting Organization: 0\/1 types done, [1-9]/.test(progress); i++) {
      const res = await call(port, 'GET', status);
      expect(res.status).toBe(202);
      progress = String(res.headers['x-progress']);
    }
    server.proc.kill('SIGKILL');
    await server.exited;
    expect(progress).toMatch(/exporting Organization/);

    server = await start(dataDir, port);
    let manifest: any;
    for (let i = 0; i < 3000 && !manifest; i++) {
      const res = await call(port, 'GET', status);
      if (res.status === 200) manifest = JSON.parse(res.text);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(manifest.output).toEqual([expect.objectContaining({ type: 'Organization', count: ORGS })]);
    const file = await call(port, 'GET', new URL(manifest.output[0].url).pathname);
    const ids = file.text.split('\n').filter(Boolean).map((l) => JSON.parse(l).id);
    expect(ids).toHaveLength(ORGS);
    expect(new Set(ids).size).toBe(ORGS);
    // The restarted process is the one that completed it.
    expect(server.logs.some((l) => l.includes('bulk export completed'))).toBe(true);
  } finally {
    server.proc.kill('SIGKILL');
    await server.exited;
  }
});
