/**
 * Query plans the SQLite search relies on for pages that cost the same whatever their number (EXPLAIN QUERY PLAN):
 * a default-order page must read its rows in rid order from an index and stop after `_count`, never sort all
 * matches first. Pages that must sort their candidates (`near`, `_has`) sort keys, not resources.
 */
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { createSqliteSearchIndex, explainSearch } from '../../src/store/sqlite/search-index';
import { testIndexer, testSearchContext } from '../helpers/indexing';
import { distanceKm } from '../../src/indexing/geo';
import { planSearch } from '../../src/fhir/search/plan';
import { tempDir } from '../helpers/tmp';

describe('SQLite search plans', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
    const practitioners: (Resource & { id: string })[] = Array.from({ length: 50 }, (_, i) => ({ resourceType: 'Practitioner', id: `p${i}`, active: true }));
    // 40 Locations on a line north of (45, 4), one every 0.01° of latitude (~1.1 km), each with a role pointing to it
    const locations: (Resource & { id: string })[] = Array.from({ length: 40 }, (_, i) => ({
      resourceType: 'Location',
      id: `l${i}`,
      status: 'active',
      managingOrganization: { reference: `Organization/o${i % 20}` },
      position: { latitude: 45 + i / 100, longitude: 4 },
    }));
    const roles: (Resource & { id: string })[] = locations.map((l, i) => ({
      resourceType: 'PractitionerRole',
      id: `r${i}`,
      active: true,
      location: [{ reference: `Location/${l.id}` }],
    }));
    const organizations: (Resource & { id: string })[] = Array.from({ length: 20 }, (_, i) => ({
      resourceType: 'Organization',
      id: `o${i}`,
      identifier: [{ system: 'urn:o', value: `o${i}` }],
    }));
    await store.transaction((tx) =>
      tx.write([...practitioners, ...organizations, ...locations, ...roles].map((resource) => ({ kind: 'put' as const, resource }))),
    );
  });
  afterAll(() => store.close());

  const plan = (query: [string, string][], type = 'Practitioner') =>
    planSearch(testSearchContext(), [type], query, { defaultCount: 20, maxCount: 1000, strict: true }).plan;

  it('reads a page of a type without conditions in rid order, with no sort of every resource of the type', async () => {
    const steps = explainSearch(store.database, testIndexer(), plan([]));
    expect(steps.join(' | ')).toMatch(/USING (COVERING )?INDEX resources_type_live/);
    expect(steps.join(' | ')).not.toMatch(/TEMP B-TREE/);
    const page = await store.search(plan([['_count', '20']]));
    expect(page.entries.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
  });

  it('computes the distance of each `near` candidate once, on every page', async () => {
    const near = plan([['near', '45|4|20|km'], ['_count', '5']], 'Location');
    explainSearch(store.database, testIndexer(), near); // registers geo_km on the connection, replaced below by a counting one
    let calls = 0;
    store.database.function('geo_km', { deterministic: true }, (a, b, c, d) => {
      calls++;
      return distanceKm(Number(a), Number(b), Number(c), Number(d));
    });
    const index = createSqliteSearchIndex(testIndexer());
    try {
      // The box of a 20 km circle holds the Locations up to ~20 km north: l0…l17 (l18 is just past 20 km)
      const first = index.search(store.database, near);
      expect(first.entries.map((e) => e.id)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4']);
      const inBox = calls;
      expect(inBox).toBeGreaterThanOrEqual(18);
      expect(inBox).toBeLessThanOrEqual(19);
      calls = 0;
      const second = index.search(store.database, { ...near, cursor: first.next });
      expect(second.entries.map((e) => e.id)).toEqual(['l5', 'l6', 'l7', 'l8', 'l9']);
      expect(calls).toBe(inBox);
    } finally {
      store.database.function('geo_km', { deterministic: true }, (a, b, c, d) => distanceKm(Number(a), Number(b), Number(c), Number(d)));
    }
  });

  it('checks a condition broader than the `near` box per candidate, and a narrower one as a set', async () => {
    // 40 active Locations. A 2 km box holds 2 or 3 of them: `status=active` (40 rows) is probed per candidate.
    const narrowBox = plan([['near', '45|4|2|km'], ['status', 'active']], 'Location');
    const probed = explainSearch(store.database, testIndexer(), narrowBox).join(' | ');
    expect(probed).toMatch(/SEARCH t0 EXISTS USING PRIMARY KEY \(rid=\?\)/);
    expect(probed).not.toMatch(/LIST SUBQUERY/);
    expect((await store.search(narrowBox)).entries.map((e) => e.id)).toEqual(['l0', 'l1']);
    // A 50 km box holds all 40: the 40 rows of `status=active` are no more than twice that, read as one set.
    const wideBox = plan([['near', '45|4|50|km'], ['status', 'active'], ['_count', '3']], 'Location');
    const set = explainSearch(store.database, testIndexer(), wideBox).join(' | ');
    expect(set).toMatch(/LIST SUBQUERY/);
    expect((await store.search(wideBox)).entries.map((e) => e.id)).toEqual(['l0', 'l1', 'l2']);
    expect((await store.search(plan([['near', '45|4|2|km'], ['status', 'suspended']], 'Location'))).entries).toEqual([]);
  });

  it('reads the candidates of a condition much smaller than the `near` box from that condition, same order and paging', async () => {
    // The 50 km box holds the 40 Locations; `organization=Organization/o3` has 2 (l3, l23): fewer than 40 / 16.
    const small = plan([['near', '45|4|50|km'], ['organization', 'Organization/o3'], ['_count', '1']], 'Location');
    const steps = explainSearch(store.database, testIndexer(), small).join(' | ');
    expect(steps).toMatch(/SEARCH t USING (COVERING )?INDEX idx_ref_target/);
    expect(steps).toMatch(/SCAN g VIRTUAL TABLE INDEX 1:/); // the tree's points found by id
    const first = await store.search(small);
    expect(first.entries.map((e) => e.id)).toEqual(['l3']);
    const second = await store.search({ ...small, cursor: first.next });
    expect(second.entries.map((e) => e.id)).toEqual(['l23']);
    expect(second.next).toBeUndefined();
    // with another small condition, probed per candidate, and a box that leaves one of the two out
    const both = plan([['near', '45|4|20|km'], ['organization', 'Organization/o3'], ['status', 'active']], 'Location');
    expect((await store.search(both)).entries.map((e) => e.id)).toEqual(['l3']);
    // the box-driven plan gives the same answer when the condition is not that small (a sixth of the box)
    const wide = plan([['near', '45|4|50|km'], ['organization', 'Organization/o3,Organization/o4,Organization/o5']], 'Location');
    expect(explainSearch(store.database, testIndexer(), wide).join(' | ')).toMatch(/SCAN g VIRTUAL TABLE INDEX 2:/);
    expect((await store.search(wide)).entries.map((e) => e.id)).toEqual(['l3', 'l4', 'l5', 'l23', 'l24', 'l25']);
  });

  it('reads the candidates of a chain to a few targets from their references (`organization.identifier=…`)', async () => {
    const chain = plan([['near', '45|4|50|km'], ['organization.identifier', 'urn:o|o3']], 'Location');
    const steps = explainSearch(store.database, testIndexer(), chain).join(' | ');
    expect(steps).toMatch(/SEARCH ref USING (COVERING )?INDEX idx_ref_target/);
    expect(steps).toMatch(/SCAN g VIRTUAL TABLE INDEX 1:/);
    expect((await store.search(chain)).entries.map((e) => e.id)).toEqual(['l3', 'l23']);
    // every organization matches `urn:o|`: the chain is not small, the box drives, same kind of answer
    const broad = plan([['near', '45|4|3|km'], ['organization.identifier', 'urn:o|']], 'Location');
    expect(explainSearch(store.database, testIndexer(), broad).join(' | ')).toMatch(/SCAN g VIRTUAL TABLE INDEX 2:/);
    expect((await store.search(broad)).entries.map((e) => e.id)).toEqual(['l0', 'l1', 'l2']);
  });

  it('answers a `_has` page from index rows and the (type, id) index, reading no source row', async () => {
    const has = plan([['_has:PractitionerRole:location:active', 'true'], ['_count', '5']], 'Location');
    const steps = explainSearch(store.database, testIndexer(), has).join(' | ');
    expect(steps).toMatch(/COVERING INDEX sqlite_autoindex_resources_1/);
    // the only row lookups by rid are those of the page (the outer `r`), never of the sources
    expect(steps.match(/USING INTEGER PRIMARY KEY/g)).toHaveLength(1);
    const page = await store.search(has);
    expect(page.entries.map((e) => e.id)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4']);
  });
});
