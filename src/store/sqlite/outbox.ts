/**
 * The SQLite outbox (table `outbox`, migration 4): messages enqueued inside write transactions, claimed under a
 * lease by a deliverer. Every statement runs on the writer connection, and the store calls these methods only
 * while it holds its transaction lock: a claim never interleaves with another transaction's statements.
 */
import type Database from 'better-sqlite3';
import type { OutboxBacklog, OutboxClaim, OutboxItem, OutboxMessage } from '../store';

interface OutboxRow {
  id: number;
  queue: string;
  payload: string;
  attempts: number;
  created_at: number;
  last_error: string | null;
}

export class SqliteOutbox {
  private readonly insert: Database.Statement;
  private readonly heads: Database.Statement<{ now: number; limit: number; lo: string; hi: string; inside: number }, OutboxRow>;
  private readonly lease: Database.Statement<{ id: number; until: number }>;
  private readonly remove: Database.Statement<[number]>;
  private readonly reschedule: Database.Statement<{ id: number; at: number; error: string }>;
  private readonly claimAll: (claim: OutboxClaim) => OutboxItem[];
  private readonly removeAll: (ids: number[]) => void;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO outbox (queue, payload, created_at, next_attempt_at) VALUES (@queue, @payload, @now, @now)`,
    );
    // The head of each queue (no older message in the same queue), when it is due and not leased.
    this.heads = db.prepare(
      `SELECT o.id, o.queue, o.payload, o.attempts, o.created_at, o.last_error FROM outbox o
       WHERE o.next_attempt_at <= @now AND o.lease_until <= @now
         AND ((o.queue >= @lo AND o.queue < @hi) = @inside)
         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.queue = o.queue AND p.id < o.id)
       ORDER BY o.next_attempt_at, o.id LIMIT @limit`,
    );
    this.lease = db.prepare('UPDATE outbox SET attempts = attempts + 1, lease_until = @until WHERE id = @id');
    this.remove = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.reschedule = db.prepare(
      'UPDATE outbox SET next_attempt_at = @at, lease_until = 0, last_error = @error WHERE id = @id',
    );
    // One commit for many: each commit waits for the disk (synchronous = FULL).
    this.removeAll = db.transaction((ids: number[]) => {
      for (const id of ids) this.remove.run(id);
    });
    this.claimAll = db.transaction((claim: OutboxClaim) => {
      // Queues named [lo, hi): every name starting with the prefix (no prefix: every name, U+10FFFF sorts last).
      const prefix = claim.queues?.prefix ?? '';
      const inside = claim.queues?.not ? 0 : 1;
      const rows = this.heads.all({ now: claim.now, limit: claim.limit, lo: prefix, hi: `${prefix}\u{10FFFF}`, inside });
      for (const row of rows) this.lease.run({ id: row.id, until: claim.now + claim.leaseMs });
      return rows.map((row) => ({
        id: String(row.id),
        queue: row.queue,
        payload: row.payload,
        attempts: row.attempts + 1,
        createdAt: row.created_at,
        ...(row.last_error !== null ? { lastError: row.last_error } : {}),
      }));
    });
  }

  /** Inside an open transaction. */
  enqueue(messages: OutboxMessage[], now: number): void {
    for (const m of messages) this.insert.run({ queue: m.queue, payload: m.payload, now });
  }

  claim(claim: OutboxClaim): OutboxItem[] {
    if (claim.limit <= 0) return [];
    return this.claimAll(claim);
  }

  complete(ids: readonly string[]): void {
    const rows = ids.map(toRowId).filter((n): n is number => n !== undefined);
    if (rows.length) this.removeAll(rows);
  }

  retry(id: string, nextAttemptAt: number, error: string): void {
    const n = toRowId(id);
    if (n !== undefined) this.reschedule.run({ id: n, at: nextAttemptAt, error });
  }
}

/**
 * The backlog of the queues starting with `prefix`, read on `db` (the reader connection: it waits for no write).
 * A range of the (queue, id) index, so it costs the number of waiting messages, not the table.
 */
export function outboxBacklog(db: Database.Database, prefix: string): OutboxBacklog {
  const row = db
    .prepare<[string, string], { waiting: number; failing: number | null; oldest: number | null }>(
      'SELECT count(*) AS waiting, sum(last_error IS NOT NULL) AS failing, min(created_at) AS oldest FROM outbox WHERE queue >= ? AND queue < ?',
    )
    .get(prefix, `${prefix}\u{10FFFF}`)!;
  return { waiting: row.waiting, failing: row.failing ?? 0, ...(row.oldest !== null ? { oldestCreatedAt: row.oldest } : {}) };
}

function toRowId(id: string): number | undefined {
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : undefined;
}
