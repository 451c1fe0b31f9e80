/**
 * One sync run at a time, across processes and instances: a lease of the store (ResourceStore.leases, named
 * SYNC_LEASE) with an owner and an expiry, renewed by a heartbeat while the run goes on. A crashed holder stops
 * renewing, so its lease expires and the next run takes over.
 */
import type { LeaseStore } from '../store/leases';

/** The name of the sync's lease. */
export const SYNC_LEASE = 'referential-sync';

export class LockBusyError extends Error {}

/** Runs `fn` holding the lock, renewing it every ttl/3; throws LockBusyError when another run holds it. */
export async function withLock<T>(leases: LeaseStore, owner: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
  const got = await leases.acquire(SYNC_LEASE, owner, ttlMs, Date.now());
  if (!got.acquired) throw new LockBusyError('another sync run holds the lock; try again later');
  const timer = setInterval(
    () => void leases.heartbeat(SYNC_LEASE, owner, ttlMs, Date.now()).catch(() => undefined),
    Math.max(1000, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  try {
    return await fn();
  } finally {
    clearInterval(timer);
    await leases.release(SYNC_LEASE, owner);
  }
}
