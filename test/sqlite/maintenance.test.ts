/** Planner statistics: src/store/sqlite/maintenance.ts (PRAGMA optimize with an analysis limit). */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer, testSearchContext } from '../helpers/indexing';
import { DEFAULT_ANALYSIS_LIMIT, hasStatistics, optimizeDatabase } from '../../src/store/sqlite/maintenance';
import { planSearch } from '../../src/fhir/search/plan';
import { tempDir } from '../helpers/tmp';

describe('SQLite maintenance: optimizeDatabase', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = tempDir();
    store = new SqliteStore({ dataDir: dir }, testIndexer());
    const orgs: (Resource & { id: string })[] = Array.from({ length: 300 }, (_, i) => ({ resourceType: 'Organization', id: `o${i}`, name: `org ${i}`, active: i % 2 === 0 }));
    await store.transaction((tx) => tx.write(orgs.map((resource) => ({ kind: 'put' as const, resource }))));
    // The store checked its statistics on open, when it was empty: start these tests from none.
    store.database.exec('DROP TABLE IF EXISTS sqlite_stat1; DROP TABLE IF EXISTS sqlite_stat4');
  });
  afterEach(() => store.close());

  test('a never analyzed database gets statistics; a second run has nothing to do', () => {
    const db = store.database;
    expect(hasStatistics(db)).toBe(false);
    const first = optimizeDatabase(db, { allTables: true });
    expect(first.analyzed.some((s) => s.includes('idx_token'))).toBe(true);
    expect(first.analyzed.some((s) => s.includes('resources'))).toBe(true);
    expect(hasStatistics(db)).toBe(true);
    const rows = db.prepare("SELECT stat FROM sqlite_stat1 WHERE idx = 'idx_token_value'").get() as { stat: string };
    expect(Number(rows.stat.split(' ')[0])).toBeGreaterThanOrEqual(300); // one token row per organization at least
    expect(optimizeDatabase(db).analyzed).toEqual([]);
  });

  test('the analysis limit is applied during the run and restored after', () => {
    const db = store.database;
    db.pragma('analysis_limit = 77');
    optimizeDatabase(db, { allTables: true, analysisLimit: DEFAULT_ANALYSIS_LIMIT });
    expect(db.pragma('analysis_limit', { simple: true })).toBe(77);
  });

  test('the statistics are in the file for every connection; only the writer may run it; searches answer the same', async () => {
    const plan = planSearch(testSearchContext(), ['Organization'], [['active', 'true'], ['name', 'org 1']], { defaultCount: 50, maxCount: 50, strict: true }).plan;
    const before = (await store.search(plan)).entries.map((e) => e.id);
    const reader = new Database(path.join(dir, 'ror.sqlite'), { readonly: true });
    try {
      expect(hasStatistics(reader)).toBe(false);
      optimizeDatabase(store.database, { allTables: true });
      expect(hasStatistics(reader)).toBe(true);
      expect(() => optimizeDatabase(reader)).toThrow(/writer/);
    } finally {
      reader.close();
    }
    expect((await store.search(plan)).entries.map((e) => e.id)).toEqual(before);
    expect(before.length).toBeGreaterThan(0);
  });

  test('the store refreshes the statistics when it closes, so the next open plans with them', async () => {
    await store.close();
    const db = new Database(path.join(dir, 'ror.sqlite'), { readonly: true });
    try {
      const row = db.prepare("SELECT stat FROM sqlite_stat1 WHERE idx = 'idx_token_value'").get() as { stat: string };
      expect(Number(row.stat.split(' ')[0])).toBeGreaterThanOrEqual(300);
    } finally {
      db.close();
    }
  });
});
