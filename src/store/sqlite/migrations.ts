/**
 * Versioned schema migrations for the SQLite store. Each migration runs once, in order, inside a transaction;
 * `PRAGMA user_version` records the last one applied. Append new migrations; never edit an applied one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up: (db: Database.Database) => void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    description: 'resources (current versions) and resource_history (every version, deletions included)',
    up: (db) => {
      db.exec(`
        CREATE TABLE resources (
          rid INTEGER PRIMARY KEY,
          resource_type TEXT NOT NULL,
          id TEXT NOT NULL,
          version INTEGER NOT NULL,
          last_updated TEXT NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          json TEXT NOT NULL,
          UNIQUE (resource_type, id)
        );
        CREATE TABLE resource_history (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          rid INTEGER NOT NULL,
          resource_type TEXT NOT NULL,
          id TEXT NOT NULL,
          version INTEGER NOT NULL,
          last_updated TEXT NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          json TEXT NOT NULL,
          UNIQUE (rid, version)
        );
        CREATE INDEX resource_history_type ON resource_history (resource_type, seq);
        CREATE INDEX resource_history_updated ON resource_history (last_updated);
      `);
    },
  },
];

/** Applies pending migrations; refuses a database written by a newer version of the server. */
export function migrate(db: Database.Database, list: Migration[] = migrations): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = list.length ? list[list.length - 1].version : 0;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this server knows (${latest}); upgrade the server`);
  }
  for (const m of list) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
