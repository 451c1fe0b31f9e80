/**
 * `npm run sync` (scripts/sync.ts) end to end: a first import into an empty store, through the store's bulk load
 * (search indexes built at the end), then searchable; a second run of the same file changes nothing. The lock as
 * a user meets it: a run killed with SIGKILL leaves its lease, and the next run takes it over at once and ends as a
 * clean run would; a run is refused (exit 3) while a live run holds the lock, told who holds it until when.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { SYNC_LEASE } from '../../src/sync/lock';
import { parseOwner } from '../../src/sync/lease-owner';
import { tempDir } from '../helpers/tmp';
import { ET_EXCERPT } from './helpers';
import { testIndexer } from '../helpers/indexing';

const CLI = path.join(__dirname, '..', '..', 'scripts', 'sync.ts');
const GENERATOR = path.join(__dirname, '..', '..', 'scripts', 'generate-extracts.ts');
const NODE_ARGS = ['--import', 'tsx', CLI];
const env = (dataDir: string) => ({ ...process.env, ROR_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });

function sync(dataDir: string, args = ['--finess', ET_EXCERPT]): string {
  return execFileSync(process.execPath, [...NODE_ARGS, ...args], {
    encoding: 'utf8',
    env: env(dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to its end: status, stdout, stderr. */
function syncRun(dataDir: string, args: string[]) {
  return spawnSync(process.execPath, [...NODE_ARGS, ...args], { encoding: 'utf8', env: env(dataDir) });
}

interface SourceCounts {
  records: number;
  created: number;
  updated: number;
  deactivated: number;
  unchanged: number;
  rejected: number;
}

/** The per-source lines the CLI prints. */
function counts(stdout: string): Record<string, SourceCounts> {
  const out: Record<string, SourceCounts> = {};
  const re = /^(\S+) \(.*\): (\d+) records; (\d+) created, (\d+) updated, (\d+) deactivated, (\d+) unchanged, (\d+) rejected/gm;
  for (const m of stdout.matchAll(re)) {
    const [records, created, updated, deactivated, unchanged, rejected] = m.slice(2).map(Number);
    out[m[1]] = { records, created, updated, deactivated, unchanged, rejected };
  }
  return out;
}

