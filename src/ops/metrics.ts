/**
 * The server's Prometheus metrics (prom-client), served at `GET /metrics` (./metrics-endpoint.ts); README
 * "Operations" lists them. One registry per composed server (two servers in one process count apart), plus the
 * process's own metrics (CPU, memory, event loop, GC: prom-client's default metrics), collected once per process
 * since they describe the process.
 *
 * What is measured where:
 * - requests: ./http-metrics.ts, labelled by FHIR interaction (./interaction.ts) and status class;
 * - the store and the offer index: their ports' methods timed by a decorator put on at composition (`timed`),
 *   the adapters know nothing of it;
 * - backlogs: read from the store's outbox at each scrape (`ResourceStore.outboxBacklog`), per consumer — the
 *   offer index's lag is the age of the oldest `offer:` message waiting;
 * - the sync: runs of this instance's scheduler (outcome, duration), and the last successful run of any process
 *   (the AuditEvents the runs leave in the store), read at each scrape;
 * - subscription deliveries: what became of each attempt (the deliverer tells);
 * - offer search threads (when the server runs them): their state read at each scrape — searches they answer run
 *   on replicas, outside the offer index's timed port, so their time is the HTTP request's (`offer-search`).
 */
import client from 'prom-client';
import type { ResourceStore } from '../store/store';
import type { OfferIndex } from '../store/offer-index';

/** The outbox's consumers, by queue prefix (ARCHITECTURE "Derived indexes", "Derived work"). */
export const CONSUMERS: Record<string, string> = {
  subscriptions: 'Subscription/',
  audit: 'audit:',
  'offer-index': 'offer:',
  quality: 'quality:',
};

/** Latency buckets, seconds: from a cached read (≈ 0.1 ms) to a long bundle. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Sync runs: seconds to hours. */
const RUN_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400];

let processRegistry: client.Registry | undefined;

/** The process's metrics, registered once per process. */
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What the metrics read of the offer search threads (src/offer/search-threads/pool.ts). */
export interface OfferSearchThreadsState {
  readonly readyCount: number;
  readonly waiting: number;
  readonly answered: { readonly byThreads: number; readonly here: number };
}

export interface MetricSources {
  /** The store whose outbox backlog is reported. */
  store: Pick<ResourceStore, 'outboxBacklog'>;
  /** End time (ms since epoch) of the last successful sync run, of any process; undefined when none. */
  lastSyncSuccess?: () => Promise<number | undefined>;
  now?: () => number;
}

export class ServerMetrics {
  readonly registry = new client.Registry();
  readonly requests: client.Counter<'interaction' | 'status_class'>;
  readonly requestDuration: client.Histogram<'interaction' | 'status_class'>;
  readonly storeDuration: client.Histogram<'operation' | 'outcome'>;
  readonly offerIndexDuration: client.Histogram<'operation' | 'outcome'>;
  readonly syncRuns: client.Counter<'outcome'>;
  readonly syncDuration: client.Histogram<'outcome'>;
  readonly deliveries: client.Counter<'outcome'>;

