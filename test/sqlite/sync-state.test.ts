/** SQLite only: how the sync state is read (the port's contract is test/contract/sync-state.contract.ts). */
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { SearchPlan } from '../../src/store/search-plan';
import { tempDir } from '../helpers/tmp';
import { testIndexer } from '../helpers/indexing';

test('searches run on the read-only connection while a run streams its state from it', async () => {
  // A statement left open on a connection between pages would make the search's first statements there (its
  // connection settings) fail with "This database connection is busy executing a query".
  const store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
  try {
    await store.transaction((tx) => tx.saveSyncState(Array.from({ length: 25_000 }, (_, i) => ({ kind: 'k', key: `k${i}`, hash: 1 }))));
    const plan: SearchPlan = { resourceTypes: ['Organization'], where: [], sort: [], count: 10, total: 'none' };
    let rows = 0;
    for await (const page of store.syncStateRows('k')) {
      rows += page.length;
      await store.search(plan);
    }
    expect(rows).toBe(25_000);
  } finally {
    await store.close();
  }
});
