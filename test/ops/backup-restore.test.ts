/**
 * Backup while the server serves, restore, and an integrity check: a server takes writes one after another without
 * pause while `npm run backup` (a separate process, as in production) copies its store; the backup is restored into
 * a fresh data directory by `npm run restore`, and a server started on it must hold exactly the source's state after
 * some prefix of the writes — every write before the backup's point there, none after, each resource's current
 * version identical to the source's same version, and its history as long as the source's up to that version. The
 * API clients and the sync state (in the same database) come back too. `npm run restore` refuses a data directory a
 * running server has open, and data already there unless --force.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { testServer, post, put, organization, type TestServer } from '../helpers/app';
import { tempDir } from '../helpers/tmp';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs an npm script's file with tsx in its own process; resolves with its exit code and output. */
function run(script: string, args: string[], dataDir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env: { ...process.env, ROR_DATA_DIR: dataDir } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

interface Write {
  type: string;
  id: string;
  version: number;
}

describe('backup while serving, restore, compare', () => {
  const sourceDir = tempDir('ror-backup-src-');
  const targetDir = tempDir('ror-backup-dst-');
  const backupFile = path.join(tempDir('ror-backup-file-'), 'ror-backup.sqlite');
  let source: TestServer;
  let restored: TestServer | undefined;
  const log: Write[] = [];

  beforeAll(async () => {
    source = testServer({ dataDir: sourceDir });
    await source.server.measuresReady;
    for (let i = 0; i < 30; i++) {
      const res = await post(source.app, '/Organization', organization(String(750100000 + i), `Établissement ${i}`));
      expect(res.status).toBe(201);
      log.push({ type: 'Organization', id: res.body.id, version: Number(res.body.meta.versionId) });
    }
    await source.store.auth.addClient({ clientId: 'backup-test-client', role: 'consumer', finess: [], accessProfile: 2, createdAt: new Date().toISOString(), label: 'kept by the backup' });
    await source.store.transaction((tx) => tx.saveSyncState([{ kind: 'finess-et', key: '750100000', hash: 123456789 }]));
  });
  afterAll(async () => {
    await restored?.close();
    await source.close();
  });

  test('a restored backup taken under continuous writes is the source at one point of its writes', async () => {
    let stop = false;
    let n = 0;
    // Writes one after another, as fast as they go: updates of existing establishments and new ones.
    const writer = (async () => {
      while (!stop) {
        n++;
        const target = log[(n * 7) % 30];
        const res =
          n % 5 === 0
            ? await post(source.app, '/Organization', organization(String(750200000 + n), `Nouvel établissement ${n}`))
            : await put(source.app, `/Organization/${target.id}`, { ...organization(String(750100000 + ((n * 7) % 30)), `Établissement renommé ${n}`), id: target.id });
        if (res.status !== 200 && res.status !== 201) throw new Error(`write ${n} failed: ${res.status} ${JSON.stringify(res.body)}`);
        log.push({ type: 'Organization', id: res.body.id, version: Number(res.body.meta.versionId) });
      }
    })();
    const before = log.length;
    const backup = await run('backup.ts', [backupFile], sourceDir);
    const during = log.length - before;
    // Let a few more writes land after the backup, then stop.
    const after = log.length;
    while (log.length < after + 5) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await writer;
    expect(backup.out).toMatch(/backup of .* written to/);
    expect(backup.code).toBe(0);
    expect(during).toBeGreaterThan(0);

    // A running server's data directory is refused; so is data already there without --force.
    const busy = await run('restore.ts', [backupFile], sourceDir);
    expect(busy.code).toBe(1);
    expect(busy.out).toMatch(/open in another process/);
    const restore = await run('restore.ts', [backupFile], targetDir);
    expect(restore.out).toMatch(/restored .* resources/);
    expect(restore.code).toBe(0);
    const again = await run('restore.ts', [backupFile], targetDir);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/--force/);

    // Which writes the backup holds: a prefix of the log, and not all of it (the writes went on).
    const db = new Database(path.join(targetDir, 'ror.sqlite'), { readonly: true });
    const has = db.prepare<[string, string, number], { n: number }>('SELECT count(*) AS n FROM resource_history WHERE resource_type = ? AND id = ? AND version = ?');
    const present = log.map((w) => has.get(w.type, w.id, w.version)!.n === 1);
    const k = present.indexOf(false);
    expect(k).toBeGreaterThan(before - 1);
    expect(k).toBeLessThan(log.length);
    expect(present.slice(k).every((p) => !p)).toBe(true);
    const current = db.prepare('SELECT resource_type AS type, id, version, json FROM resources').all() as { type: string; id: string; version: number; json: string }[];
    const restoredHistory = db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM resource_history WHERE resource_type = ? AND id = ?');

    // Every resource of the backup: the source's same version, byte for byte; the history as long as the source's then.
    const sourceHistory = source.store.database.prepare<[string, string, number], { n: number }>(
      'SELECT count(*) AS n FROM resource_history WHERE resource_type = ? AND id = ? AND version <= ?',
    );
    for (const r of current) {
      const same = await source.store.vread(r.type, r.id, String(r.version));
      expect(same?.json).toBe(r.json);
      expect(restoredHistory.get(r.type, r.id)!.n).toBe(sourceHistory.get(r.type, r.id, r.version)!.n);
    }
    db.close();
    // Each resource the prefix wrote is at its last version of the prefix.
    const expected = new Map<string, number>();
    for (const w of log.slice(0, k)) expected.set(w.id, w.version);
    for (const [id, version] of expected) expect(current.find((r) => r.id === id)?.version).toBe(version);
    expect(current.filter((r) => r.type === 'Organization')).toHaveLength(expected.size);

    // A server started on the restored directory serves that state.
    restored = testServer({ dataDir: targetDir });
    await restored.server.measuresReady;
    for (const [id, version] of expected) {
      const res = await request(restored.app).get(`/Organization/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.meta.versionId).toBe(String(version));
      const hist = await request(restored.app).get(`/Organization/${id}/_history?_count=1000`);
      expect(hist.body.entry).toHaveLength(sourceHistory.get('Organization', id, version)!.n);
    }
    const afterPoint = log.slice(k).find((w) => !expected.has(w.id));
    if (afterPoint) expect((await request(restored.app).get(`/Organization/${afterPoint.id}`)).status).toBe(404);
    // The API clients and the sync state were in the backup.
    expect(await restored.store.auth.getClient('backup-test-client')).toMatchObject({ role: 'consumer', accessProfile: 2 });
    expect(await restored.store.syncStateRow('finess-et', '750100000')).toMatchObject({ hash: 123456789 });
    // The offer index was not copied: the server rebuilds it.
    expect(restored.server.offerIndex.needsRebuild).toBe(true);
  });

  test('--force replaces data and keeps it beside; a file that is not a backup is refused', async () => {
    await restored?.close();
    restored = undefined;
    const forced = await run('restore.ts', [backupFile, '--force'], targetDir);
    expect(forced.code).toBe(0);
    expect(fs.readdirSync(targetDir).some((f) => /^ror\.sqlite\.replaced-/.test(f))).toBe(true);
    const junk = path.join(tempDir('ror-junk-'), 'not-a-backup.sqlite');
    fs.writeFileSync(junk, 'hello');
    const refused = await run('restore.ts', [junk, '--force'], targetDir);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/not a usable SQLite database|cannot be opened/);
    const exists = await run('backup.ts', [backupFile], sourceDir);
    expect(exists.code).toBe(1);
    expect(exists.out).toMatch(/exists/);
  });
});