  constructor() {
    const registers = [this.registry];
    this.requests = new client.Counter({
      name: 'ror_http_requests_total',
      help: 'HTTP requests answered, by FHIR interaction (or server area) and status class',
      labelNames: ['interaction', 'status_class'],
      registers,
    });
    this.requestDuration = new client.Histogram({
      name: 'ror_http_request_duration_seconds',
      help: 'Time from the request to the end of its response, by FHIR interaction (or server area) and status class',
      labelNames: ['interaction', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storeDuration = new client.Histogram({
      name: 'ror_store_operation_duration_seconds',
      help: 'Time of the resource store operations (read, search, transaction, outbox…), by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.offerIndexDuration = new client.Histogram({
      name: 'ror_offer_index_operation_duration_seconds',
      help: 'Time of the offer index operations (search, suggest, apply…), by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.syncRuns = new client.Counter({
      name: 'ror_sync_runs_total',
      help: 'Scheduled referential sync runs of this instance, by outcome (success, refused, failed, busy, lease-lost, error)',
      labelNames: ['outcome'],
      registers,
    });
    this.syncDuration = new client.Histogram({
      name: 'ror_sync_run_duration_seconds',
      help: 'Duration of the scheduled referential sync runs of this instance, by outcome',
      labelNames: ['outcome'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.deliveries = new client.Counter({
      name: 'ror_subscription_deliveries_total',
      help: 'Subscription notification attempts of this instance, by outcome (delivered, retry, abandoned, dropped)',
      labelNames: ['outcome'],
      registers,
    });
  }

  /** Reports, at each scrape, the outbox backlogs of `sources.store` and the last successful sync. Call once. */
  watch(sources: MetricSources): this {
    const registers = [this.registry];
    const now = sources.now ?? Date.now;
    const backlog = (consumer: string) => sources.store.outboxBacklog?.(CONSUMERS[consumer]);
    const waiting = new client.Gauge({
      name: 'ror_outbox_waiting_messages',
      help: 'Messages waiting in the outbox, by consumer (subscriptions, audit, offer-index, quality)',
      labelNames: ['consumer'],
      registers,
    });
    const failing = new client.Gauge({
      name: 'ror_outbox_failing_messages',
      help: 'Waiting messages whose last attempt failed (waiting for a retry), by consumer',
      labelNames: ['consumer'],
      registers,
    });
    const oldest = new client.Gauge({
      name: 'ror_outbox_oldest_message_age_seconds',
      help: 'Age of the oldest waiting message, by consumer (0 when none waits); for offer-index: the index lag',
      labelNames: ['consumer'],
      registers,
    });
    // One read of the backlogs per scrape, shared by the three gauges.
    let scrape: Promise<void> | undefined;
    const readBacklogs = () =>
      (scrape ??= (async () => {
        try {
          for (const consumer of Object.keys(CONSUMERS)) {
            const b = await backlog(consumer);
            if (!b) continue;
            waiting.set({ consumer }, b.waiting);
            failing.set({ consumer }, b.failing);
            oldest.set({ consumer }, b.oldestCreatedAt === undefined ? 0 : Math.max(0, (now() - b.oldestCreatedAt) / 1000));
          }
        } finally {
          setImmediate(() => (scrape = undefined));
        }
      })());
    for (const g of [waiting, failing, oldest]) (g as { collect?: () => Promise<void> }).collect = readBacklogs;
    if (sources.lastSyncSuccess) {
      const read = sources.lastSyncSuccess;
      new client.Gauge({
        name: 'ror_sync_last_success_timestamp_seconds',
        help: 'End of the last successful referential sync run (any instance or `npm run sync`), seconds since the epoch; 0: none',
        registers,
        async collect() {
          const at = await read();
          this.set(at === undefined ? 0 : at / 1000);
        },
      });
    }
    return this;
  }

  /** Reports, at each scrape, the state of the offer search threads (ROR_OFFER_SEARCH_THREADS). Call once. */
  watchOfferSearchThreads(threads: OfferSearchThreadsState): this {
    const registers = [this.registry];
    new client.Gauge({
      name: 'ror_offer_search_threads_ready',
      help: 'Offer search threads ready to answer (their replica of the index loaded)',
      registers,
      collect() {
        this.set(threads.readyCount);
      },
    });
    new client.Gauge({
      name: 'ror_offer_search_queue_waiting',
      help: 'Offer searches waiting for a search thread',
      registers,
      collect() {
        this.set(threads.waiting);
      },
    });
    new client.Counter({
      name: 'ror_offer_search_answers_total',
      help: 'Offer searches answered since start, by who answered: a search thread, or the request thread (no thread ready, or one ended)',
      labelNames: ['answered_by'],
      registers,
      collect() {
        // The pool counts; the counter shows its totals.
        this.reset();
        this.inc({ answered_by: 'search-thread' }, threads.answered.byThreads);
        this.inc({ answered_by: 'request-thread' }, threads.answered.here);
      },
    });
    return this;
  }

  /** The exposition text (Prometheus text format 0.0.4): the process's metrics, then this server's. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const [proc, own] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return { contentType: this.registry.contentType, body: `${proc}\n${own}` };
  }

  /**
   * `target` with the listed methods timed into `histogram` (labels: the method's name, `ok` or `error`): a
   * decorator for a port, put on at composition. Everything else (properties, other methods) passes through, and
   * the methods run on the target itself, so the result is the same object to its callers.
   */
  timed<T extends object>(target: T, histogram: client.Histogram<'operation' | 'outcome'>, methods: readonly (keyof T & string)[]): T {
    const measured = new Set<string>(methods);
    const wrappers = new Map<string, unknown>();
    // The methods as composed: one replaced later (a test's spy) is served as it is, untimed.
    const originals = new Map<string, unknown>(methods.map((m) => [m, Reflect.get(target, m, target)]));
    return new Proxy(target, {
      get(obj, prop) {
        const value: unknown = Reflect.get(obj, prop, obj);
        if (typeof prop !== 'string' || !measured.has(prop) || typeof value !== 'function' || value !== originals.get(prop)) return value;
        let wrapper = wrappers.get(prop);
        if (!wrapper) {
          const fn = value as (...args: unknown[]) => unknown;
          wrapper = (...args: unknown[]) => {
            const end = histogram.startTimer({ operation: prop });
            let result: unknown;
            try {
              result = fn.apply(obj, args);
            } catch (err) {
              end({ outcome: 'error' });
              throw err;
            }
            if (result instanceof Promise) {
              return result.then(
                (v) => {
                  end({ outcome: 'ok' });
                  return v;
                },
                (err: unknown) => {
                  end({ outcome: 'error' });
                  throw err;
                },
              );
            }
            end({ outcome: 'ok' });
            return result;
          };
          wrappers.set(prop, wrapper);
        }
        return wrapper;
      },
    });
  }

  /** The store's port with its operations timed (ror_store_operation_duration_seconds). */
  timeStore<S extends ResourceStore>(store: S): S {
    return this.timed(store, this.storeDuration, [
      'read',
      'vread',
      'history',
      'search',
      'transaction',
      'claimOutbox',
      'completeOutbox',
      'rescheduleOutbox',
      'syncStateSize',
      'syncStateRow',
      'ping',
    ] as (keyof S & string)[]);
  }

  /** Counts a scheduled sync run of this instance and its duration. */
  observeSyncRun(outcome: string, durationMs: number): void {
    this.syncRuns.inc({ outcome });
    this.syncDuration.observe({ outcome }, durationMs / 1000);
  }

  /** The offer index's port with its operations timed (ror_offer_index_operation_duration_seconds). */
  timeOfferIndex<I extends OfferIndex>(index: I): I {
    return this.timed(index, this.offerIndexDuration, ['search', 'suggest', 'apply', 'clear', 'count'] as (keyof I & string)[]);
  }
}
