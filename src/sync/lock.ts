/**
 * One sync run at a time, across processes and instances: a lease with an owner and an expiry, renewed by a
 * heartbeat while the run goes on. A crashed holder stops renewing, so its lease expires and the next run takes
 * over. The port fits a MongoDB implementation as is (findOneAndUpdate on {name, expiresAt < now}).
 *
 * The SQLite implementation keeps the lease in the sync's own table of the store's database file, through its own
 * connection (never the store's writer, whose transactions must not carry lock changes).
 */
import Database from 'better-sqlite3';
import { migrateSyncSchema } from './sqlite-schema';

export interface SyncLock {
  /** True when `owner` now holds the lock (free, expired, or already its own). */
  acquire(owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease; false when `owner` lost it (expired and taken by someone else). */
  heartbeat(owner: string, ttlMs: number): Promise<boolean>;
  release(owner: string): Promise<void>;
}

export class SqliteSyncLock implements SyncLock {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly name = 'referential-sync',
    private readonly now: () => number = Date.now,
  ) {
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 10000');
    migrateSyncSchema(this.db);
  }

  async acquire(owner: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const res = this.db
      .prepare(
        `INSERT INTO sync_lock (name, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE sync_lock.expires_at <= ? OR sync_lock.owner = excluded.owner`,
      )
      .run(this.name, owner, now + ttlMs, now);
    return res.changes === 1;
  }

  async heartbeat(owner: string, ttlMs: number): Promise<boolean> {
    const res = this.db.prepare('UPDATE sync_lock SET expires_at = ? WHERE name = ? AND owner = ?').run(this.now() + ttlMs, this.name, owner);
    return res.changes === 1;
  }

  async release(owner: string): Promise<void> {
    this.db.prepare('DELETE FROM sync_lock WHERE name = ? AND owner = ?').run(this.name, owner);
  }

  /** Who holds the lock now, if anyone. */
  holder(): { owner: string; expiresAt: number } | undefined {
    const row = this.db.prepare('SELECT owner, expires_at FROM sync_lock WHERE name = ?').get(this.name) as { owner: string; expires_at: number } | undefined;
    return row && row.expires_at > this.now() ? { owner: row.owner, expiresAt: row.expires_at } : undefined;
  }

  close(): void {
    this.db.close();
  }
}

export class LockBusyError extends Error {}

/** Runs `fn` holding the lock, renewing it every ttl/3; throws LockBusyError when another run holds it. */
export async function withLock<T>(lock: SyncLock, owner: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
  if (!(await lock.acquire(owner, ttlMs))) throw new LockBusyError('another sync run holds the lock; try again later');
  const timer = setInterval(() => void lock.heartbeat(owner, ttlMs), Math.max(1000, Math.floor(ttlMs / 3)));
  timer.unref();
  try {
    return await fn();
  } finally {
    clearInterval(timer);
    await lock.release(owner);
  }
}
