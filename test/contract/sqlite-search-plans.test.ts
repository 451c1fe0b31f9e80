/**
 * Query plans the SQLite search relies on for pages that cost the same whatever their number (EXPLAIN QUERY PLAN):
 * a default-order page must read its rows in rid order from an index and stop after `_count`, never sort all
 * matches first.
 */
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { createSqliteSearchIndex, explainSearch } from '../../src/store/sqlite/search-index';
import { planSearch } from '../../src/fhir/search/plan';
import { getRegistry } from '../../src/fhir/search/registry';
import { tempDir } from '../helpers/tmp';

describe('SQLite search plans', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore({ dataDir: tempDir() }, createSqliteSearchIndex());
    const practitioners: (Resource & { id: string })[] = Array.from({ length: 50 }, (_, i) => ({ resourceType: 'Practitioner', id: `p${i}`, active: true }));
    await store.transaction((tx) => tx.write(practitioners.map((resource) => ({ kind: 'put' as const, resource }))));
  });
  afterAll(() => store.close());

  const plan = (query: [string, string][]) =>
    planSearch(getRegistry(), ['Practitioner'], query, { defaultCount: 20, maxCount: 1000, strict: true }).plan;

  it('reads a page of a type without conditions in rid order, with no sort of every resource of the type', async () => {
    const steps = explainSearch(store.database, plan([]));
    expect(steps.join(' | ')).toMatch(/USING (COVERING )?INDEX resources_type_live/);
    expect(steps.join(' | ')).not.toMatch(/TEMP B-TREE/);
    const page = await store.search(plan([['_count', '20']]));
    expect(page.entries.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
  });
});
