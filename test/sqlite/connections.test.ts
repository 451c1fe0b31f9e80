/**
 * Connection settings of the searches (src/store/sqlite/search-index.ts): the read-only connection that serves
 * them gets a large page cache, the writer (which also runs the sync's lookups) a bounded one.
 */
import type Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer } from '../helpers/indexing';
import type { SearchPlan } from '../../src/store/search-plan';
import { tempDir } from '../helpers/tmp';

test('the search connections get their page cache and memory map on first use', async () => {
  const store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
  const reader = (store as unknown as { reader: Database.Database }).reader;
  const plan: SearchPlan = { resourceTypes: ['Organization'], where: [], sort: [], count: 10, total: 'none' };
  await store.search(plan);
  await store.transaction((tx) => tx.search(plan));
  expect(reader.pragma('cache_size', { simple: true })).toBe(-524288);
  expect(store.database.pragma('cache_size', { simple: true })).toBe(-65536);
  // SQLite caps the map at its compile-time maximum (2 GiB in this build); asked for 4 GiB, it maps what it may.
  expect(reader.pragma('mmap_size', { simple: true })).toBeGreaterThanOrEqual(2147418112);
  await store.close();
});
