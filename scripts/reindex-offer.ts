/**
 * `npm run reindex-offer` — rebuilds the offer search index (README "Offer search") from the store selected by the
 * environment (ROR_DATA_DIR): every document is removed, then each HealthcareService's document is built again from
 * the store, 500 at a time, with a progress bar on stderr. The index is derived data: this loses nothing.
 *
 * Run it with the server stopped (or expect the changes the server applies during the rebuild to be applied again
 * by its own indexer afterwards). Exit status: 0 done, 1 any failure.
 *
 * The index adapter is the composition root's choice (`openOfferIndex` of src/main.ts: the embedded SQLite one by
 * default), so this script and the server always open the same index.
 */
import pino from 'pino';
import { loadConfig, type Config } from '../src/config';
import * as root from '../src/main';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import type { OfferIndex } from '../src/store/offer-index';
import { terminologyLabels } from '../src/offer/document';
import { isRebuildable, rebuildBehind } from '../src/offer/rebuild';
import { OfferIndexer, type ReindexProgress } from '../src/offer/freshness';

/** A progress bar redrawn in place (`\r`) on a terminal, a line every 5 s otherwise (logs, CI). */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): { update(p: ReindexProgress): void; done(): void } {
  const tty = Boolean(stream.isTTY);
  const started = Date.now();
  let last = 0;
  return {
    update({ done, total }) {
      const now = Date.now();
      const final = total !== undefined && done >= total;
      if (!final && now - last < (tty ? 100 : 5000)) return;
      last = now;
      const pct = total ? Math.min(100, (100 * done) / total) : 100;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      const line = `offer index [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${pct.toFixed(0).padStart(3)}% ${done}/${total ?? '?'} units, ${((now - started) / 1000).toFixed(0)}s`;
      stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    done() {
      if (tty) stream.write('\n');
    },
  };
}

async function main(): Promise<number> {
  const open = (root as { openOfferIndex?: (config: Config) => OfferIndex | Promise<OfferIndex> }).openOfferIndex;
  if (!open) {
    console.error('this build has no offer index wired: src/main.ts must export openOfferIndex(config)');
    return 1;
  }
  const config = loadConfig();
  const { kernel } = root.composeKernel();
  const store = new SqliteStore({ dataDir: config.dataDir }, kernel.indexer);
  const index = await open(config);
  const bar = progressBar();
  try {
    const options = { store, labels: terminologyLabels(kernel.terminology), logger: pino({ level: 'warn' }, pino.destination(2)) };
    const started = Date.now();
    // A search-engine index is rebuilt behind its alias (searches keep their answers); the embedded one in place.
    const count = isRebuildable(index)
      ? await rebuildBehind(index, options, (p) => bar.update(p))
      : await new OfferIndexer({ ...options, index }).reindex((p) => bar.update(p));
    bar.done();
    console.error(`offer index rebuilt: ${count} units in ${((Date.now() - started) / 1000).toFixed(1)} s (${config.dataDir})`);
    return 0;
  } finally {
    await index.close();
    await store.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
