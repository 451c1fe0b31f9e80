/**
 * Parameters that duplicate another (same expression, same kind of rows) share its index rows
 * (SearchParamRegistry.indexCode): written once, read by the searches of both.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer, testSearchServices } from '../helpers/indexing';
import { pidOf } from '../../src/store/sqlite/search-pid';
import { searchInteraction } from '../../src/fhir/interactions/search';
import { tempDir } from '../helpers/tmp';

describe('parameters sharing index rows', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
    const resources: (Resource & { id: string })[] = [
      { resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Dupré', given: ['Anaïs'] }] },
      { resourceType: 'Practitioner', id: 'p2', name: [{ family: 'Martin', given: ['Paul'] }] },
    ];
    await store.transaction((tx) => tx.write(resources.map((resource) => ({ kind: 'put' as const, resource }))));
  });
  afterAll(() => store.close());

  const ids = async (query: string) => {
    const b: Bundle = await searchInteraction(
      store,
      testSearchServices(),
      { resourceTypes: ['Practitioner'], params: [...new URLSearchParams(query).entries()] as [string, string][], baseUrl: 'http://x', strict: true },
      { defaultCount: 50, maxCount: 1000 },
    );
    return (b.entry ?? []).map((e) => e.resource?.id);
  };

  test('duplicates read the rows of the code that sorts first; other parameters keep their own', () => {
    const registry = testIndexer().registry;
    expect(registry.indexCode('Practitioner', 'phonetic')).toBe('name');
    expect(registry.indexCode('Practitioner', 'name')).toBe('name');
    expect(registry.indexCode('Location', 'near-insee-code')).toBe('commune-cog');
    expect(registry.indexCode('Practitioner', 'family')).toBe('family');
    expect(registry.indexCode('Organization', 'name')).toBe('name');
    // Whatever the definitions say, a parameter only ever shares the rows of one with the same expression.
    for (const code of registry.paramsOf('Organization').keys()) {
      const shared = registry.indexCode('Organization', code);
      if (shared !== code) expect(String(registry.get('Organization', code)!.atom)).toBe(String(registry.get('Organization', shared)!.atom));
    }
  });

  test('a duplicate has no rows of its own, and its searches find what the other finds', async () => {
    const count = (code: string) =>
      (store.database.prepare('SELECT count(*) AS n FROM idx_string WHERE pid = ?').get(pidOf('Practitioner', code)) as { n: number }).n;
    expect(count('name')).toBeGreaterThan(0);
    expect(count('phonetic')).toBe(0);
    expect(await ids('phonetic=dupre')).toEqual(['p1']);
    expect(await ids('phonetic:exact=Anaïs')).toEqual(['p1']);
    expect(await ids('phonetic:missing=false&_sort=phonetic')).toEqual(['p1', 'p2']);
    expect(await ids('_sort=-phonetic')).toEqual(['p2', 'p1']);
    expect(await ids('name=mart')).toEqual(['p2']);
  });
});
