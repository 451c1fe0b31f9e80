/**
 * The SQLite leases (table `sync_lock`, the name it had when only the sync used it; migration 9). Changes run on
 * the writer connection through `exclusive`, the store's transaction lock: between transactions, never inside
 * another caller's. Reading the holder needs no lock: it is read on the read-only connection.
 */
import type Database from 'better-sqlite3';
import type { Acquisition, Lease, LeaseStore } from '../leases';

interface LeaseRow {
  owner: string;
  expires_at: number;
}

export class SqliteLeases implements LeaseStore {
  private readonly take: Database.Statement<{ name: string; owner: string; until: number; now: number }>;
  private readonly current: Database.Statement<[string], LeaseRow>;
  private readonly currentOnReader: Database.Statement<[string], LeaseRow>;
  private readonly renew: Database.Statement<[number, string, string]>;
  private readonly remove: Database.Statement<[string, string]>;
  private readonly replace: Database.Statement<[string, number, string, string]>;
  private readonly acquireOrName: (name: string, owner: string, ttlMs: number, now: number) => Acquisition;

  constructor(
    writer: Database.Database,
    reader: Database.Database,
    private readonly exclusive: <T>(fn: () => T) => Promise<T>,
  ) {
    // Inserts a free lease, or replaces an expired one or the owner's own; leaves another's live lease alone.
    this.take = writer.prepare(
      `INSERT INTO sync_lock (name, owner, expires_at) VALUES (@name, @owner, @until)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE sync_lock.expires_at <= @now OR sync_lock.owner = excluded.owner`,
    );
    this.current = writer.prepare('SELECT owner, expires_at FROM sync_lock WHERE name = ?');
    this.currentOnReader = reader.prepare('SELECT owner, expires_at FROM sync_lock WHERE name = ?');
    this.renew = writer.prepare('UPDATE sync_lock SET expires_at = ? WHERE name = ? AND owner = ?');
    this.remove = writer.prepare('DELETE FROM sync_lock WHERE name = ? AND owner = ?');
    this.replace = writer.prepare('UPDATE sync_lock SET owner = ?, expires_at = ? WHERE name = ? AND owner = ?');
    // One transaction, so the holder named is the one that kept the lease.
    this.acquireOrName = writer.transaction((name: string, owner: string, ttlMs: number, now: number): Acquisition => {
      if (this.take.run({ name, owner, until: now + ttlMs, now }).changes === 1) return { acquired: true };
      return { acquired: false, holder: toLease(this.current.get(name)!) };
    });
  }

  acquire(name: string, owner: string, ttlMs: number, now: number): Promise<Acquisition> {
    return this.exclusive(() => this.acquireOrName(name, owner, ttlMs, now));
  }

  heartbeat(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return this.exclusive(() => this.renew.run(now + ttlMs, name, owner).changes === 1);
  }

  async release(name: string, owner: string): Promise<void> {
    await this.exclusive(() => this.remove.run(name, owner));
  }

  async holder(name: string): Promise<Lease | undefined> {
    const row = this.currentOnReader.get(name);
    return row && toLease(row);
  }

  takeOver(name: string, previousOwner: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return this.exclusive(() => this.replace.run(owner, now + ttlMs, name, previousOwner).changes === 1);
  }
}

function toLease(row: LeaseRow): Lease {
  return { owner: row.owner, expiresAt: row.expires_at };
}
