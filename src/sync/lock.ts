/**
 * One sync run at a time, across processes and instances: a lease of the store (ResourceStore.leases, named
 * SYNC_LEASE), owned by the run's process (./lease-owner.ts: `host:pid:nonce`).
 *
 * - Taking it: a free or expired lease is taken. One held by a process that is gone from this host (killed, crashed)
 *   is taken over at once, on the condition that it still holds it (of two runs starting together, one wins).
 *   Otherwise the run is refused (LockBusyError) with the holder and the lease's expiry named.
 * - Keeping it: the lease is short (ROR_SYNC_LOCK_TTL_MS, 2 min by default, so a holder gone from another host
 *   stands in the way that long at most) and renewed every third of it: by a timer, and before any transaction of
 *   the run when the last renewal is older than that (`fence`). So every batch starts with at least two thirds of
 *   a lease ahead of it, whatever the timer could do.
 * - Losing it: when a renewal finds that another owner has the lease (it expired and was taken), the fenced
 *   store refuses the run's next transaction (LeaseLostError): the run stops at its next batch rather than write
 *   alongside the new holder. Its committed batches are whole, and the new holder completes the rest.
 * - Synchronous steps: better-sqlite3 blocks the event loop, and no heartbeat runs during a long synchronous call.
 *   Within a run the longest are the state load (seconds at national scale) and, after a first import through
 *   `store.bulkLoad`, building the deferred indexes: one call of ≈ 113 s at national scale (BENCHMARKS.md, "Sync"),
 *   longer than a lease. Before such a call the caller extends the lease (`holdFor`); scripts/sync.ts does.
 */
import os from 'node:os';
import type { Lease, LeaseStore } from '../store/leases';
import type { ResourceStore } from '../store/store';
import type { LeaseOwner } from './lease-owner';
import { describeOwner, goneFromHost, newOwner, parseOwner } from './lease-owner';

/** The name of the sync's lease. */
export const SYNC_LEASE = 'referential-sync';

/** Another run holds the lock (`npm run sync` exits with 3). */
export class LockBusyError extends Error {
  constructor(
    readonly holder: Lease,
    message: string,
  ) {
    super(message);
  }
}

/** This run's lease went to another owner: the run stopped before its next batch. */
export class LeaseLostError extends Error {}

export interface LockOptions {
  leases: LeaseStore;
  ttlMs: number;
  /** Default: a new owner for this process (newOwner()). */
  owner?: LeaseOwner;
  /** Told when a dead holder's lease is taken over, and when the lease is lost or cannot be renewed. */
  log?: (msg: string) => void;
  /** The clock, this host's name and the process check: defaults except in tests. */
  now?: () => number;
  host?: string;
  isAlive?: (pid: number) => boolean;
}

/** The lock, held while withLock's callback runs. */
export interface HeldLock {
  readonly owner: string;
  /** Why the lease was lost; undefined while it is held. */
  readonly lost: string | undefined;
  /**
   * `store` whose transactions first make sure the lease is still this run's (renewing it when due): give it to
   * the run. Once the lease is lost, they throw LeaseLostError and write nothing.
   */
  fence(store: ResourceStore): ResourceStore;
  /** Keeps the lease at least `ms` from now: before a synchronous step that blocks the heartbeat. Never throws. */
  holdFor(ms: number): Promise<void>;
}

/** Runs `fn` holding the lock; throws LockBusyError when another live run holds it. */
export async function withLock<T>(opts: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const owner = opts.owner ?? newOwner();
  await acquire(opts, owner);
  const lock = new Held(opts, owner);
  const timer = setInterval(() => void lock.renew(), lock.interval);
  timer.unref();
  try {
    return await fn(lock);
  } finally {
    clearInterval(timer);
    // Not released: the lease lapses at its expiry, or is taken over at once from this host once we are gone.
    await opts.leases.release(SYNC_LEASE, owner).catch((err: Error) => opts.log?.(`could not release the sync lock: ${err.message}`));
  }
}

