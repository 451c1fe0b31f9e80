/**
 * Keeping the offer index fresh through the kernel's write path (README "Offer search", ARCHITECTURE "The write
 * path"). The index is derived data: the store is the truth, and the index catches up through the outbox.
 *
 * - `offerNotifier`: for every stored version of a HealthcareService, Location or Organization, whoever writes it
 *   (HTTP, bundles, `$set-capacity`, `$capacity-import`, the referential sync, the demo data), it enqueues in the
 *   write's own transaction one message per HealthcareService whose document it changes, on queue `offer:<id>`: the
 *   unit itself; the units whose `location` is that Location; the units an Organization provides and, for a legal
 *   entity, the units of its establishments (`partOf`). Deletions too. Several writes of one transaction touching one
 *   unit queue it once. A change and the index's message commit together or not at all.
 * - `OfferIndexer`: claims the `offer:` messages in batches, rebuilds each unit's document from the store (or
 *   removes it when the unit is gone), applies them to the index in one call and completes the messages. Running in
 *   the background every 200 ms, a bed update is searchable well under a second after its commit. `reindex` rebuilds
 *   the whole index from the store (`npm run reindex-offer`); drains and rebuilds never run at the same time.
 *
 * Silent writes (WriteOptions.silent) skip notifiers, this one included: a silent write of a HealthcareService,
 * Location or Organization would not reach the index until the next `reindex`. The only silent write of the server
 * is a subscription's delivery status (a Subscription), which no document is built from; a new silent write of one
 * of these three types must not be added without queueing its units itself.
 */
import type { Logger } from '../logger';
import type { Notifier, NotifyTx } from '../kernel/notifications';
import type { OfferDocument, OfferIndex } from '../store/offer-index';
import type { SearchPlan } from '../store/search-plan';
import type { OutboxItem, ResourceStore, StoredVersion, StoreReader } from '../store/store';
import { buildOfferDocument, type OfferLabels } from './document';

/** Outbox queues of the offer index start with this; subscription delivery and the audit trail skip them. */
export const OFFER_QUEUE_PREFIX = 'offer:';
const INDEXED_TYPES = new Set(['HealthcareService', 'Location', 'Organization']);
/** Page size of the reference searches that find the units a write affects. */
const SEARCH_PAGE = 1000;

export function offerQueue(healthcareServiceId: string): string {
  return `${OFFER_QUEUE_PREFIX}${healthcareServiceId}`;
}

/** The notifier to plug into the kernel (`kernel.addNotifier(offerNotifier())`). */
export function offerNotifier(): Notifier {
  // Per transaction (the tx object lives as long as it): the units already queued, so each is queued once.
  const queued = new WeakMap<NotifyTx, Set<string>>();
  return {
    notify: (tx, stored) => {
      if (!INDEXED_TYPES.has(stored.resourceType)) return;
      return enqueueAffected(tx, stored, queued);
    },
  };
}

async function enqueueAffected(tx: NotifyTx, stored: StoredVersion, queued: WeakMap<NotifyTx, Set<string>>): Promise<void> {
  const ids = await affectedUnits(tx, stored);
  let seen = queued.get(tx);
  if (!seen) queued.set(tx, (seen = new Set()));
  const fresh = ids.filter((id) => !seen.has(id));
  if (!fresh.length) return;
  for (const id of fresh) seen.add(id);
  const cause = JSON.stringify({ resourceType: stored.resourceType, id: stored.id, versionId: stored.versionId });
  await tx.enqueue(fresh.map((id) => ({ queue: offerQueue(id), payload: cause })));
}

/** The HealthcareServices whose documents a stored version of a HealthcareService, Location or Organization changes. */
export async function affectedUnits(reader: StoreReader, stored: StoredVersion): Promise<string[]> {
  switch (stored.resourceType) {
    case 'HealthcareService':
      return [stored.id];
    case 'Location':
      return ids(reader, referencing('HealthcareService', 'location', [{ type: 'Location', id: stored.id }]));
    case 'Organization': {
      const establishments = await ids(reader, referencing('Organization', 'partof', [{ type: 'Organization', id: stored.id }]));
      const orgs = [stored.id, ...establishments].map((id) => ({ type: 'Organization', id }));
      const units: string[] = [];
      for (let i = 0; i < orgs.length; i += 100) units.push(...(await ids(reader, referencing('HealthcareService', 'organization', orgs.slice(i, i + 100)))));
      return [...new Set(units)];
    }
    default:
      return [];
  }
}

function referencing(resourceType: string, code: string, values: { type: string; id: string }[]): SearchPlan {
  return { resourceTypes: [resourceType], where: [{ kind: 'reference', code, values }], sort: [{ kind: 'id', descending: false }], count: SEARCH_PAGE, total: 'none' };
}

