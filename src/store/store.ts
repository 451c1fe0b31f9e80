/**
 * The ResourceStore port: exactly what the FHIR layer needs from storage, nothing more.
 *
 * - versions are integers counted per resource, kept forever (full history, deletions included);
 * - every write goes through `transaction()`, which is atomic and durable on commit;
 * - searches are expressed as a storage-neutral SearchPlan (see ./search-plan.ts) that each adapter translates.
 *
 * Adapters: ./sqlite (embedded default). Every adapter must pass test/contract/resource-store.contract.ts and the
 * contracts of the port's other parts (outbox, sync state, leases, auth) in test/contract/.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { SearchPlan, SearchResult } from './search-plan';
import type { StoredVersion } from './version';
import type { SyncStateRow, SyncStateSize } from './sync-state';
import type { LeaseStore } from './leases';
import type { AuthStore } from './auth';
import type { ExportJobStore } from './export-jobs';

export type { StoredVersion };

/**
 * A write: the resource body to store as the next version, or a deletion. A change may name the version it
 * replaces (`expectVersion`, 0: the resource must not exist yet, a deletion counting as a version): when the
 * current version is another one, the write throws VersionConflictError (./errors.ts). The kernel's write path
 * always names it, so a change decided on a version read earlier never lands on another one.
 */
export type ResourceChange =
  | { kind: 'put'; resource: Resource & { id: string }; expectVersion?: number }
  | { kind: 'delete'; resourceType: string; id: string; expectVersion?: number };

export interface HistoryQuery {
  /** Omitted for system-level history. */
  resourceType?: string;
  /** Omitted for type- and system-level history. */
  id?: string;
  /** Only versions with lastUpdated >= since (ISO instant). */
  since?: string;
  /** Only versions with lastUpdated <= at (ISO instant), for `_at`-like cut-offs. */
  before?: string;
  count: number;
  /** Opaque cursor from a previous page's `next`. */
  cursor?: string;
}

export interface HistoryPage {
  /** Newest first. */
  entries: StoredVersion[];
  /** Cursor of the next (older) page, when there is one. */
  next?: string;
  /** Total number of versions in scope, when cheap to know. */
  total?: number;
}

/** Read access, either outside a transaction (last committed state) or inside one (own writes visible). */
export interface StoreReader {
  /** The current version (possibly a deletion marker), or undefined when the resource never existed. */
  read(resourceType: string, id: string): Promise<StoredVersion | undefined>;
  vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined>;
  history(query: HistoryQuery): Promise<HistoryPage>;
  search(plan: SearchPlan): Promise<SearchResult>;
}

export interface StoreWriter extends StoreReader {
  /**
   * Stores each change as the next version of its resource, stamping meta.versionId and meta.lastUpdated.
   * Returns the stored versions in the order of `changes`.
   */
  write(changes: ResourceChange[]): Promise<StoredVersion[]>;
  /**
   * Adds messages to the outbox in this transaction: they commit with the writes (a crash loses none) or roll back
   * with them. See OutboxMessage.
   */
  enqueue(messages: OutboxMessage[]): Promise<void>;
  /**
   * Saves sync state rows in this transaction (each replaces the row of its kind and key): they commit with the
   * resources written beside them or roll back with them. See ./sync-state.ts.
   */
  saveSyncState(rows: SyncStateRow[]): Promise<void>;
}

/**
 * A message to deliver after commit (transactional outbox, e.g. a Subscription notification). The store keeps it
 * until it is completed; delivery is at least once.
 */
export interface OutboxMessage {
  /** Ordering key: the messages of one queue are handed out one at a time, oldest first (e.g. a subscription id). */
  queue: string;
  /** Opaque to the store. */
  payload: string;
}

/** A claimed outbox message, leased to the claimer until it completes or reschedules it (or the lease expires). */
export interface OutboxItem extends OutboxMessage {
  id: string;
  /** Claims so far, this one included: a delivery interrupted by a crash counts as an attempt. */
  attempts: number;
  /** Enqueue time, ms since epoch. */
  createdAt: number;
  /** Error recorded by the last reschedule. */
  lastError?: string;
}

export interface OutboxClaim {
  /** At most this many messages (at most one per queue). */
  limit: number;
  /** Current time, ms since epoch: messages due at or before it are claimable. */
  now: number;
  /** The claimed messages are not handed out again before now + leaseMs, unless rescheduled. */
  leaseMs: number;
  /**
   * Which queues: those whose name starts with `prefix`, or those whose name does not (`not: true`). The outbox
   * carries several consumers' messages (subscription notifications, the audit trail of writes): each claims its own.
   */
  queues?: { prefix: string; not?: boolean };
}

/** What waits in one consumer's queues of the outbox (monitoring: a growing backlog is a consumer falling behind). */
export interface OutboxBacklog {
  /** Messages not yet completed (due, leased or waiting for a retry). */
  waiting: number;
  /** Of those, the ones whose last attempt failed (rescheduled with an error). */
  failing: number;
  /** Enqueue time of the oldest waiting message, ms since epoch; undefined when none waits. */
  oldestCreatedAt?: number;
}

export interface ResourceStore extends StoreReader {
  /**
   * Runs `fn` atomically: every write inside commits together or not at all (the promise rejects and nothing is
   * kept). Transactions are serialized; reads inside see the transaction's own writes.
   */
  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T>;
  /**
   * Leases due outbox messages: for each queue, its oldest message when it is due and not leased (a message waiting
   * for a retry holds back the later ones of its queue). Increments their attempts. Contract:
   * test/contract/outbox.contract.ts.
   */
  claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]>;
  /** Removes delivered (or abandoned) messages, several at once in one commit; unknown ids are ignored. */
  completeOutbox(id: string | readonly string[]): Promise<void>;
  /** Releases the lease of a message and makes it due again at `nextAttemptAt` (ms since epoch), noting `error`. */
  rescheduleOutbox(id: string, nextAttemptAt: number, error: string): Promise<void>;
  /**
   * What waits in the queues whose name starts with `prefix` (last committed state), for the metrics. Optional: an
   * adapter without it reports no backlog.
   */
  outboxBacklog?(prefix: string): Promise<OutboxBacklog>;
  /** How many sync state rows `kind` has, and their keys' bytes (last committed state). */
  syncStateSize(kind: string): Promise<SyncStateSize>;
  /**
   * The sync state rows of `kind` (last committed state), streamed in pages, in no particular order. Pages rather
   * than single rows: a national run reads 3.6 million rows, and an await per row costs ≈ 0.7 s of it.
   */
  syncStateRows(kind: string): AsyncIterable<SyncStateRow[]>;
  /** The sync state row of `kind` and `key` (last committed state), if there is one: a lookup by business key. */
  syncStateRow(kind: string, key: string): Promise<SyncStateRow | undefined>;
  /** Named leases (./leases.ts), e.g. the lock that keeps referential sync runs one at a time. */
  readonly leases: LeaseStore;
  /** API clients, the token-signing keys and the assertion replay cache (./auth.ts): not FHIR resources. */
  readonly auth: AuthStore;
  /** Bulk `$export` jobs (./export-jobs.ts): their parameters and progress, kept across restarts. */
  readonly exportJobs: ExportJobStore;
  /**
   * Runs `fn`, a bulk load of many resources through `transaction`, letting the adapter build its secondary
   * indexes once at the end when the store starts empty (first import of the national referentials). Reads by id
   * stay fast during the load; searches stay correct but may scan. Optional: without it, callers just run `fn`.
   */
  bulkLoad?<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves when the store answers; rejects otherwise (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
