/**
 * How the SQLite store keeps versions: the current version's JSON lives once, in `resources`; its history row
 * gets the JSON only when a newer version replaces it (sqlite-store.ts, HISTORY_JSON). The contract suite checks
 * what reads return; this file checks the storage rule itself and the query plans of version reads.
 */
import type { Organization } from '@medplum/fhirtypes';
import { historySql, SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { tempDir } from '../helpers/tmp';
import { testIndexer } from '../helpers/indexing';

const org = (id: string, name: string): Organization & { id: string } => ({ resourceType: 'Organization', id, name });

async function put(store: SqliteStore, resource: Organization & { id: string }) {
  return store.transaction(async (tx) => (await tx.write([{ kind: 'put', resource }]))[0]);
}

function historyJson(store: SqliteStore, id: string): Record<number, string> {
  const rows = store.database
    .prepare("SELECT version, json FROM resource_history WHERE resource_type = 'Organization' AND id = ? ORDER BY version")
    .all(id) as { version: number; json: string }[];
  return Object.fromEntries(rows.map((r) => [r.version, r.json]));
}

describe('SQLite version storage', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
  });
  afterEach(() => store.close());

  test('a created version is stored once; the history row gets its JSON when the next version replaces it', async () => {
    const v1 = await put(store, org('a', 'First'));
    expect(historyJson(store, 'a')).toEqual({ 1: '' });

    const v2 = await put(store, org('a', 'Second'));
    expect(historyJson(store, 'a')).toEqual({ 1: v1.json, 2: '' });

    const v3 = await store.transaction(async (tx) => (await tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'a' }]))[0]);
    expect(historyJson(store, 'a')).toEqual({ 1: v1.json, 2: v2.json, 3: '' });

    // Every version reads back with its own JSON, through vread and through each level of history.
    expect((await store.vread('Organization', 'a', '1'))?.json).toBe(v1.json);
    expect((await store.vread('Organization', 'a', '2'))?.json).toBe(v2.json);
    expect(await store.vread('Organization', 'a', '3')).toMatchObject({ deleted: true, json: '' });
    for (const scope of [{ resourceType: 'Organization', id: 'a' }, { resourceType: 'Organization' }, {}]) {
      const page = await store.history({ ...scope, count: 10 });
      expect(page.entries.map((e) => [e.versionId, e.json])).toEqual([
        ['3', ''],
        ['2', v2.json],
        ['1', v1.json],
      ]);
      expect(page.total).toBe(3);
    }
    expect(v3.versionId).toBe('3');
  });

  test('a re-created resource keeps the deleted marker and every earlier JSON', async () => {
    const v1 = await put(store, org('b', 'Before'));
    await store.transaction(async (tx) => tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'b' }]));
    const v3 = await put(store, org('b', 'After'));
    expect(historyJson(store, 'b')).toEqual({ 1: v1.json, 2: '', 3: '' });
    expect((await store.vread('Organization', 'b', '1'))?.json).toBe(v1.json);
    expect(await store.vread('Organization', 'b', '2')).toMatchObject({ deleted: true });
    expect((await store.vread('Organization', 'b', '3'))?.json).toBe(v3.json);
  });

  test('a rolled-back update leaves the replaced version as it was', async () => {
    const v1 = await put(store, org('c', 'Kept'));
    await expect(
      store.transaction(async (tx) => {
        await tx.write([{ kind: 'put', resource: org('c', 'Lost') }]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(historyJson(store, 'c')).toEqual({ 1: '' });
    expect((await store.vread('Organization', 'c', '1'))?.json).toBe(v1.json);
    expect(await store.vread('Organization', 'c', '2')).toBeUndefined();
  });

  test('history rows that still carry a copy of the current JSON (written before this rule) read the same', async () => {
    const v1 = await put(store, org('d', 'Old layout'));
    store.database.prepare("UPDATE resource_history SET json = ? WHERE id = 'd' AND version = 1").run(v1.json);
    expect((await store.vread('Organization', 'd', '1'))?.json).toBe(v1.json);
    const v2 = await put(store, org('d', 'Next'));
    expect(historyJson(store, 'd')).toEqual({ 1: v1.json, 2: '' });
    expect((await store.history({ resourceType: 'Organization', id: 'd', count: 10 })).entries.map((e) => e.json)).toEqual([v2.json, v1.json]);
  });

  test('vread and every level of history read versions by key or in seq order, never by scanning a type', async () => {
    await put(store, org('a', 'A'));
    const plan = (sql: string, params: unknown[]) =>
      (store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
    const vread = (store as unknown as { readStmts: { readVersion: { source: string } } }).readStmts.readVersion.source;
    expect(plan(vread, ['Organization', 'a', 1])).toMatch(/SEARCH h USING INDEX sqlite_autoindex_resource_history_1 \(rid=\? AND version=\?\)/);
    const instance = historySql({ resourceType: 'Organization', id: 'a', count: 10 });
    for (const q of [instance.count, instance.page]) {
      expect(plan(q.sql, q.params)).toMatch(/SEARCH h USING (COVERING )?INDEX sqlite_autoindex_resource_history_1 \(rid=\?\)/);
    }
    const type = historySql({ resourceType: 'Organization', count: 10 });
    expect(plan(type.page.sql, type.page.params)).toMatch(/SEARCH h USING INDEX resource_history_type \(resource_type=\?\)/);
    const system = historySql({ count: 10 });
    expect(plan(system.page.sql, system.page.params)).toMatch(/SCAN h\b/); // newest first along the primary key, LIMIT-ed
    expect(plan(system.page.sql, system.page.params)).not.toMatch(/TEMP B-TREE/);
    // The instance page sorts its own resource's versions only (a temporary B-tree of a few rows); the type and
    // system pages walk an index in seq order and stop at the LIMIT.
    expect(plan(type.page.sql, type.page.params)).not.toMatch(/TEMP B-TREE/);
  });
});
