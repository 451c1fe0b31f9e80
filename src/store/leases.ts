/**
 * Named leases, part of the ResourceStore port: at most one owner holds a lease at a time, until its expiry, and
 * renews it while it works (e.g. one referential sync run at a time across processes and hosts). A holder that
 * stops renewing loses the lease at expiry; one known to be dead can be taken over at once, conditionally on its
 * still being the holder.
 *
 * Owners are opaque strings to the store. Times are milliseconds since the epoch, given by the caller (as for the
 * outbox's claims): the contract drives time without waiting, and callers on several hosts must keep their clocks
 * in step well within a lease's duration. A lease is held while `now < expiresAt`.
 *
 * Contract: test/contract/leases.contract.ts.
 */

export interface Lease {
  owner: string;
  expiresAt: number;
}

export type Acquisition = { acquired: true } | { acquired: false; holder: Lease };

export interface LeaseStore {
  /**
   * Takes the lease for `owner` until `now + ttlMs` when it is free, expired, or already `owner`'s (then renewed);
   * otherwise names the holder.
   */
  acquire(name: string, owner: string, ttlMs: number, now: number): Promise<Acquisition>;
  /**
   * Renews `owner`'s lease until `now + ttlMs`. False when `owner` no longer holds it (released, or taken by
   * someone else after it expired); a lease that expired but that nobody took is still the owner's.
   */
  heartbeat(name: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  /** Gives the lease up; does nothing when `owner` does not hold it. */
  release(name: string, owner: string): Promise<void>;
  /** The lease as stored, expired or not; undefined when free. */
  holder(name: string): Promise<Lease | undefined>;
  /**
   * Takes the lease from `previousOwner`, whatever its expiry, only when `previousOwner` still holds it: of two
   * callers taking over the same dead holder, one wins. For a caller that knows the holder is dead (its process
   * is gone); false when the lease is free or held by someone else.
   */
  takeOver(name: string, previousOwner: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
}
