/**
 * Running the rules on every change, without making writes pay for them (README "Data quality", ARCHITECTURE
 * "Derived work: the quality queue"):
 *
 * - `qualityNotifier`: for every stored version of a judged type (Organization, HealthcareService, Location,
 *   PractitionerRole) or one they depend on (Practitioner), whoever writes it — HTTP, bundles, operations, the
 *   referential sync — it enqueues in the write's transaction one outbox message `quality:<type>/<id>` (once per
 *   resource and transaction). A change and its message commit together: no change escapes the rules.
 * - `QualityWorker.drain`: claims the `quality:` messages, adds the resources whose judgement depends on the changed
 *   one (an establishment's units and roles, a practitioner's roles, a unit's bed zones), judges each and writes
 *   its tasks in one kernel transaction per batch as `system:quality`, then completes the messages. The server
 *   drains every second; after a sync run the queue holds what the run changed.
 * - `QualityWorker.sweep`: what time alone changes — capacity going stale — has no write to trigger it: every
 *   ROR_QUALITY_SWEEP_MINUTES the bed zones whose oldest capacity date is past the threshold, and those with an
 *   open staleness task, are judged again. Of several instances sharing the store, one sweeps each period
 *   (`sweepScheduled`, src/store/job-slots.ts); every instance drains (claims of the outbox are leases).
 */
import type { Logger } from '../../logger';
import type { Kernel } from '../../kernel/kernel';
import { systemActor } from '../../kernel/actor';
import type { Notifier, NotifyTx } from '../../kernel/notifications';
import type { SearchPlan } from '../../store/search-plan';
import type { OutboxItem, ResourceStore, StoredVersion, StoreReader } from '../../store/store';
import { jobOwner, periodSlot, runSlot } from '../../store/job-slots';
import { JUDGED_TYPES } from '../rules';
import type { QualityConfig } from './config';
import { emptyCounts, QualityEngine, type ReconcileCounts } from './engine';
import { THEME_SYSTEM } from './codes';

export const QUALITY_QUEUE_PREFIX = 'quality:';
export const QUALITY_ACTOR = systemActor('quality');
const WATCHED = new Set([...JUDGED_TYPES, 'Practitioner']);
const LEASE_MS = 60_000;
const RETRY_MS = 60_000;
const PAGE = 1000;

export function qualityQueue(type: string, id: string): string {
  return `${QUALITY_QUEUE_PREFIX}${type}/${id}`;
}

/** The notifier to plug into the kernel (`kernel.addNotifier(qualityNotifier())`). */
export function qualityNotifier(): Notifier {
  const queued = new WeakMap<NotifyTx, Set<string>>();
  return {
    notify: (tx, stored) => {
      if (!WATCHED.has(stored.resourceType)) return;
      const queue = qualityQueue(stored.resourceType, stored.id);
      let seen = queued.get(tx);
      if (!seen) queued.set(tx, (seen = new Set()));
      if (seen.has(queue)) return;
      seen.add(queue);
      return tx.enqueue([{ queue, payload: stored.versionId }]);
    },
  };
}

export interface QualityWorkerOptions {
  store: ResourceStore;
  kernel: Kernel;
  config: QualityConfig;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  /** Messages claimed at once (default 200). */
  batch?: number;
  intervalMs?: number;
}

export class QualityWorker {
  readonly engine: QualityEngine;
  private timer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly slotLease: { leases: ResourceStore['leases']; job: string; owner: string; warn: (msg: string) => void };

  constructor(private readonly options: QualityWorkerOptions) {
    this.engine = new QualityEngine(options.store, options.config);
    this.slotLease = { leases: options.store.leases, job: 'quality-sweep', owner: jobOwner(), warn: (msg) => options.logger.warn(msg) };
  }

  /** Judges every queued change (and what depends on it); resolves with what happened to the tasks. */
  drain(): Promise<ReconcileCounts & { messages: number }> {
    return this.exclusive(() => this.drainNow());
  }

  /** Judges again the bed zones whose capacity may have gone stale (or fresh) since their last write. */
  sweep(): Promise<ReconcileCounts & { judged: number }> {
    return this.exclusive(() => this.sweepNow());
  }

  /**
   * What the sweep's timer does at `now`: sweeps unless an instance sharing the store has swept in this period
   * (ROR_QUALITY_SWEEP_MINUTES long); resolves to whether this one did.
   */
  async sweepScheduled(now: number = Date.now()): Promise<boolean> {
    const periodMs = Math.max(1, this.options.config.sweepMinutes) * 60_000;
    const r = await runSlot({ ...this.slotLease, ttlMs: LEASE_MS }, periodSlot(now, periodMs), () => this.sweep());
    return r.ran;
  }

  /** Judges the given resources now (tests, `$report`-free tools). */
  judgeNow(subjects: { type: string; id: string }[]): Promise<ReconcileCounts> {
    return this.exclusive(() => this.reconcileAll(subjects));
  }

