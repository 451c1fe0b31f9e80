/**
 * Index rows of an updated resource (src/store/sqlite/search-write.ts): only the rows whose values changed are
 * deleted or inserted; the others stay. Whatever the history of updates, a resource's rows are exactly those a
 * fresh write of its current version produces (ord aside, which only makes the key unique).
 */
import type { Bundle, Location, Organization, Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer, testSearchServices } from '../helpers/indexing';
import { searchInteraction } from '../../src/fhir/interactions/search';
import { tempDir } from '../helpers/tmp';

type WithId<T> = T & { id: string };

const TABLES = ['idx_string', 'idx_token', 'idx_ref', 'idx_date', 'idx_number'];

/** Every index row of a resource, ord left out, sorted: what must not depend on the path that led to it. */
function rowsOf(store: SqliteStore, type: string, id: string): string[] {
  const db = store.database;
  const { rid } = db.prepare('SELECT rid FROM resources WHERE resource_type = ? AND id = ?').get(type, id) as { rid: number };
  const out: string[] = [];
  for (const t of TABLES) {
    for (const row of db.prepare(`SELECT * FROM ${t} WHERE rid = ?`).all(rid) as Record<string, unknown>[]) {
      const { rid: _r, ord: _o, ...rest } = row;
      out.push(`${t} ${JSON.stringify(rest)}`);
    }
  }
  for (const t of ['idx_geo_point', 'idx_text']) {
    for (const row of db.prepare(`SELECT * FROM ${t} WHERE rid = ?`).all(rid) as Record<string, unknown>[]) {
      const { rid: _r, content, ...rest } = row;
      // _content holds the version's lastUpdated: compare the rest of it.
      out.push(`${t} ${JSON.stringify({ ...rest, content: typeof content === 'string' ? content.replace(/\S*t\d\d:\d\d:\S*/g, '') : undefined })}`);
    }
  }
  return out.sort();
}

function ordsOf(store: SqliteStore, id: string): Map<string, number> {
  const db = store.database;
  const { rid } = db.prepare("SELECT rid FROM resources WHERE resource_type = 'Organization' AND id = ?").get(id) as { rid: number };
  const rows = db.prepare('SELECT ord, norm FROM idx_string WHERE rid = ?').all(rid) as { ord: number; norm: string }[];
  return new Map(rows.map((r) => [r.norm, r.ord]));
}

