/**
 * The SearchParameter registry holds its own parameters: the R4 base ones as FHIR servers read their `base` (checked
 * against @medplum/core's index of the same bundle), plus the extra ones it is given, without touching any other
 * registry or @medplum/core's global index.
 */
import { getSearchParameters } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { allResourceTypes, loadDefinitions } from '../../../src/definitions';
import { SearchParamRegistry } from '../../../src/indexing/registry';

const extra: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'urn:test:sp:organization-motto',
  name: 'motto',
  status: 'active',
  description: 'test parameter',
  code: 'motto',
  base: ['Organization'],
  type: 'string',
  expression: 'Organization.alias',
};

describe('SearchParamRegistry', () => {
  beforeAll(() => loadDefinitions());

  it('has the R4 base parameters of every type, as @medplum/core indexes them', () => {
    const registry = new SearchParamRegistry();
    for (const type of allResourceTypes()) {
      const expected = Object.entries(getSearchParameters(type) ?? {}).map(([code, sp]) => [code, sp.type, sp.expression]);
      const actual = registry.codesOf(type).map((code) => {
        const sp = registry.definition(type, code)!;
        return [code, sp.type, sp.expression];
      });
      expect({ type, params: actual.sort() }).toEqual({ type, params: expected.sort() });
    }
  });

  it('keeps extra parameters to itself: two registries in one process are independent', () => {
    const withExtra = new SearchParamRegistry([extra]);
    const plain = new SearchParamRegistry();
    expect(withExtra.get('Organization', 'motto')?.type).toBe('string');
    expect(withExtra.supports('Organization', 'motto')).toBe(true);
    expect(plain.get('Organization', 'motto')).toBeUndefined();
    expect(plain.supports('Organization', 'motto')).toBe(false);
    expect(getSearchParameters('Organization')?.motto).toBeUndefined();
  });

  it('lets an extra parameter replace a base one with the same code on its types only', () => {
    const replaced = new SearchParamRegistry([{ ...extra, url: 'urn:test:sp:name', code: 'name', expression: 'Organization.alias' }]);
    expect(replaced.definition('Organization', 'name')?.expression).toBe('Organization.alias');
    expect(replaced.definition('Location', 'name')?.expression).toBe('Location.name | Location.alias');
    expect(new SearchParamRegistry().definition('Organization', 'name')?.expression).toBe('Organization.name | Organization.alias');
  });
});
