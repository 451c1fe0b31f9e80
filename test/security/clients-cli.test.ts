/**
 * `npm run clients` as the operator runs it: a child process on a temporary ROR_DATA_DIR. A client added gets a
 * secret printed once, whose hash (only) is stored; the list shows no secret or hash; revocation; bad input and
 * a duplicate id refused with a message and exit status 1; the signing key rotated.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { verifySecret } from '../../src/security/clients/secrets';
import { testIndexer } from '../helpers/indexing';
import { tempDir } from '../helpers/tmp';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const dataDir = tempDir('ror-clients-cli-');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function clients(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts/clients.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ROR_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function readStore<T>(fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ dataDir }, testIndexer());
  return fn(store).finally(() => store.close());
}

let secret: string;

test('add: the secret is printed once, the store keeps only its hash, and the output says who added what', async () => {
  const run = await clients('add', 'bed-manager', '--role', 'establishment', '--finess', '010000024', '--finess', '2A0000016', '--access-profile', '3', '--label', 'CH Exemple');
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(/^admin:cli .*added client 'bed-manager' at \d{4}-\d\d-\d\dT.*role establishment, access profile 3, FINESS 010000024 2A0000016/m);
  secret = /^client secret: (\S+)$/m.exec(run.stdout)![1];
  expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
  expect(run.stdout).toMatch(/only its hash/);
  const stored = await readStore((s) => s.auth.getClient('bed-manager'));
  expect(stored).toMatchObject({ role: 'establishment', finess: ['010000024', '2A0000016'], accessProfile: 3, label: 'CH Exemple' });
  expect(JSON.stringify(stored)).not.toContain(secret);
  expect(await verifySecret(secret, stored!.secretHash!)).toBe(true);
});

test('add with --jwks: the client registers its public keys and gets no secret', async () => {
  const { publicKey } = await generateKeyPair('ES384');
  const file = path.join(tempDir(), 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384' }] }));
  const run = await clients('add', 'backend', '--role', 'analyst', '--jwks', file, '--scope', 'system/*.read', '--scope', 'system/Task.cruds');
  expect(run.code).toBe(0);
  expect(run.stdout).not.toMatch(/client secret/);
  expect(run.stdout).toMatch(/scopes system\/\*\.rs system\/Task\.cruds, authenticates with jwks/);
  const stored = await readStore((s) => s.auth.getClient('backend'));
  expect(stored).not.toHaveProperty('secretHash');
  expect(stored?.jwks?.keys[0]).toMatchObject({ kid: 'k1', kty: 'EC' });
});

test('list: a table of the clients, without secrets or hashes', async () => {
  const run = await clients('list');
  expect(run.code).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^CLIENT\s+ROLE\s+PROFILE\s+FINESS\s+SCOPES\s+AUTHENTICATION\s+CREATED\s+REVOKED\s+LABEL$/);
  expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['backend', 'bed-manager']);
  expect(run.stdout).not.toContain(secret);
  expect(run.stdout).not.toContain('scrypt');
});

test('a duplicate id, an unknown role, a bad FINESS, an establishment without FINESS are refused with exit status 1', async () => {
  const runs = await Promise.all([
    clients('add', 'bed-manager', '--role', 'consumer'),
    clients('add', 'x', '--role', 'boss'),
    clients('add', 'y', '--role', 'consumer', '--finess', '01000002'),
    clients('add', 'z', '--role', 'establishment'),
  ]);
  expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1]);
  expect(runs[0].stderr).toMatch(/client 'bed-manager' already exists/);
  expect(runs[1].stderr).toMatch(/unknown role 'boss': one of consumer, establishment, analyst, admin/);
  expect(runs[2].stderr).toMatch(/'01000002' is not a FINESS number/);
  expect(runs[3].stderr).toMatch(/needs at least one FINESS number/);
  for (const r of runs) expect(r.stdout).not.toMatch(/client secret/);
  const ids = await readStore(async (s) => (await s.auth.listClients()).map((c) => c.clientId));
  expect(ids).toEqual(['backend', 'bed-manager']);
});

test('revoke: the client is marked revoked, with who did it; revoking again is refused', async () => {
  const run = await clients('revoke', 'bed-manager');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^admin:cli .*revoked client 'bed-manager' at \d{4}-/m);
  expect((await readStore((s) => s.auth.getClient('bed-manager')))?.revokedAt).toEqual(expect.any(String));
  const again = await clients('revoke', 'bed-manager');
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/already revoked/);
  expect((await clients('list')).stdout).toMatch(/bed-manager .*\d{4}-\d\d-\d\dT\S+\s+\d{4}-\d\d-\d\dT\S+\s+CH Exemple/);
});

test('rotate-key makes a new current signing key; an unknown command is refused', async () => {
  const run = await clients('rotate-key');
  expect(run.code).toBe(0);
  const kid = /made signing key (\S+) \(ES256\) the current one/.exec(run.stdout)![1];
  const keys = await readStore((s) => s.auth.signingKeys());
  expect(keys.map((k) => [k.kid, k.retiredAt])).toEqual([[kid, undefined]]);
  const unknown = await clients('frobnicate');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
});
