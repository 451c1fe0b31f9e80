/**
 * `_total=estimate` on the SQLite adapter (src/store/sqlite/search-index.ts, estimateTotal): exact when a condition
 * selects few rows, else extrapolated from a bounded sample of each type; `accurate` stays exact.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { ESTIMATE_EXACT_UP_TO, ESTIMATE_SAMPLE } from '../../src/store/sqlite/search-index';
import { testIndexer, testSearchServices } from '../helpers/indexing';
import { searchInteraction } from '../../src/fhir/interactions/search';
import { tempDir } from '../helpers/tmp';

const N = 5000;
const pad = (i: number) => String(i).padStart(4, '0');
// ids in id order = numeric order; `early` marks the ids a sample in id order reads first
const org = (i: number): Resource & { id: string } => ({
  resourceType: 'Organization',
  id: `o${pad(i)}`,
  active: i % 3 === 0,
  name: i % 1000 === 7 ? `rare ${i}` : `org ${i}`,
  identifier: [{ system: 'urn:b', value: i < ESTIMATE_SAMPLE ? 'early' : 'late' }],
});

describe('SQLite _total=estimate', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
    const all = Array.from({ length: N }, (_, i) => org(i));
    await store.transaction((tx) => tx.write(all.map((resource) => ({ kind: 'put' as const, resource }))));
  }, 60_000);
  afterAll(() => store.close());

  const total = async (query: string): Promise<number | undefined> => {
    const b: Bundle = await searchInteraction(
      store,
      testSearchServices(),
      { resourceTypes: ['Organization'], params: [...new URLSearchParams(query).entries()] as [string, string][], baseUrl: 'http://x', strict: true },
      { defaultCount: 20, maxCount: 1000 },
    );
    return b.total;
  };

  test('the sample is smaller than the data, and the cap below it', () => {
    expect(ESTIMATE_SAMPLE).toBeLessThan(N);
    expect(ESTIMATE_EXACT_UP_TO).toBeLessThan(ESTIMATE_SAMPLE);
  });

  test('a broad condition: close to the exact count, which accurate gives', async () => {
    const exact = Math.ceil(N / 3);
    expect(await total('active=true&_total=accurate&_count=1')).toBe(exact);
    const estimate = (await total('active=true&_total=estimate&_count=1'))!;
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.05);
    expect(await total('_total=estimate&_count=0')).toBe(N);
  });

  test('a condition selecting few rows makes the estimate exact, whatever the others', async () => {
    const exact = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 0 && i % 1000 === 7).length;
    expect(await total('active=true&name=rare&_total=estimate&_count=1')).toBe(exact);
    expect(await total('active=false&name=rare&_total=estimate&_count=1')).toBe(5 - exact);
  });

  test('broad conditions are estimated from a sample of ESTIMATE_SAMPLE resources, not counted', async () => {
    // every `early` resource comes first in id order, so the sample sees only them: it extrapolates to all
    expect(await total('identifier=early&_total=accurate&_count=1')).toBe(ESTIMATE_SAMPLE);
    expect(await total('identifier=early&_total=estimate&_count=1')).toBe(N);
    // none of the sample matches: the estimate is the floor the first page proves (its rows and one more)
    expect(await total('identifier=late&_total=estimate&_count=20')).toBe(21);
  });

  test('a first page holding every match gives the exact total, whatever the mode', async () => {
    expect(await total('name=rare&_total=estimate&_count=10')).toBe(5);
    expect(await total('name=rare&_total=accurate&_count=10')).toBe(5);
  });
});
