/**
 * Secondary indexes built after a bulk load rather than row by row during it.
 *
 * Loading millions of resources into an empty store inserts each index row at a random place of its B-tree; once
 * the indexes outgrow the page cache every insert reads and rewrites pages all over the file. Dropped before the
 * load and created after it, each index is built in one sorted pass instead, which made a first import about a fifth
 * faster at scale 0.05, index builds included, a gain that grows with the size of the indexes (BENCHMARKS.md, "Measurements behind the code").
 *
 * Searches stay correct during a load, only slower (the capacity searches' index hint is dropped while its index
 * is missing, search-index.ts).
 *
 * Crash safety: the SQL of every dropped index is recorded in `deferred_indexes` in the transaction that drops
 * it, and removed in the one that recreates it; a store opening with rows there rebuilds them first.
 * The unique constraints (resource type + id, rid + version) are not deferred: they keep the store consistent and
 * serve reads by id during the load.
 */
import type Database from 'better-sqlite3';

/**
 * The search tables' value indexes: a load inserts their keys (parameter, value) in random order. The indexes of
 * `resources` and `resource_history` are not deferred: their keys ((type, last_updated), (type, deleted, rid),
 * (type, seq), last_updated) grow with every write, so the load appends to them, and building them afterwards
 * would read the whole table once per index (national import: 134 s for the four, the JSON rows being ~13 GB).
 */
const DEFERRABLE_TABLES = ['idx_string', 'idx_token', 'idx_ref', 'idx_date', 'idx_number'];

/** Drops the deferrable indexes (recording them); returns their names. Runs in its own transaction. */
export function deferIndexes(db: Database.Database): string[] {
  return db.transaction(() => {
    const indexes = db
      .prepare(
        `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL
         AND tbl_name IN (${DEFERRABLE_TABLES.map(() => '?').join(', ')}) ORDER BY name`,
      )
      .all(...DEFERRABLE_TABLES) as { name: string; sql: string }[];
    const record = db.prepare('INSERT OR REPLACE INTO deferred_indexes (name, sql) VALUES (?, ?)');
    for (const { name, sql } of indexes) {
      record.run(name, sql);
      db.exec(`DROP INDEX "${name}"`);
    }
    return indexes.map((i) => i.name);
  })();
}

/** Creates the recorded indexes, each in its own transaction (a crash keeps the ones already built). */
export function rebuildDeferredIndexes(db: Database.Database): string[] {
  const pending = db.prepare('SELECT name, sql FROM deferred_indexes ORDER BY name').all() as { name: string; sql: string }[];
  if (!pending.length) return [];
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?");
  const done = db.prepare('DELETE FROM deferred_indexes WHERE name = ?');
  // CREATE INDEX sorts every row of the table: with the writer's temp_store = MEMORY (sqlite-store.ts) the sort
  // of a national token table stays in RAM (3.3 GiB of anonymous memory measured); on temporary files it spills.
  const tempStore = db.pragma('temp_store', { simple: true }) as number;
  db.pragma('temp_store = FILE');
  try {
    for (const { name, sql } of pending) {
      db.transaction(() => {
        if (!exists.get(name)) db.exec(sql);
        done.run(name);
      })();
      // The new index is in the WAL now (a national token index: GBs). Every page read looks the page up in the
      // WAL's index first, a hash table per 4,096 frames, so reads slow down as the WAL grows: copy it into the
      // database before the next index reads its table (the copy is owed anyway; the close would do it).
      db.pragma('wal_checkpoint(TRUNCATE)');
    }
  } finally {
    db.pragma(`temp_store = ${tempStore}`);
  }
  return pending.map((p) => p.name);
}
