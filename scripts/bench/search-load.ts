/**
 * Bulk load of the search bench directory through the kernel's write path as the referential sync writes (batches
 * of many resources per transaction, validated ahead with the shape cache), then ANALYZE so SQLite's planner knows
 * the index statistics. Resumable: types already complete are skipped.
 * Usage: tsx scripts/bench/search-load.ts <dataDir>
 */
import { composeKernel } from '../../src/main';
import { systemActor } from '../../src/kernel/actor';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { ShapeCachedValidator } from '../../src/sync/reconcile/validate';
import { DATA_VERSION, GENERATORS, SIZES } from './search-data';

const BATCH = 5000;

export async function loadSearchBench(dataDir: string, log: (msg: string) => void = console.log): Promise<void> {
  const { kernel } = composeKernel();
  const validator = new ShapeCachedValidator(kernel.validator);
  const store = new SqliteStore({ dataDir }, kernel.indexer);
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
        await kernel.transaction(store, systemActor('bench'), async (tx) => {
          const items = [];
          for (let n = from; n < to; n++) items.push({ resource: tx.prepare(GENERATORS[type](n), undefined) as ReturnType<(typeof GENERATORS)[typeof type]>, current: undefined });
          const rejections = items.map((i) => validator.rejection(i.resource));
          const bad = rejections.findIndex((r) => r !== undefined);
          if (bad >= 0) throw new Error(`${type} ${from + bad} is invalid: ${rejections[bad]}`);
          await tx.storeBatch(items, rejections);
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
