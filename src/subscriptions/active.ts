/**
 * The active subscriptions, by criteria type, kept in memory so that a write does not search Subscriptions: with
 * none for the written type, matching costs one map lookup.
 *
 * Served statuses are `active` and `error` (an accepted subscription whose deliveries currently fail: R4 keeps
 * notifying it while it retries); `requested` never stays (the server accepts on write) and `off` is not served.
 *
 * Consistency: a Subscription write invalidates the cache inside its transaction; the transaction that wrote it
 * matches against a list read through its own `tx` (its uncommitted subscription included) and does not keep that
 * list, so a rollback cannot leave a phantom subscription behind. Transactions are serialized per store, so no
 * other write sees a stale list in between. The list is also reloaded after `ttlMs`, which bounds staleness when
 * several server instances share a store, and on `reset()` (the deliverer starting on its store).
 */
import type { Subscription } from '@medplum/fhirtypes';
import type { StoreReader } from '../store/store';
import type { SearchPlan } from '../store/search-plan';
import type { Logger } from '../logger';
import type { SearchContext } from '../fhir/search/plan';
import { planSearch } from '../fhir/search/plan';
import { parseCriteria, type ParsedCriteria } from './criteria';

export interface ActiveSubscription {
  id: string;
  criteria: ParsedCriteria;
  /** Subscription.end, ms since epoch. */
  end?: number;
}

export const SERVED_STATUSES = ['active', 'error'];

const PAGE = 500;
const NONE: ActiveSubscription[] = [];

export class ActiveSubscriptions {
  private cache?: { byType: Map<string, ActiveSubscription[]>; loadedAt: number };
  private readonly touched = new WeakSet<StoreReader>();

  constructor(
    private readonly search: SearchContext,
    private readonly ttlMs: number,
    private readonly logger: Logger | undefined,
  ) {}

  /** A Subscription was written in `tx` (or changed elsewhere, without tx). */
  invalidate(tx?: StoreReader): void {
    this.cache = undefined;
    if (tx) this.touched.add(tx);
  }

  reset(): void {
    this.cache = undefined;
  }

  /**
   * The subscriptions on a type when known without reading the store (a fresh cache, and no Subscription written
   * in `tx`); undefined when `forType` must read them.
   */
  cachedFor(tx: StoreReader, resourceType: string): ActiveSubscription[] | undefined {
    if (this.touched.has(tx) || !this.cache || Date.now() - this.cache.loadedAt >= this.ttlMs) return undefined;
    return this.cache.byType.get(resourceType) ?? NONE;
  }

  async forType(tx: StoreReader, resourceType: string): Promise<ActiveSubscription[]> {
    if (this.touched.has(tx)) return (await this.load(tx)).get(resourceType) ?? [];
    const now = Date.now();
    if (!this.cache || now - this.cache.loadedAt >= this.ttlMs) {
      this.cache = { byType: await this.load(tx), loadedAt: now };
    }
    return this.cache.byType.get(resourceType) ?? [];
  }

  private async load(reader: StoreReader): Promise<Map<string, ActiveSubscription[]>> {
    const byType = new Map<string, ActiveSubscription[]>();
    const plan: SearchPlan = planSearch(this.search, ['Subscription'], [['status', SERVED_STATUSES.join(',')]], {
      defaultCount: PAGE,
      maxCount: PAGE,
      strict: true,
    }).plan;
    let cursor: string | undefined;
    do {
      const page = await reader.search({ ...plan, count: PAGE, total: 'none', cursor });
      for (const version of page.entries) {
        const sub = JSON.parse(version.json) as Subscription;
        if (sub.channel?.type !== 'rest-hook' || !SERVED_STATUSES.includes(sub.status)) continue;
        let criteria: ParsedCriteria;
        try {
          criteria = parseCriteria(this.search, sub.criteria);
        } catch (err) {
          // Accepted when written, refused now (e.g. a search parameter was removed): skip it, loudly.
          this.logger?.warn({ subscription: version.id, err }, 'subscription criteria no longer valid; not served');
          continue;
        }
        const end = sub.end ? Date.parse(sub.end) : undefined;
        const entry: ActiveSubscription = { id: version.id, criteria, end: Number.isNaN(end) ? undefined : end };
        byType.set(criteria.resourceType, [...(byType.get(criteria.resourceType) ?? []), entry]);
      }
      cursor = page.next;
    } while (cursor);
    return byType;
  }
}
