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
  {
    version: 2,
    description: 'search index tables (one per value kind), rows keyed by resource rid; see search-index.ts',
    up: (db) => {
      // pid = hash of (resource type, parameter code), see search-index.ts. grp = element instance (0 = none).
      // WITHOUT ROWID tables clustered on rid: replacing a resource's rows is one range delete; the secondary
      // indexes are covering (they carry the primary key) so searches never touch the table itself.
      db.exec(`
        CREATE TABLE idx_string (
          rid INTEGER NOT NULL, pid INTEGER NOT NULL, ord INTEGER NOT NULL, grp INTEGER NOT NULL,
          norm TEXT NOT NULL, exact TEXT NOT NULL,
          PRIMARY KEY (rid, pid, ord)) WITHOUT ROWID;
        CREATE INDEX idx_string_value ON idx_string (pid, norm, exact);
        CREATE TABLE idx_token (
          rid INTEGER NOT NULL, pid INTEGER NOT NULL, ord INTEGER NOT NULL, grp INTEGER NOT NULL,
          system TEXT, value TEXT, text TEXT, type_system TEXT, type_code TEXT,
          PRIMARY KEY (rid, pid, ord)) WITHOUT ROWID;
        CREATE INDEX idx_token_value ON idx_token (pid, value, system);
        CREATE INDEX idx_token_system ON idx_token (pid, system, value);
        CREATE TABLE idx_ref (
          rid INTEGER NOT NULL, pid INTEGER NOT NULL, ord INTEGER NOT NULL, grp INTEGER NOT NULL,
          target_type TEXT, target_id TEXT, url TEXT,
          PRIMARY KEY (rid, pid, ord)) WITHOUT ROWID;
        CREATE INDEX idx_ref_target ON idx_ref (pid, target_id, target_type);
        CREATE INDEX idx_ref_url ON idx_ref (pid, url) WHERE url IS NOT NULL;
        CREATE TABLE idx_date (
          rid INTEGER NOT NULL, pid INTEGER NOT NULL, ord INTEGER NOT NULL, grp INTEGER NOT NULL,
          lo INTEGER NOT NULL, hi INTEGER NOT NULL,
          PRIMARY KEY (rid, pid, ord)) WITHOUT ROWID;
        CREATE INDEX idx_date_lo ON idx_date (pid, lo, hi);
        CREATE INDEX idx_date_hi ON idx_date (pid, hi, lo);
        CREATE TABLE idx_number (
          rid INTEGER NOT NULL, pid INTEGER NOT NULL, ord INTEGER NOT NULL, grp INTEGER NOT NULL,
          value REAL NOT NULL, lo REAL NOT NULL, hi REAL NOT NULL, system TEXT, unit TEXT,
          PRIMARY KEY (rid, pid, ord)) WITHOUT ROWID;
        CREATE INDEX idx_number_value ON idx_number (pid, value, unit, system, lo, hi);
        CREATE TABLE idx_geo_point (
          rid INTEGER NOT NULL, pid INTEGER NOT NULL, ord INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
          PRIMARY KEY (rid, pid, ord)) WITHOUT ROWID;
        CREATE VIRTUAL TABLE idx_geo USING rtree (id, min_lat, max_lat, min_lon, max_lon, +rid INTEGER, +pid INTEGER);
        CREATE TABLE idx_text (rid INTEGER PRIMARY KEY, narrative TEXT NOT NULL, content TEXT NOT NULL);
        CREATE INDEX resources_type_updated ON resources (resource_type, last_updated);
      `);
    },
  },
  {
    version: 3,
    description: 'token and reference lookups ordered by rid, so default-order pages seek straight to their cursor',
    up: (db) => {
      // (pid, value, rid): the rows of one code come in rid order, which is the default search order; a page
      // then reads from its keyset cursor on and stops after _count rows, whatever the page number.
      db.exec(`
        DROP INDEX idx_token_value;
        CREATE INDEX idx_token_value ON idx_token (pid, value, rid, system);
        DROP INDEX idx_ref_target;
        CREATE INDEX idx_ref_target ON idx_ref (pid, target_id, rid, target_type);
      `);
    },
  },
  {
    version: 4,
    description: 'outbox: messages written with the change that caused them (subscription notifications), leased to a deliverer',
    up: (db) => {
      // Times in ms since epoch. A queue's head is its smallest id; (queue, id) finds it, (next_attempt_at) the due ones.
      db.exec(`
        CREATE TABLE outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          queue TEXT NOT NULL,
          payload TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          next_attempt_at INTEGER NOT NULL,
          lease_until INTEGER NOT NULL DEFAULT 0,
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT
        );
        CREATE INDEX outbox_queue ON outbox (queue, id);
        CREATE INDEX outbox_due ON outbox (next_attempt_at);
      `);
    },
  },
  {
    version: 5,
    description: 'no (pid, system, value) token index: 17% of the WAL pages a created Organization writes',
    up: (db) => {
      // Every token row paid a second random B-tree insert for the rare `system|` search without a code, which
      // idx_token_value (pid, value, rid, system) answers as well, by reading the parameter's rows in that index.
      db.exec('DROP INDEX idx_token_system;');
    },
  },
  {
    version: 6,
    description: 'deferred_indexes: secondary indexes dropped for a bulk load, to create when it ends (deferred-indexes.ts)',
    up: (db) => {
      db.exec('CREATE TABLE deferred_indexes (name TEXT PRIMARY KEY, sql TEXT NOT NULL);');
    },
  },
  {
    version: 7,
    description: 'resources by (type, deleted), i.e. in rid order within a type: a page of a type without conditions',
    up: (db) => {
      // `GET /Practitioner` (no condition, default order) sorted every current Practitioner to return 20
      // (BENCHMARKS.md, "Measurements behind the code"). This index holds the rowid (rid) after its columns, so a type's live resources come in rid
      // order and a page reads from its cursor on. Its inserts are appends within a type.
      db.exec('CREATE INDEX resources_type_live ON resources (resource_type, deleted);');
    },
  },
  {
    version: 8,
    description: 'idx_geo without auxiliary columns: the parameter is a third R*Tree dimension, the rid comes from the id',
    up: (db) => {
      // An R*Tree keeps auxiliary columns (+rid, +pid) in a shadow table: reading them cost one B-tree seek per point
      // of the box, most of the time of a small box (BENCHMARKS.md, "Measurements behind the code"). The id already holds the
      // rid (rid * 8 + ord); the parameter becomes a small number (geo_params.n, exact in the R*Tree's 32-bit
      // floats) stored as a third dimension [n, n + 0.5], which the tree itself filters on. Not [n, n]: a
      // dimension without extent gives every box a zero volume, which the R*Tree's insertion heuristics compare,
      // and the tree they built answered the same box thirty times slower.
      db.exec(`
        CREATE TABLE geo_params (n INTEGER PRIMARY KEY, pid INTEGER NOT NULL UNIQUE);
        INSERT INTO geo_params (pid) SELECT DISTINCT pid FROM idx_geo_point ORDER BY pid;
        DROP TABLE idx_geo;
        CREATE VIRTUAL TABLE idx_geo USING rtree (id, min_lat, max_lat, min_lon, max_lon, min_param, max_param);
        INSERT INTO idx_geo
          SELECT p.rid * 8 + p.ord, p.lat, p.lat, p.lon, p.lon, g.n, g.n + 0.5
          FROM idx_geo_point p JOIN geo_params g ON g.pid = p.pid;
      `);
    },
  },
  {
    version: 9,
    description: 'sync_state and sync_lock (leases) join the store schema; those the sync created itself are kept',
    up: (db) => {
      // Until this version the sync created these two tables with its own migration, versioned in `sync_schema`:
      // a store opened on such a file keeps their rows as they are (without its fingerprints, the next nightly
      // would re-map the whole country). The names stay, so that a process of the previous version still running
      // on the file (a server not yet restarted) keeps excluding the new one's runs through the same lease row.
      db.exec(`
        CREATE TABLE IF NOT EXISTS sync_state (
          kind TEXT NOT NULL,
          key TEXT NOT NULL,
          hash INTEGER NOT NULL,
          resource_id TEXT,
          PRIMARY KEY (kind, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS sync_lock (
          name TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        );
        DROP TABLE IF EXISTS sync_schema;
      `);
    },
  },
  {
    version: 10,
    description: 'api_clients, signing_keys and assertion_jti: the API clients, the token-signing keys, the replay cache (auth.ts)',
    up: (db) => {
      // Each client and key is kept whole as JSON (the port's shape); the columns are what is looked up or ordered by.
      // IF NOT EXISTS: a file whose user_version was set back (as a test of an earlier migration does) keeps them.
      db.exec(`
        CREATE TABLE IF NOT EXISTS api_clients (
          client_id TEXT PRIMARY KEY,
          mtls_subject TEXT,
          json TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS api_clients_mtls ON api_clients (mtls_subject) WHERE mtls_subject IS NOT NULL;
        CREATE TABLE IF NOT EXISTS signing_keys (
          kid TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          retired_at TEXT,
          json TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS assertion_jti (
          client_id TEXT NOT NULL,
          jti TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          PRIMARY KEY (client_id, jti)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 11,
    description: 'export_jobs: bulk $export jobs, kept across restarts (export-jobs.ts)',
    up: (db) => {
      // The exporter's parameters and progress are JSON (state); the columns are what is looked up or ordered by.
      db.exec(`
        CREATE TABLE IF NOT EXISTS export_jobs (
          id TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          status TEXT NOT NULL,
          request TEXT NOT NULL,
          transaction_time TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          expires_at INTEGER,
          state TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS export_jobs_status ON export_jobs (status, created_at);
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