describe('SQLite index rows of updated resources', () => {
  let store: SqliteStore;
  let fresh: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
    fresh = new SqliteStore({ dataDir: tempDir() }, testIndexer());
  });
  afterEach(async () => {
    await store.close();
    await fresh.close();
  });

  const put = (s: SqliteStore, resource: WithId<Resource>) => s.transaction((tx) => tx.write([{ kind: 'put', resource }]));
  const ids = async (query: string, type = 'Organization') => {
    const b: Bundle = await searchInteraction(
      store,
      testSearchServices(),
      { resourceTypes: [type], params: [...new URLSearchParams(query).entries()] as [string, string][], baseUrl: 'http://x', strict: true },
      { defaultCount: 50, maxCount: 1000 },
    );
    return (b.entry ?? []).map((e) => e.resource?.id);
  };

  test('an update keeps the rows that did not change and replaces those that did', async () => {
    await put(store, { resourceType: 'Organization', id: 'o', name: 'Clinique du Lac', alias: ['Lac'], address: [{ city: 'Annecy' }] } as WithId<Organization>);
    const before = ordsOf(store, 'o');
    await put(store, { resourceType: 'Organization', id: 'o', name: 'Clinique du Lac', alias: ['Lac'], address: [{ city: 'Annecy-le-Vieux' }] } as WithId<Organization>);
    const after = ordsOf(store, 'o');
    expect(after.get('clinique du lac')).toBe(before.get('clinique du lac'));
    expect(after.has('annecy')).toBe(false);
    expect(after.get('annecy-le-vieux')).toBeGreaterThan(Math.max(...before.values()));
    expect(await ids('address-city=annecy-le')).toEqual(['o']);
    expect(await ids('address-city:exact=Annecy')).toEqual([]);
    expect(await ids('name=clinique')).toEqual(['o']);
  });

  test('repeated equal values are counted: removing one of two equal identifiers keeps the other', async () => {
    const ident = { system: 'urn:x', value: '42' };
    await put(store, { resourceType: 'Organization', id: 'r', identifier: [ident, ident, { system: 'urn:x', value: '7' }] } as WithId<Organization>);
    await put(store, { resourceType: 'Organization', id: 'r', identifier: [ident] } as WithId<Organization>);
    await put(fresh, { resourceType: 'Organization', id: 'r', identifier: [ident] } as WithId<Organization>);
    expect(rowsOf(store, 'Organization', 'r')).toEqual(rowsOf(fresh, 'Organization', 'r'));
    expect(await ids('identifier=urn:x|42')).toEqual(['r']);
    expect(await ids('identifier=urn:x|7')).toEqual([]);
  });

  test('after any sequence of updates a resource has the rows of a fresh write of its current version', async () => {
    // Values drawn from small sets, so that updates keep some rows, drop some, and add some back.
    let seed = 7;
    const pick = <T,>(xs: T[]): T => xs[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % xs.length];
    const version = (i: number): WithId<Location> => ({
      resourceType: 'Location',
      id: 'loc',
      status: pick(['active', 'suspended', undefined]),
      name: pick(['Site A', 'Site B', 'Site A']),
      alias: Array.from({ length: pick([0, 1, 2, 3]) }, () => pick(['x', 'y', 'x'])),
      identifier: Array.from({ length: pick([0, 1, 2]) }, () => ({ system: 'urn:s', value: pick(['1', '2']) })),
      address: pick([undefined, { city: 'Lyon', postalCode: '69001' }, { city: 'Lyon', postalCode: '69002' }]),
      position: pick([undefined, { latitude: 45.75, longitude: 4.85 }, { latitude: 45.76, longitude: 4.83 }]),
      managingOrganization: pick([undefined, { reference: 'Organization/a' }, { reference: 'Organization/b' }]),
      description: `v${i}`,
    });
    for (let i = 0; i < 60; i++) {
      const v = version(i);
      await put(store, v);
      const other = new SqliteStore({ dataDir: tempDir() }, testIndexer());
      await put(other, v);
      expect(rowsOf(store, 'Location', 'loc')).toEqual(rowsOf(other, 'Location', 'loc'));
      await other.close();
    }
  });

  test('a created resource with more rows of a kind than one INSERT takes has them all, as an update writes them', async () => {
    // 70 identifiers: token rows in three multi-row INSERTs (32 rows each at most) on create, one by one on update
    const many = {
      resourceType: 'Organization',
      id: 'm',
      name: 'Many',
      identifier: Array.from({ length: 70 }, (_, i) => ({ system: 'urn:many', value: `v${i}` })),
    } as WithId<Organization>;
    await put(store, many);
    await put(fresh, { resourceType: 'Organization', id: 'm', name: 'Many' } as WithId<Organization>);
    await put(fresh, many);
    const rows = rowsOf(store, 'Organization', 'm');
    expect(rows.filter((r) => r.includes('urn:many'))).toHaveLength(70);
    expect(rows).toEqual(rowsOf(fresh, 'Organization', 'm'));
    expect(await ids('identifier=urn:many|v0')).toEqual(['m']);
    expect(await ids('identifier=urn:many|v69')).toEqual(['m']);
  });

  test('a deleted resource has no index rows left, and a re-created one gets its rows back', async () => {
    const o = { resourceType: 'Organization', id: 'd', name: 'Gone', identifier: [{ system: 'urn:x', value: '1' }] } as WithId<Organization>;
    await put(store, o);
    await store.transaction((tx) => tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'd' }]));
    expect(rowsOf(store, 'Organization', 'd')).toEqual([]);
    await put(store, o);
    await put(fresh, o);
    expect(rowsOf(store, 'Organization', 'd')).toEqual(rowsOf(fresh, 'Organization', 'd'));
  });
});
