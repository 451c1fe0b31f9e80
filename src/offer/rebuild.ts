/**
 * Rebuilding the offer index from the store when its adapter says so (`needsRebuild`: a new index, or one of an
 * older schema). An adapter that can build behind an alias (the search-engine one: `beginRebuild`) keeps answering
 * from the old index while a new one is filled, then swaps: no downtime. The embedded one is cleared and refilled
 * in place (it rebuilds in seconds). Used at start-up (src/main.ts) and by `npm run reindex-offer`.
 */
import type { OfferIndex } from '../store/offer-index';
import { OfferIndexer, type OfferIndexerOptions, type ReindexProgress } from './freshness';

/** An index that builds a replacement behind its readers (src/store/elastic/offer-index.ts). */
export interface RebuildableOfferIndex extends OfferIndex {
  ready(): Promise<void>;
  beginRebuild(): Promise<{ fill: OfferIndex; commit(): Promise<void>; abort(): Promise<void> }>;
}

export function isRebuildable(index: OfferIndex): index is RebuildableOfferIndex {
  return typeof (index as Partial<RebuildableOfferIndex>).beginRebuild === 'function';
}

/**
 * Fills a new index from the store behind the live one and swaps it in. Live changes keep flowing to both meanwhile
 * (the adapter mirrors them). Resolves with the number of units read.
 */
export async function rebuildBehind(index: RebuildableOfferIndex, options: Omit<OfferIndexerOptions, 'index'>, onProgress?: (p: ReindexProgress) => void): Promise<number> {
  const build = await index.beginRebuild();
  try {
    const count = await new OfferIndexer({ ...options, index: build.fill }).reindex(onProgress);
    await build.commit();
    return count;
  } catch (err) {
    await build.abort();
    throw err;
  }
}

/**
 * Rebuilds when the index needs it: behind the alias when it can, else through `inPlace` (the server's own
 * indexer, so in-place rebuilds and drains never overlap). Resolves with the units read, or undefined when none was needed.
 */
export async function rebuildIfNeeded(index: OfferIndex, options: Omit<OfferIndexerOptions, 'index'>, inPlace: () => Promise<number>): Promise<number | undefined> {
  if (isRebuildable(index)) {
    await index.ready();
    return index.needsRebuild ? rebuildBehind(index, options) : undefined;
  }
  return index.needsRebuild ? inPlace() : undefined;
}
