/**
 * The sync's own tables in the store's SQLite file (the store's migrations are not ours to edit): reconciliation
 * state and the run lock. Versioned in `sync_schema`; each step runs once, in order, in a transaction.
 */
import type Database from 'better-sqlite3';

const steps: ((db: Database.Database) => void)[] = [
  (db) =>
    db.exec(`
      CREATE TABLE sync_state (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        hash INTEGER NOT NULL,
        resource_id TEXT,
        PRIMARY KEY (kind, key)
      ) WITHOUT ROWID;
      CREATE TABLE sync_lock (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `),
];

export function migrateSyncSchema(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS sync_schema (version INTEGER NOT NULL)');
  const run = db.transaction(() => {
    const row = db.prepare('SELECT version FROM sync_schema').get() as { version: number } | undefined;
    const current = row?.version ?? 0;
    for (let v = current; v < steps.length; v++) steps[v](db);
    if (!row) db.prepare('INSERT INTO sync_schema (version) VALUES (?)').run(steps.length);
    else if (current < steps.length) db.prepare('UPDATE sync_schema SET version = ?').run(steps.length);
  });
  run.immediate();
}
