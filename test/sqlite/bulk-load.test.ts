/**
 * Bulk loads into an empty SQLite store build the secondary indexes at the end (src/store/sqlite/deferred-indexes.ts):
 * dropped during the load, created after it (even when it fails), rebuilt at open after a crash, never dropped
 * when the store already holds data.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { explainSearch } from '../../src/store/sqlite/search-index';
import { testIndexer, testSearchContext } from '../helpers/indexing';
import { planSearch } from '../../src/fhir/search/plan';
import { tempDir } from '../helpers/tmp';

const indexes = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);

const org = (i: number): Resource & { id: string } => ({ resourceType: 'Organization', id: `o${i}`, name: `Clinique ${i}`, active: true });

async function names(store: SqliteStore, query: [string, string][]): Promise<string[]> {
  const { plan } = planSearch(testSearchContext(), ['Organization'], query, { defaultCount: 100, maxCount: 100, strict: true });
  return (await store.search(plan)).entries.map((e) => e.id).sort();
}

describe('bulkLoad on the SQLite store', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = tempDir();
    store = new SqliteStore({ dataDir: dir }, testIndexer());
  });
  afterEach(() => store.close());

  it('drops the secondary indexes of an empty store during the load and builds them after it', async () => {
    const before = indexes(store.database);
    let during: string[] = [];
    await store.bulkLoad(async () => {
      during = indexes(store.database);
      for (let i = 0; i < 30; i++) await store.transaction((tx) => tx.write([{ kind: 'put', resource: org(i) }]));
      // Correct while the indexes are missing, only slower.
      expect(await names(store, [['name', 'clinique 1']])).toHaveLength(11);
    });
    expect(during).not.toContain('idx_string_value');
    expect(during).not.toContain('idx_token_value');
    expect(before.length - during.length).toBeGreaterThanOrEqual(6);
    // Indexes whose keys grow with every write (type and time, type and sequence) are appended to during the load.
    for (const kept of ['resources_type_updated', 'resources_type_live', 'resource_history_type', 'resource_history_updated']) {
      expect(during).toContain(kept);
    }
    expect(indexes(store.database)).toEqual(before);
    expect(await names(store, [['name', 'clinique 5']])).toEqual(['o5']);
    expect(store.database.prepare('SELECT count(*) AS n FROM deferred_indexes').get()).toEqual({ n: 0 });
    // The index build sorts on temporary files; the writer's in-memory temporary storage is back after it.
    expect(store.database.pragma('temp_store', { simple: true })).toBe(2);
  });

  it('answers a search whose plan names an index (element groups) while that index is deferred', async () => {
    const obs = (id: string, value: string): Resource & { id: string } => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: value }] },
    });
    const query: [string, string][] = [['code-value-concept', 'http://loinc.org|8867-4$http://snomed.info/sct|high']];
    const search = async () => {
      const { plan } = planSearch(testSearchContext(), ['Observation'], query, { defaultCount: 10, maxCount: 10, strict: true });
      const sql = explainSearch(store.database, testIndexer(), plan).join(' ');
      return { ids: (await store.search(plan)).entries.map((e) => e.id), usesValueIndex: sql.includes('idx_token_value') };
    };
    await store.bulkLoad(async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: obs('a', 'high') }, { kind: 'put', resource: obs('b', 'low') }]));
      expect(await search()).toEqual({ ids: ['a'], usesValueIndex: false });
    });
    expect(await search()).toEqual({ ids: ['a'], usesValueIndex: true });
  });

  it('builds the indexes even when the load fails, and the failure reaches the caller', async () => {
    const before = indexes(store.database);
    await expect(
      store.bulkLoad(async () => {
        await store.transaction((tx) => tx.write([{ kind: 'put', resource: org(1) }]));
        throw new Error('source file truncated');
      }),
    ).rejects.toThrow('source file truncated');
    expect(indexes(store.database)).toEqual(before);
  });

  it('leaves the indexes of a store that already holds data', async () => {
    await store.transaction((tx) => tx.write([{ kind: 'put', resource: org(0) }]));
    const before = indexes(store.database);
    await store.bulkLoad(async () => expect(indexes(store.database)).toEqual(before));
  });

  it('rebuilds at open the indexes a crashed load left dropped', async () => {
    const before = indexes(store.database);
    await store.close();
    // What a crash in the middle of a load leaves: indexes dropped, their SQL recorded.
    const db = new Database(path.join(dir, 'ror.sqlite'));
    const { sql } = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'idx_string_value'").get() as { sql: string };
    db.prepare('INSERT INTO deferred_indexes (name, sql) VALUES (?, ?)').run('idx_string_value', sql);
    db.exec('DROP INDEX idx_string_value');
    db.close();
    store = new SqliteStore({ dataDir: dir }, testIndexer());
    expect(indexes(store.database)).toEqual(before);
    expect(store.database.prepare('SELECT count(*) AS n FROM deferred_indexes').get()).toEqual({ n: 0 });
  });
});
