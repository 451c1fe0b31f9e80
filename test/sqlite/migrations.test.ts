/**
 * Migrations that rewrite stored data: a store written by an earlier schema opens, is migrated, and answers as a
 * store written by the current one.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer, testSearchContext } from '../helpers/indexing';
import { migrate, migrations } from '../../src/store/sqlite/migrations';
import type { SyncStateRow } from '../../src/store/sync-state';
import { planSearch } from '../../src/fhir/search/plan';
import { tempDir } from '../helpers/tmp';

const plan = (query: [string, string][]) =>
  planSearch(testSearchContext(), ['Location'], query, { defaultCount: 20, maxCount: 1000, strict: true }).plan;

describe('SQLite migrations', () => {
  it('8: the geo index of a version-7 store is rebuilt without auxiliary columns and `near` finds the same points', async () => {
    const dataDir = tempDir();
    const open = () => new SqliteStore({ dataDir }, testIndexer());
    let store = open();
    const locations: (Resource & { id: string })[] = [0.3, 0.1, 0.2].map((dLat, i) => ({
      resourceType: 'Location',
      id: `l${i}`,
      position: { latitude: 45 + dLat, longitude: 4 },
    }));
    await store.transaction((tx) => tx.write(locations.map((resource) => ({ kind: 'put' as const, resource }))));
    store.close();

    // Back to the version-7 layout: the R*Tree with +rid and +pid auxiliary columns, no geo_params.
    const db = new Database(path.join(dataDir, 'ror.sqlite'));
    db.exec(`
      DROP TABLE idx_geo;
      DROP TABLE geo_params;
      CREATE VIRTUAL TABLE idx_geo USING rtree (id, min_lat, max_lat, min_lon, max_lon, +rid INTEGER, +pid INTEGER);
      INSERT INTO idx_geo SELECT rid * 8 + ord, lat, lat, lon, lon, rid, pid FROM idx_geo_point;
      PRAGMA user_version = 7;
    `);
    db.close();

    store = open();
    try {
      expect(store.database.pragma('user_version', { simple: true })).toBe(migrations[migrations.length - 1].version);
      const columns = (store.database.prepare('SELECT * FROM idx_geo LIMIT 1').columns() as { name: string }[]).map((c) => c.name);
      expect(columns).toEqual(['id', 'min_lat', 'max_lat', 'min_lon', 'max_lon', 'min_param', 'max_param']);
      const page = await store.search(plan([['near', '45|4|50|km']]));
      expect(page.entries.map((e) => e.id)).toEqual(['l1', 'l2', 'l0']);
      // a point written after the migration joins the same parameter
      await store.transaction((tx) =>
        tx.write([{ kind: 'put', resource: { resourceType: 'Location', id: 'l3', position: { latitude: 45.05, longitude: 4 } } }]),
      );
      expect((await store.search(plan([['near', '45|4|50|km']]))).entries.map((e) => e.id)).toEqual(['l3', 'l1', 'l2', 'l0']);
      expect((store.database.prepare('SELECT count(*) AS n FROM geo_params').get() as { n: number }).n).toBe(1);
      // every point spans [n, n + 0.5] in the parameter's dimension (see migration 8)
      const spans = store.database.prepare('SELECT DISTINCT max_param - min_param AS d FROM idx_geo').pluck().all();
      expect(spans).toEqual([0.5]);
    } finally {
      store.close();
    }
  });

  it('9: the sync state and lease of a file where the sync kept its own tables (sync_schema) are kept', async () => {
    const dataDir = tempDir();
    // Built as a store of version 8 and the sync of that time built it: the store's migrations up to 8, then the
    // sync's own migration (the former src/sync/sqlite-schema.ts, step 1, recorded in sync_schema).
    const db = new Database(path.join(dataDir, 'ror.sqlite'));
    db.pragma('journal_mode = WAL');
    migrate(db, migrations.filter((m) => m.version <= 8));
    db.exec('CREATE TABLE IF NOT EXISTS sync_schema (version INTEGER NOT NULL)');
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
    `);
    db.prepare('INSERT INTO sync_schema (version) VALUES (?)').run(1);
    const insert = db.prepare('INSERT INTO sync_state (kind, key, hash, resource_id) VALUES (?, ?, ?, ?)');
    insert.run('finess-et', '010000024', 2 ** 48 - 5, null);
    insert.run('finess-et', '010000032', 0, null);
    insert.run('finess-ej', '010000016', 77, 'adopted-by-hand');
    const expiresAt = Date.parse('2030-01-01T00:00:00Z');
    db.prepare('INSERT INTO sync_lock (name, owner, expires_at) VALUES (?, ?, ?)').run('referential-sync', 'host-a:4242:0f3c9e1a', expiresAt);
    expect(db.pragma('user_version', { simple: true })).toBe(8);
    db.close();

    const store = new SqliteStore({ dataDir }, testIndexer());
    const rows = async (kind: string) => {
      const all: SyncStateRow[] = [];
      for await (const page of store.syncStateRows(kind)) all.push(...page);
      return all.sort((a, b) => a.key.localeCompare(b.key));
    };
    try {
      expect(store.database.pragma('user_version', { simple: true })).toBe(migrations[migrations.length - 1].version);
      expect(store.database.prepare("SELECT name FROM sqlite_schema WHERE name = 'sync_schema'").all()).toEqual([]);
      expect(await rows('finess-et')).toEqual([
        { kind: 'finess-et', key: '010000024', hash: 2 ** 48 - 5 },
        { kind: 'finess-et', key: '010000032', hash: 0 },
      ]);
      expect(await rows('finess-ej')).toEqual([{ kind: 'finess-ej', key: '010000016', hash: 77, resourceId: 'adopted-by-hand' }]);
      expect(await store.syncStateSize('finess-et')).toEqual({ count: 2, keyBytes: 18 });
      // the lease held in the old table still holds, and is renewed and released there
      expect(await store.leases.holder('referential-sync')).toEqual({ owner: 'host-a:4242:0f3c9e1a', expiresAt });
      expect(await store.leases.acquire('referential-sync', 'other', 60_000, expiresAt - 1)).toMatchObject({ acquired: false });
      expect(await store.leases.heartbeat('referential-sync', 'host-a:4242:0f3c9e1a', 60_000, expiresAt)).toBe(true);
      await store.leases.release('referential-sync', 'host-a:4242:0f3c9e1a');
      expect(await store.leases.holder('referential-sync')).toBeUndefined();
      // new rows join the kept ones
      await store.transaction((tx) => tx.saveSyncState([{ kind: 'finess-et', key: '010000040', hash: 5 }]));
      expect((await store.syncStateSize('finess-et')).count).toBe(3);
    } finally {
      await store.close();
    }
  });
});
