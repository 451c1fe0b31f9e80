/**
 * Scheduled jobs that run once across instances: several servers on one store each fire the same cron (the nightly
 * sync, the nightly indicators) or the same interval (the data-quality staleness sweep), and exactly one of them
 * must run each occurrence. Built on the store's named leases (./leases.ts), so it holds wherever the store is
 * shared (one SQLite data directory, one MongoDB database).
 *
 * An occurrence is a *slot*: the time it was scheduled for (cron), or the start of its period (interval), in ms.
 * The lease `job:<name>` is held by `<slot>|<owner>`. To run slot S an instance reads the holder: if it already
 * names S or a later slot, S is taken (being run, or done); otherwise it acquires the lease, which only one of
 * several callers can do while it is held. The lease is kept (renewed) while the job runs, then left to expire at
 * once but never released: its holder, expired or not, is the memory of the last slot taken, so an instance whose
 * clock or timer fires a little later does not run the same slot again, and the next slot may start. A slot that
 * comes while the previous one still runs is skipped (no overlap). A slot whose instance died mid-run is not retried (the next one runs).
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { LeaseStore } from './leases';

/** An owner for this process's jobs: `host:pid:nonce` (as the sync's lock owners, src/sync/lease-owner.ts). */
export function jobOwner(): string {
  return `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export interface SlotOptions {
  leases: LeaseStore;
  /** The job's name: the lease is `job:<name>`. */
  job: string;
  /** This process (e.g. `host:pid:nonce`). */
  owner: string;
  /** Lease duration, renewed every third of it while the job runs. */
  ttlMs: number;
  now?: () => number;
  /** Told when the lease cannot be renewed (the job goes on; another slot may start alongside). */
  warn?: (message: string) => void;
}

export type SlotOutcome<T> = { ran: true; result: T } | { ran: false; holder: string };

/** The slot named in a holder `<slot>|<owner>`; -Infinity for other holders. */
function slotOf(holder: string): number {
  const m = /^([0-9]{1,16})\|/.exec(holder);
  return m ? Number(m[1]) : -Infinity;
}

/** The start of the period of length `periodMs` that contains `now` (the slot of an interval job). */
export function periodSlot(now: number, periodMs: number): number {
  return Math.floor(now / periodMs) * periodMs;
}

/**
 * Runs `fn` for slot `slot` when no instance has taken it yet; otherwise runs nothing and says who has. The lease
 * is renewed while `fn` runs; `fn`'s failure is the caller's (the slot stays taken).
 */
export async function runSlot<T>(options: SlotOptions, slot: number, fn: () => Promise<T>): Promise<SlotOutcome<T>> {
  const { leases, ttlMs } = options;
  const now = options.now ?? Date.now;
  const name = `job:${options.job}`;
  const me = `${Math.floor(slot)}|${options.owner}`;
  const held = await leases.holder(name);
  if (held && slotOf(held.owner) >= slot) return { ran: false, holder: held.owner };
  const got = await leases.acquire(name, me, ttlMs, now());
  if (!got.acquired) return { ran: false, holder: got.holder.owner };
  const timer = setInterval(() => {
    leases.heartbeat(name, me, ttlMs, now()).then(
      (kept) => (kept ? undefined : options.warn?.(`the lease of ${name} went to another instance while slot ${new Date(slot).toISOString()} was running`)),
      (err: unknown) => options.warn?.(`the lease of ${name} could not be renewed: ${(err as Error).message}`),
    );
  }, Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref();
  try {
    return { ran: true, result: await fn() };
  } finally {
    clearInterval(timer);
    // Done: the lease lapses now (the next slot may start), and its holder stays as the memory of this slot.
    await leases.heartbeat(name, me, 0, now()).catch((err: unknown) => options.warn?.(`the lease of ${name} could not be let go: ${(err as Error).message}`));
  }
}
