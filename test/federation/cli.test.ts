/**
 * `npm run federate` (scripts/federate.ts) as a user runs it, in a child process on its own store, against a source
 * server in this process: a first import, then the next run from the remembered since (nothing new), the guard's
 * exit status 2, bad arguments and a source that is no FHIR server (exit 1, said why).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { tempDir } from '../helpers/tmp';
import { httpServer, tick, type HttpServer } from './helpers';

const CLI = path.join(__dirname, '..', '..', 'scripts', 'federate.ts');

function federate(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, ROR_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let source: HttpServer;
const dataDir = tempDir('ror-fed-cli-');

beforeAll(async () => {
  source = await httpServer();
  for (let i = 1; i <= 10; i++) await source.put({ resourceType: 'Organization', id: `o${i}`, name: `Établissement ${i}`, active: true } as Resource & { id: string });
});
afterAll(() => source?.close());

test('first run, then the next from the remembered since; the guard exits 2', async () => {
  const first = await federate(dataDir, ['--source', source.url, '--types', 'Organization']);
  expect(first.stderr).not.toMatch(/Error/);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/\(export, full\): 10 resources; 10 created/);
  await tick();
  const second = await federate(dataDir, ['--source', source.url, '--types', 'Organization']);
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/\(export since .*\): 0 resources; 0 created, 0 updated, 0 deactivated/);
  await source.remove('Organization', 'o1');
  await source.remove('Organization', 'o2');
  await tick();
  const refused = await federate(dataDir, ['--source', source.url, '--types', 'Organization', '--search']);
  expect(refused.code).toBe(2);
  expect(refused.stdout).toMatch(/2 of 10 Organization resources/);
}, 60_000);

test('bad arguments and a source that is not a FHIR server exit 1 and say why', async () => {
  expect((await federate(dataDir, [])).stderr).toMatch(/--source is required/);
  const bad = await federate(dataDir, ['--source', source.url, '--since', 'yesterday']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/--since must be a FHIR instant/);
  const notFhir = await federate(dataDir, ['--source', `${source.url}/ui`]);
  expect(notFhir.code).toBe(1);
  expect(notFhir.stdout).toMatch(/metadata: 404|not a FHIR server/);
}, 60_000);