  start(): void {
    if (this.timer) return;
    const tick = (what: string, fn: () => Promise<unknown>) => () => {
      if (this.running) return;
      this.running = fn()
        .catch((err) => this.options.logger.error({ err }, `data quality: ${what} failed; tried again later`))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick('drain', () => this.drain()), this.options.intervalMs ?? 1000);
    this.timer.unref();
    const minutes = this.options.config.sweepMinutes;
    if (minutes > 0) {
      this.sweepTimer = setInterval(tick('staleness sweep', () => this.sweepScheduled()), minutes * 60_000);
      this.sweepTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.timer = this.sweepTimer = undefined;
    await this.running;
    await this.queue;
  }

  private async drainNow(): Promise<ReconcileCounts & { messages: number }> {
    const { store } = this.options;
    const batch = this.options.batch ?? 200;
    const total = { ...emptyCounts(), messages: 0 };
    for (;;) {
      const items = await store.claimOutbox({ limit: batch, now: Date.now(), leaseMs: LEASE_MS, queues: { prefix: QUALITY_QUEUE_PREFIX } });
      if (!items.length) return total;
      const subjects = new Map<string, { type: string; id: string }>();
      for (const item of items) {
        const [type, id] = item.queue.slice(QUALITY_QUEUE_PREFIX.length).split('/');
        for (const s of await dependents(store, type, id)) subjects.set(`${s.type}/${s.id}`, s);
      }
      try {
        const counts = await this.reconcileAll([...subjects.values()]);
        for (const k of Object.keys(counts) as (keyof ReconcileCounts)[]) total[k] += counts[k];
      } catch (err) {
        this.options.logger.warn({ err, messages: items.length }, 'data quality: a batch could not be judged; tried again later');
        await this.reschedule(items, err);
        return total;
      }
      await store.completeOutbox(items.map((i) => i.id));
      total.messages += items.length;
      if (items.length < batch) return total;
    }
  }

  private async reschedule(items: OutboxItem[], err: unknown): Promise<void> {
    for (const item of items) await this.options.store.rescheduleOutbox(item.id, Date.now() + RETRY_MS, err instanceof Error ? err.message : String(err));
  }

  private async reconcileAll(subjects: { type: string; id: string }[]): Promise<ReconcileCounts> {
    const { kernel, store } = this.options;
    const counts = emptyCounts();
    for (let i = 0; i < subjects.length; i += 100) {
      const chunk = subjects.slice(i, i + 100);
      await kernel.transaction(store, QUALITY_ACTOR, async (tx) => {
        for (const s of chunk) await this.engine.reconcile(tx, s.type, s.id, counts);
      });
    }
    return counts;
  }

  private async sweepNow(): Promise<ReconcileCounts & { judged: number }> {
    const { store, config } = this.options;
    const threshold = config.now().getTime() - config.staleHours * 3_600_000;
    const ids = new Set<string>();
    // Bed zones with a capacity date before the threshold (their newest may still be recent: the rule decides)…
    for (const id of await allIds(store, {
      resourceTypes: ['Location'],
      where: [{ kind: 'date', code: 'capacity-update-date', values: [{ prefix: 'lt', value: threshold, lo: threshold, hi: threshold }] }],
      sort: [{ kind: 'id', descending: false }],
      count: PAGE,
      total: 'none',
    })) ids.add(id);
    // …and those whose staleness task (theme 04 Récence) is open: updated since, the task closes.
    for (const id of await allIds(store, {
      resourceTypes: ['Task'],
      where: [
        { kind: 'token', code: 'status', values: [{ code: 'ready' }, { code: 'in-progress' }] },
        { kind: 'token', code: 'code', values: [{ system: THEME_SYSTEM, code: '04' }] },
      ],
      sort: [{ kind: 'id', descending: false }],
      count: PAGE,
      total: 'none',
    }, (v) => staleTaskFocus(v))) ids.add(id);
    const counts = await this.reconcileAll([...ids].map((id) => ({ type: 'Location', id })));
    return { ...counts, judged: ids.size };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** The Location an open staleness task is about. */
function staleTaskFocus(v: StoredVersion): string | undefined {
  if (!v.id.startsWith('q-loc-capacity-stale-')) return undefined;
  const m = /"focus":\{"reference":"Location\/([^"]+)"/.exec(v.json);
  return m?.[1];
}

async function allIds(reader: StoreReader, plan: SearchPlan, pick: (v: StoredVersion) => string | undefined = (v) => v.id): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.search({ ...plan, cursor });
    for (const e of page.entries) {
      const id = pick(e);
      if (id) out.push(id);
    }
    cursor = page.next;
  } while (cursor);
  return out;
}

const referencing = (type: string, code: string, target: string, id: string): SearchPlan => ({
  resourceTypes: [type],
  where: [{ kind: 'reference', code, values: [{ type: target, id }] }],
  sort: [{ kind: 'id', descending: false }],
  count: PAGE,
  total: 'none',
});

/** The resources to judge when `type/id` changed: itself, and those whose rules read it. */
async function dependents(reader: StoreReader, type: string, id: string): Promise<{ type: string; id: string }[]> {
  const out = JUDGED_TYPES.has(type) ? [{ type, id }] : [];
  const add = async (t: string, plan: SearchPlan) => {
    for (const x of await allIds(reader, plan)) out.push({ type: t, id: x });
  };
  switch (type) {
    case 'Organization':
      // Its units (closed establishment) and roles (site gone); its Locations and their tasks' owner.
      await add('HealthcareService', referencing('HealthcareService', 'organization', 'Organization', id));
      await add('PractitionerRole', referencing('PractitionerRole', 'organization', 'Organization', id));
      break;
    case 'Practitioner':
      await add('PractitionerRole', referencing('PractitionerRole', 'practitioner', 'Practitioner', id));
      break;
    case 'HealthcareService': {
      // Its bed zones: whether a Location is a bed zone depends on the units pointing to it.
      const v = await reader.read('HealthcareService', id);
      if (v && !v.deleted) {
        const refs = (JSON.parse(v.json) as { location?: { reference?: string }[] }).location ?? [];
        for (const r of refs) {
          const m = /^(?:.*\/)?Location\/([A-Za-z0-9\-.]{1,64})$/.exec(r.reference ?? '');
          if (m) out.push({ type: 'Location', id: m[1] });
        }
      }
      break;
    }
  }
  return out;
}