async function acquire(opts: LockOptions, owner: string): Promise<void> {
  const now = opts.now ?? Date.now;
  const host = opts.host ?? os.hostname();
  for (let attempt = 0; ; attempt++) {
    const got = await opts.leases.acquire(SYNC_LEASE, owner, opts.ttlMs, now());
    if (got.acquired) return;
    const { holder } = got;
    if (attempt < 2 && goneFromHost(holder.owner, host, opts.isAlive)) {
      if (await opts.leases.takeOver(SYNC_LEASE, holder.owner, owner, opts.ttlMs, now())) {
        opts.log?.(`the previous holder (${describeOwner(holder.owner)}) is gone; taking over its lease`);
        return;
      }
      continue; // the lease changed hands meanwhile: look again
    }
    throw new LockBusyError(holder, refusal(holder, now(), host));
  }
}

/** What a refused run is told: who holds the lock, until when, and what to do. */
function refusal(holder: Lease, now: number, host: string): string {
  const p = parseOwner(holder.owner);
  const here = p?.host === host;
  const who = p ? `pid ${p.pid} on ${here ? `this host (${host})` : `host ${p.host}`}` : `owner '${holder.owner}'`;
  const inSeconds = Math.max(0, Math.ceil((holder.expiresAt - now) / 1000));
  return (
    `another sync run holds the lock: ${who}, lease until ${new Date(holder.expiresAt).toISOString()} (in ${inSeconds} s). ` +
    'The lease is renewed while that run goes on: wait for it to finish, then run again' +
    (here ? ' (if its process stops, the next run takes the lease over at once).' : ' (if it was stopped, its lease lapses at that time).')
  );
}

class Held implements HeldLock {
  lost: string | undefined;
  /** Renewal period: a third of the lease. */
  readonly interval: number;
  /** When the last renewal was confirmed, and the expiry it set. */
  private renewedAt: number;
  private heldUntil: number;
  /** Renewals keep the lease at least until then (holdFor). */
  private holdUntil = 0;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly opts: LockOptions,
    readonly owner: string,
  ) {
    this.interval = Math.max(10, Math.floor(opts.ttlMs / 3));
    this.renewedAt = this.now();
    this.heldUntil = this.renewedAt + opts.ttlMs;
  }

  /** Renews the lease (one renewal at a time), noting it lost when another owner has it. */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  async holdFor(ms: number): Promise<void> {
    this.holdUntil = Math.max(this.holdUntil, this.now() + ms);
    await this.renewing; // started with the shorter lease
    await this.renew();
  }

  fence(store: ResourceStore): ResourceStore {
    const transaction: ResourceStore['transaction'] = async (fn) => {
      await this.check();
      return store.transaction(fn);
    };
    // Every other member is the store's own; a Proxy, so that members added to the port later pass through too.
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'transaction') return transaction;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Before a transaction: renews the lease when due; throws once it is lost, or when it may have lapsed. */
  private async check(): Promise<void> {
    if (!this.lost && this.now() - this.renewedAt >= this.interval) await this.renew();
    if (!this.lost && this.now() > this.heldUntil - this.interval) {
      // Renewals failed (store errors) for two thirds of a lease: it may lapse during this transaction.
      this.lost = 'it could not be renewed before its expiry';
    }
    if (this.lost) throw new LeaseLostError(`this sync run lost its lock (${this.lost}); it stopped before its next batch`);
  }

  private async renewOnce(): Promise<void> {
    if (this.lost) return;
    const at = this.now();
    const ttl = Math.max(this.opts.ttlMs, this.holdUntil - at);
    try {
      if (await this.opts.leases.heartbeat(SYNC_LEASE, this.owner, ttl, at)) {
        this.renewedAt = at;
        this.heldUntil = at + ttl;
        return;
      }
      const holder = await this.opts.leases.holder(SYNC_LEASE).catch(() => undefined);
      this.lost = holder ? `taken by ${describeOwner(holder.owner)}` : 'released by another process';
      this.opts.log?.(`the sync lock was lost (${this.lost}); this run stops before its next batch`);
    } catch (err) {
      // A store error (busy, closing): the next renewal tries again; check() stops the run before the lease lapses.
      this.opts.log?.(`could not renew the sync lock: ${(err as Error).message}`);
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