async function ids(reader: StoreReader, plan: SearchPlan): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.search({ ...plan, cursor });
    out.push(...page.entries.map((e) => e.id));
    cursor = page.next;
  } while (cursor);
  return out;
}

export interface OfferIndexerOptions {
  store: ResourceStore;
  index: OfferIndex;
  labels: OfferLabels;
  logger: Pick<Logger, 'error' | 'warn'>;
  /** Messages claimed at once (default 200). */
  batch?: number;
  /** Background drain period (default 200 ms). */
  intervalMs?: number;
  /** Clock (ms since epoch), replaceable in tests. */
  now?: () => number;
}

export interface ReindexProgress {
  done: number;
  total?: number;
}

/** How long a claimed message is leased before another drain may take it again (a crash mid-drain). */
const LEASE_MS = 30_000;
/** A unit whose document could not be built is tried again after this. */
const RETRY_MS = 60_000;
const REINDEX_PAGE = 500;

export class OfferIndexer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  /** Drains and rebuilds, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OfferIndexerOptions) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Applies every due `offer:` message; resolves with how many messages it handled. */
  drain(): Promise<number> {
    return this.exclusive(() => this.drainNow());
  }

  /** Drains every `intervalMs` until `stop`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.drain()
        .catch((err) => this.options.logger.error({ err }, 'offer index: changes could not be applied; they stay in the outbox'))
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? 200);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * Removes every document and builds them again from the store, page by page (HealthcareServices in id order).
   * Resolves with the number of documents written.
   */
  reindex(onProgress?: (p: ReindexProgress) => void): Promise<number> {
    return this.exclusive(async () => {
      const { store, index } = this.options;
      await index.clear();
      let cursor: string | undefined;
      let total: number | undefined;
      let done = 0;
      do {
        const page = await store.search({
          resourceTypes: ['HealthcareService'],
          where: [],
          sort: [{ kind: 'id', descending: false }],
          count: REINDEX_PAGE,
          cursor,
          total: cursor ? 'none' : 'accurate',
        });
        total ??= page.total;
        const reader = memoizedReader(store);
        const put: OfferDocument[] = [];
        for (const hs of page.entries) {
          const doc = await buildOfferDocument(hs, reader, this.options.labels);
          if (doc) put.push(doc);
        }
        if (put.length) await index.apply({ put, remove: [] });
        done += page.entries.length;
        onProgress?.({ done, total });
        cursor = page.next;
      } while (cursor);
      return done;
    });
  }

  private async drainNow(): Promise<number> {
    const { store, index, logger } = this.options;
    const batch = this.options.batch ?? 200;
    let handled = 0;
    for (;;) {
      const items = await store.claimOutbox({ limit: batch, now: this.now, leaseMs: LEASE_MS, queues: { prefix: OFFER_QUEUE_PREFIX } });
      if (!items.length) return handled;
      const reader = memoizedReader(store);
      const put: OfferDocument[] = [];
      const remove: string[] = [];
      const done: OutboxItem[] = [];
      for (const item of items) {
        const id = item.queue.slice(OFFER_QUEUE_PREFIX.length);
        try {
          const doc = await buildOfferDocument(await store.read('HealthcareService', id), reader, this.options.labels);
          if (doc) put.push(doc);
          else remove.push(id);
          done.push(item);
        } catch (err) {
          logger.warn({ err, healthcareService: id, attempts: item.attempts }, 'offer index: a document could not be built; tried again later');
          await store.rescheduleOutbox(item.id, this.now + RETRY_MS, err instanceof Error ? err.message : String(err));
        }
      }
      try {
        await index.apply({ put, remove });
      } catch (err) {
        // The messages stay leased and come back when the lease ends: nothing is lost.
        logger.error({ err, documents: put.length + remove.length }, 'offer index: applying changes failed; tried again later');
        return handled;
      }
      await store.completeOutbox(done.map((item) => item.id));
      handled += items.length;
      if (items.length < batch) return handled;
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** The store's reads, each resource read once: the units of one establishment share it and its legal entity. */
function memoizedReader(store: StoreReader): StoreReader {
  const cache = new Map<string, Promise<StoredVersion | undefined>>();
  return {
    read: (type, id) => {
      const key = `${type}/${id}`;
      let hit = cache.get(key);
      if (!hit) cache.set(key, (hit = store.read(type, id)));
      return hit;
    },
    vread: (type, id, versionId) => store.vread(type, id, versionId),
    history: (query) => store.history(query),
    search: (plan) => store.search(plan),
  };
}
