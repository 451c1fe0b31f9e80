/**
 * Migrations that rewrite stored data: a store written by an earlier schema opens, is migrated, and answers as a
 * store written by the current one.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer } from '../helpers/indexing';
import { planSearch } from '../../src/fhir/search/plan';
import { tempDir } from '../helpers/tmp';

const plan = (query: [string, string][]) =>
  planSearch(testIndexer().registry, ['Location'], query, { defaultCount: 20, maxCount: 1000, strict: true }).plan;

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
      expect(store.database.pragma('user_version', { simple: true })).toBe(8);
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
});
