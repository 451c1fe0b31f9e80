/**
 * Bulk load of the search bench directory straight through the store (batches of many resources per
 * transaction), then ANALYZE so SQLite's planner knows the index statistics. Resumable: types already complete
 * are skipped. Usage: tsx scripts/bench/search-load.ts <dataDir>
 */
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { Indexer } from '../../src/indexing/indexer';
import { loadSearchParameterFiles, SearchParamRegistry } from '../../src/indexing/registry';
import { DATA_VERSION, GENERATORS, SIZES } from './search-data';

const BATCH = 5000;

export async function loadSearchBench(dataDir: string, log: (msg: string) => void = console.log): Promise<void> {
  const store = new SqliteStore({ dataDir }, new Indexer(new SearchParamRegistry(loadSearchParameterFiles())));
  try {
    const db = store.database;
    let loadedAny = false;
    for (const [type, size] of Object.entries(SIZES) as [keyof typeof SIZES, number][]) {
      const have = (db.prepare('SELECT count(*) AS n FROM resources WHERE resource_type = ?').get(type) as { n: number }).n;
      if (have >= size) continue;
      loadedAny = true;
      const started = Date.now();
      for (let from = have; from < size; from += BATCH) {
        const to = Math.min(size, from + BATCH);
        await store.transaction(async (tx) => {
          const changes = [];
          for (let n = from; n < to; n++) changes.push({ kind: 'put' as const, resource: GENERATORS[type](n) });
          await tx.write(changes);
        });
        if ((to / BATCH) % 20 === 0 || to === size) {
          const rate = Math.round((to - have) / ((Date.now() - started) / 1000));
          log(`${type}: ${to}/${size} (${rate}/s)`);
        }
      }
    }
    if (loadedAny) {
      log('ANALYZE…');
      db.exec('ANALYZE');
    }
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  loadSearchBench(process.argv[2] ?? `/tmp/ror-bench-search-v${DATA_VERSION}`).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
