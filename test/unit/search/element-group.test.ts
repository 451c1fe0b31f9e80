/**
 * "Same repeated element" matching (the ROR capacity rule): grouped parameters must all match one entry of the
 * repeated element, directly and through a chain.
 */
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { ELEMENT_GROUP_URL, SearchParamRegistry } from '../../../src/indexing/registry';
import { planSearch } from '../../../src/fhir/search/plan';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { Indexer } from '../../../src/indexing/indexer';
import { tempDir } from '../../helpers/tmp';
import { testSearchContext } from '../../helpers/indexing';

const CONTEXT = "Location.extension.where(url='urn:test:capacity')";
const sp = (code: string, type: SearchParameter['type'], path: string): SearchParameter => ({
  resourceType: 'SearchParameter',
  url: `urn:test:sp:${code}`,
  name: code,
  code,
  status: 'active',
  description: code,
  base: ['Location'],
  type,
  expression: `${CONTEXT}.${path}`,
  extension: [{ url: ELEMENT_GROUP_URL, extension: [{ url: 'context', valueString: CONTEXT }, { url: 'path', valueString: path }] }],
});

const registry = new SearchParamRegistry([
  sp('test-cap-status', 'token', "extension.where(url='status').value"),
  sp('test-cap-nb', 'number', "extension.where(url='nb').value"),
]);

const entry = (status: string, nb: number) => ({
  url: 'urn:test:capacity',
  extension: [
    { url: 'status', valueCodeableConcept: { coding: [{ system: 'urn:status', code: status }] } },
    { url: 'nb', valueInteger: nb },
  ],
});

describe('element groups', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore({ dataDir: tempDir() }, new Indexer(registry));
    const resources = [
      // A: a free entry with 0 beds and an installed entry with 5: no free bed
      { resourceType: 'Location', id: 'A', extension: [entry('02', 0), entry('01', 5)] },
      { resourceType: 'Location', id: 'B', extension: [entry('02', 3)] },
      { resourceType: 'HealthcareService', id: 'hA', location: [{ reference: 'Location/A' }] },
      { resourceType: 'HealthcareService', id: 'hB', location: [{ reference: 'Location/B' }] },
    ] as (Resource & { id: string })[];
    await store.transaction((tx) => tx.write(resources.map((resource) => ({ kind: 'put' as const, resource }))));
  });
  afterAll(() => store.close());

  const ids = async (type: string, query: string) => {
    const planned = planSearch(testSearchContext(registry), [type], [...new URLSearchParams(query).entries()] as [string, string][], {
      defaultCount: 20,
      maxCount: 100,
      strict: true,
    });
    return (await store.search(planned.plan)).entries.map((e) => e.id).sort();
  };

  test('each parameter alone matches any entry', async () => {
    expect(await ids('Location', 'test-cap-status=02')).toEqual(['A', 'B']);
    expect(await ids('Location', 'test-cap-nb=gt0')).toEqual(['A', 'B']);
  });
  test('together they must match the same entry', async () => {
    expect(await ids('Location', 'test-cap-status=02&test-cap-nb=gt0')).toEqual(['B']);
    expect(await ids('Location', 'test-cap-status=01&test-cap-nb=5')).toEqual(['A']);
  });
  test('through a chain: one entry of one Location', async () => {
    expect(await ids('HealthcareService', 'location.test-cap-status=02&location.test-cap-nb=gt0')).toEqual(['hB']);
  });
});
