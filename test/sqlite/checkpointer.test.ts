/**
 * WAL checkpoints on a worker thread (src/store/sqlite/checkpointer.ts): the pages committed to the WAL reach the
 * database file without the writer checkpointing, and a store that started the thread closes cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Checkpointer } from '../../src/store/sqlite/checkpointer';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { tempDir } from '../helpers/tmp';
import { testIndexer } from '../helpers/indexing';

const until = async (test: () => boolean, timeoutMs = 5000) => {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('background WAL checkpoints', () => {
  it('copies committed WAL pages into the database file while the writer never checkpoints', async () => {
    const file = path.join(tempDir(), 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
    const insert = db.prepare('INSERT INTO t (b) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run('x'.repeat(2000));
    })();
    const before = fs.statSync(file).size;
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(500 * 2000);
    const checkpointer = new Checkpointer({ file, intervalMs: 20 });
    try {
      await until(() => fs.statSync(file).size > before + 500 * 2000);
      // Written by the thread's connection, readable by the writer's.
      expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 500 });
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  it('reports a checkpoint that cannot run, and keeps trying', async () => {
    const errors: string[] = [];
    const dir = tempDir();
    const checkpointer = new Checkpointer({ file: path.join(dir, 'missing', 'db.sqlite'), intervalMs: 20, onError: (m) => errors.push(m) });
    await until(() => errors.length > 0);
    await checkpointer.stop().catch(() => undefined);
    expect(errors[0]).toMatch(/unable to open|directory does not exist/i);
  });

  it('starts with a busy store and stops with it: everything committed is in the database file after close', async () => {
    const dataDir = tempDir();
    const store = new SqliteStore({ dataDir }, testIndexer());
    for (let i = 0; i < 80; i++) {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: { resourceType: 'Basic', id: `b${i}`, code: { text: 'x' } } }]));
    }
    await store.close();
    expect(fs.existsSync(path.join(dataDir, 'ror.sqlite-wal'))).toBe(false);
    const db = new Database(path.join(dataDir, 'ror.sqlite'), { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM resources WHERE resource_type = 'Basic'").get()).toEqual({ n: 80 });
    db.close();
  });
});

describe('when the checkpoint thread starts', () => {
  const started = (store: SqliteStore) => (store as unknown as { checkpointer?: unknown }).checkpointer !== undefined;
  const put = (store: SqliteStore, n: number, from = 0) =>
    store.transaction((tx) =>
      tx.write(Array.from({ length: n }, (_, i) => ({ kind: 'put' as const, resource: { resourceType: 'Basic' as const, id: `b${from + i}`, code: { text: 'x'.repeat(2000) } } }))),
    );

  it('a few small commits do not start it; a commit that leaves a large WAL does, long before 64 commits', async () => {
    const store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
    for (let i = 0; i < 3; i++) await put(store, 1, i);
    expect(started(store)).toBe(false);
    // The writer never checkpoints a WAL of SQLite's default size itself: only its backstop remains.
    expect(store.database.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    await put(store, 3000, 100);
    expect(started(store)).toBe(true);
    await store.close();
  });

  it('never starts without background checkpoints, and the writer keeps SQLite\'s own automatic checkpoint', async () => {
    const store = new SqliteStore({ dataDir: tempDir(), backgroundCheckpoints: false }, testIndexer());
    await put(store, 3000);
    expect(started(store)).toBe(false);
    expect(store.database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await store.close();
  });
});

describe('a process whose last work is closing the store', () => {
  it('finishes the close (the thread does not let the process exit half-way)', () => {
    const dataDir = tempDir();
    const script = `
      const { SqliteStore } = require(${JSON.stringify(path.join(__dirname, '../../src/store/sqlite/sqlite-store'))});
      const { Indexer } = require(${JSON.stringify(path.join(__dirname, '../../src/indexing/indexer'))});
      const { SearchParamRegistry } = require(${JSON.stringify(path.join(__dirname, '../../src/indexing/registry'))});
      (async () => {
        const store = new SqliteStore({ dataDir: ${JSON.stringify(dataDir)} }, new Indexer(new SearchParamRegistry()));
        for (let i = 0; i < 80; i++) {
          await store.transaction((tx) => tx.write([{ kind: 'put', resource: { resourceType: 'Basic', id: 'b' + i } }]));
        }
        await store.close();
        console.log('closed');
      })();
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('closed');
    expect(fs.existsSync(path.join(dataDir, 'ror.sqlite-wal'))).toBe(false);
  });
});
