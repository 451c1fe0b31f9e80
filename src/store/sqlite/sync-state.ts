/**
 * The SQLite sync state (table `sync_state`, migration 9): rows are saved on the writer connection inside the
 * store's transactions, and read on the read-only connection.
 */
import type Database from 'better-sqlite3';
import type { SyncStateRow, SyncStateSize } from '../sync-state';

type RawRow = [key: string, hash: number, resourceId: string | null];

/**
 * Rows per page. Each page is one complete statement: a statement left open on the reader between pages would
 * make every other read on that connection (the server's searches) fail while a run loads its state.
 */
const PAGE = 10_000;

export class SqliteSyncState {
  private readonly upsert: Database.Statement<[string, string, number, string | null]>;
  private readonly size: Database.Statement<[string], { n: number; bytes: number | null }>;
  private readonly firstPage: Database.Statement<[string, number], RawRow>;
  private readonly nextPage: Database.Statement<[string, string, number], RawRow>;
  private readonly one: Database.Statement<[string, string], RawRow>;

  constructor(writer: Database.Database, reader: Database.Database) {
    this.upsert = writer.prepare(
      `INSERT INTO sync_state (kind, key, hash, resource_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET hash = excluded.hash, resource_id = excluded.resource_id`,
    );
    this.size = reader.prepare('SELECT count(*) AS n, sum(length(CAST(key AS BLOB))) AS bytes FROM sync_state WHERE kind = ?');
    // Pages in key order, each starting after the last key of the previous one (the primary key's order).
    this.firstPage = reader.prepare<[string, number], RawRow>('SELECT key, hash, resource_id FROM sync_state WHERE kind = ? ORDER BY key LIMIT ?').raw();
    this.one = reader.prepare<[string, string], RawRow>('SELECT key, hash, resource_id FROM sync_state WHERE kind = ? AND key = ?').raw();
    this.nextPage = reader.prepare<[string, string, number], RawRow>('SELECT key, hash, resource_id FROM sync_state WHERE kind = ? AND key > ? ORDER BY key LIMIT ?').raw();
  }

  /** Inside the store's open transaction. */
  save(rows: SyncStateRow[]): void {
    for (const r of rows) this.upsert.run(r.kind, r.key, r.hash, r.resourceId ?? null);
  }

  sizeOf(kind: string): SyncStateSize {
    const { n, bytes } = this.size.get(kind)!;
    return { count: n, keyBytes: bytes ?? 0 };
  }

  row(kind: string, key: string): SyncStateRow | undefined {
    const r = this.one.get(kind, key);
    if (!r) return undefined;
    return r[2] === null ? { kind, key, hash: r[1] } : { kind, key, hash: r[1], resourceId: r[2] };
  }

  async *rows(kind: string): AsyncGenerator<SyncStateRow[]> {
    let page = this.firstPage.all(kind, PAGE);
    while (page.length) {
      yield page.map(([key, hash, id]) => (id === null ? { kind, key, hash } : { kind, key, hash, resourceId: id }));
      if (page.length < PAGE) return;
      page = this.nextPage.all(kind, page[page.length - 1][0], PAGE);
    }
  }
}