function withDb<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'ror.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('npm run sync', () => {
  it('imports into an empty store with the indexes built at the end, then finds nothing to change', () => {
    const dataDir = tempDir();
    expect(sync(dataDir)).toMatch(/finess .* [1-9]\d* created/);
    const db = new Database(path.join(dataDir, 'ror.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM deferred_indexes').get()).toEqual({ n: 0 });
      const names = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['idx_token_value', 'idx_string_value', 'idx_ref_target']));
      const finess = db
        .prepare("SELECT count(*) AS n FROM idx_token INDEXED BY idx_token_value WHERE value IS NOT NULL AND system = 'https://finess.esante.gouv.fr'")
        .get() as { n: number };
      expect(finess.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    expect(sync(dataDir)).toMatch(/ 0 created, 0 updated, 0 deactivated, [1-9]\d* unchanged/);
  }, 60_000);

  it('a run killed with SIGKILL leaves its lease; the next run takes it over at once and ends as a clean run does', async () => {
    // Small generated extracts of the three kinds (≈ 7,300 resources), in batches of 20: long enough to kill mid-run.
    const extracts = tempDir();
    execFileSync(process.execPath, ['--import', 'tsx', GENERATOR, '--out', extracts, '--scale', '0.002'], { stdio: 'ignore' });
    const args = [
      '--finess-ej', path.join(extracts, 'etalab-cs1100501-stock-20260512-0339.csv'),
      '--finess', path.join(extracts, 'etalab-cs1100507-stock-20260512-0339.csv'),
      '--rpps', path.join(extracts, 'PS_LibreAcces_Personne_activite_202610080000.txt'),
      '--batch', '20',
    ];
    const cleanDir = tempDir();
    const clean = counts(sync(cleanDir, args));
    const total = Object.values(clean).reduce((n, c) => n + c.created, 0);
    expect(total).toBeGreaterThan(5000);

    const dir = tempDir();
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { env: env(dir), stdio: 'ignore' });
    const exited = once(child, 'exit');
    const stateRows = () =>
      fs.existsSync(path.join(dir, 'ror.sqlite-wal'))
        ? withDb(dir, (db) => {
            try {
              // Records' fingerprints only: the `national` rows of the data-quality rules are one per Organization.
              return (db.prepare("SELECT count(*) AS n FROM sync_state WHERE kind != 'national'").get() as { n: number }).n;
            } catch {
              return 0; // the schema is not there yet
            }
          })
        : 0;
    // Killed well into the run: some of the RPPS batches committed.
    for (let waited = 0; stateRows() < 1000; waited += 20) {
      if (waited > 60_000 || child.exitCode !== null) throw new Error('the run ended before it could be killed');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    expect([code, signal]).toEqual([null, 'SIGKILL']);
    const atKill = stateRows();
    expect(atKill).toBeLessThan(total);
    const lease = withDb(dir, (db) => db.prepare('SELECT owner, expires_at FROM sync_lock WHERE name = ?').get(SYNC_LEASE)) as { owner: string; expires_at: number };
    expect(parseOwner(lease.owner)).toEqual({ host: os.hostname(), pid: child.pid });
    expect(lease.expires_at).toBeGreaterThan(Date.now()); // still live: without the takeover the next run would be refused

    const resumed = syncRun(dir, args);
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain(`the previous holder (pid ${child.pid} on ${os.hostname()}) is gone; taking over its lease`);
    const after = counts(resumed.stdout);
    expect(Object.keys(after).sort()).toEqual(Object.keys(clean).sort());
    let unchanged = 0;
    for (const [source, c] of Object.entries(clean)) {
      const r = after[source];
      expect({ source, records: r.records, done: r.created + r.unchanged, updated: r.updated, deactivated: r.deactivated, rejected: r.rejected }).toEqual({
        source,
        records: c.records,
        done: c.created,
        updated: 0,
        deactivated: 0,
        rejected: c.rejected,
      });
      unchanged += r.unchanged;
    }
    expect(unchanged).toBe(atKill); // exactly what the killed run committed, found unchanged

    // The same state and the same resources, each at version 1, as after the clean run.
    const state = (d: string) => withDb(d, (db) => db.prepare('SELECT kind, key, hash, resource_id FROM sync_state ORDER BY kind, key').all());
    const resources = (d: string) =>
      withDb(d, (db) => db.prepare("SELECT resource_type, id, version FROM resources WHERE resource_type <> 'AuditEvent' ORDER BY resource_type, id").all());
    expect(state(dir)).toEqual(state(cleanDir));
    expect(resources(dir)).toEqual(resources(cleanDir));
    expect(withDb(dir, (db) => db.prepare('SELECT count(*) AS n FROM deferred_indexes').get())).toEqual({ n: 0 });
    expect(withDb(dir, (db) => db.prepare('SELECT count(*) AS n FROM sync_lock').get())).toEqual({ n: 0 });
    expect(sync(dir, args)).toMatch(/sync finished in .*: 0 created, 0 updated, 0 deactivated, [1-9]\d* unchanged/);
  }, 180_000);

  it('is refused (exit 3) while a live run holds the lock, told who holds it until when and what to do', async () => {
    const dataDir = tempDir();
    const hold = async (owner: string) => {
      const store = new SqliteStore({ dataDir }, testIndexer());
      const now = Date.now();
      try {
        expect(await store.leases.acquire(SYNC_LEASE, owner, 90_000, now)).toEqual({ acquired: true });
      } finally {
        await store.close();
      }
      return new Date(now + 90_000).toISOString();
    };
    // this test's own process: alive on this host
    let until = await hold(`${os.hostname()}:${process.pid}:live0001`);
    let res = syncRun(dataDir, ['--finess', ET_EXCERPT]);
    expect(res.status).toBe(3);
    expect(res.stderr).toContain(`another sync run holds the lock: pid ${process.pid} on this host (${os.hostname()}), lease until ${until} (in `);
    expect(res.stderr).toMatch(/\(in \d+ s\)\. The lease is renewed while that run goes on: wait for it to finish, then run again/);

    // a run on another host, whose pid means nothing here
    const store = new SqliteStore({ dataDir }, testIndexer());
    await store.leases.release(SYNC_LEASE, `${os.hostname()}:${process.pid}:live0001`);
    await store.close();
    until = await hold('other-host.example:4242:live0002');
    res = syncRun(dataDir, ['--finess', ET_EXCERPT]);
    expect(res.status).toBe(3);
    expect(res.stderr).toContain(`another sync run holds the lock: pid 4242 on host other-host.example, lease until ${until} (in `);
    expect(res.stderr).toContain('if it was stopped, its lease lapses at that time');
    expect(withDb(dataDir, (db) => db.prepare("SELECT count(*) AS n FROM resources WHERE resource_type = 'Organization'").get())).toEqual({ n: 0 });
  }, 60_000);
});
