import type { Resource } from '@medplum/fhirtypes';
import { extractIndexRows } from '../../../src/indexing/extract';
import { SearchParamRegistry, loadSearchParameterFiles } from '../../../src/indexing/registry';
import { planSearch } from '../../../src/fhir/search/plan';
import { tempDir } from '../../helpers/tmp';
import fs from 'node:fs';
import path from 'node:path';
import { testSearchContext } from '../../helpers/indexing';

const registry = new SearchParamRegistry();
const opts = { defaultCount: 20, maxCount: 100, strict: false };

describe('registry', () => {
  test('base parameters of every type, incl. multi-base and Resource-level ones', () => {
    expect(registry.get('Organization', 'name')?.type).toBe('string');
    expect(registry.get('PractitionerRole', 'email')?.type).toBe('token'); // base on several types
    expect(registry.get('Location', '_lastUpdated')?.type).toBe('date');
    expect(registry.get('Location', 'near')?.index).toBe('geo');
    expect(registry.get('Observation', 'code-value-quantity')?.components).toHaveLength(2);
  });
  test('project SearchParameters from a folder (empty or missing folder: none)', () => {
    const dir = tempDir();
    expect(loadSearchParameterFiles(path.join(dir, 'nope'))).toEqual([]);
    fs.writeFileSync(
      path.join(dir, 'sp.json'),
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'SearchParameter', url: 'http://x/sp/loc-alias', code: 'test-alias', name: 'x', status: 'active', description: 'x', base: ['Location'], type: 'string', expression: 'Location.alias' } }],
      }),
    );
    const custom = new SearchParamRegistry(loadSearchParameterFiles(dir));
    expect(custom.get('Location', 'test-alias')?.type).toBe('string');
    const rows = extractIndexRows(custom, { resourceType: 'Location', alias: ['Bâtiment B'] } as Resource);
    expect(rows.strings.filter((s) => s.code === 'test-alias')).toEqual([{ code: 'test-alias', norm: 'batiment b', exact: 'Bâtiment B', grp: 0 }]);
  });
});

describe('extractIndexRows', () => {
  test('one row per value; references split; periods as ranges; geo', () => {
    const rows = extractIndexRows(registry, {
      resourceType: 'Location',
      id: 'l',
      name: 'Site Nord',
      alias: ['SN', 'Nord'],
      managingOrganization: { reference: 'Organization/o1' },
      position: { latitude: 45.7, longitude: 4.8 },
      type: [{ coding: [{ system: 's', code: 'c', display: 'Unité' }] }],
    } as Resource);
    expect(rows.strings.filter((s) => s.code === 'name').map((s) => s.norm).sort()).toEqual(['nord', 'site nord', 'sn']);
    expect(rows.refs).toEqual([{ code: 'organization', type: 'Organization', id: 'o1', url: null, grp: 0 }]);
    expect(rows.geos).toEqual([{ code: 'near', lat: 45.7, lon: 4.8 }]);
    expect(rows.tokens.find((t) => t.code === 'type')).toMatchObject({ system: 's', value: 'c', text: 'unite' });
  });
  test('composite components keep the element instance they come from', () => {
    const rows = extractIndexRows(registry, {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'a', code: 'x' }] },
      component: [
        { code: { coding: [{ system: 'a', code: 'sys' }] }, valueQuantity: { value: 120 } },
        { code: { coding: [{ system: 'a', code: 'dia' }] }, valueQuantity: { value: 80 } },
      ],
    } as Resource);
    const comp = rows.tokens.filter((t) => t.code === 'component-code-value-quantity#0');
    expect(comp.map((t) => [t.value, t.grp])).toEqual([['sys', 1], ['dia', 2]]);
    const vals = rows.numbers.filter((n) => n.code === 'component-code-value-quantity#1');
    expect(vals.map((n) => [n.value, n.grp])).toEqual([[120, 1], [80, 2]]);
  });
});

describe('planSearch', () => {
  test('AND of repeated parameters, OR of commas; chain and _has nest', () => {
    const p = planSearch(testSearchContext(registry), ['HealthcareService'], [['location.address-city', 'Lyon'], ['name', 'a,b'], ['name', 'c']], opts);
    expect(p.plan.where).toEqual([
      { kind: 'chain', code: 'location', targetTypes: ['Location'], where: [{ kind: 'string', code: 'address-city', mode: 'starts', values: ['lyon'] }] },
      { kind: 'string', code: 'name', mode: 'starts', values: ['a', 'b'] },
      { kind: 'string', code: 'name', mode: 'starts', values: ['c'] },
    ]);
    const h = planSearch(testSearchContext(registry), ['Organization'], [['_has:HealthcareService:organization:name', 'x']], opts);
    expect(h.plan.where[0]).toMatchObject({ kind: 'has', sourceType: 'HealthcareService', code: 'organization' });
  });
  test('unknown parameters are reported, or refused with strict; bad modifiers always refused', () => {
    expect(planSearch(testSearchContext(registry), ['Organization'], [['nope', '1']], opts).ignored[0]).toContain('nope');
    expect(() => planSearch(testSearchContext(registry), ['Organization'], [['nope', '1']], { ...opts, strict: true })).toThrow(/nope/);
    expect(() => planSearch(testSearchContext(registry), ['Organization'], [['name:below', 'x']], opts)).toThrow(/name:below/);
    expect(() => planSearch(testSearchContext(registry), ['Organization'], [['_count', '-1']], opts)).toThrow(/_count/);
  });
  test('_count is capped; ne becomes a negation; near sorts by distance', () => {
    expect(planSearch(testSearchContext(registry), ['Organization'], [['_count', '5000']], opts).plan.count).toBe(100);
    const ne = planSearch(testSearchContext(registry), ['Patient'], [['birthdate', 'ne2020']], opts);
    expect(ne.plan.where[0]).toMatchObject({ kind: 'not', condition: { kind: 'date' } });
    const near = planSearch(testSearchContext(registry), ['Location'], [['near', '45|4|10|km']], opts);
    expect(near.plan.sort).toEqual([{ kind: 'distance', code: 'near', lat: 45, lon: 4, descending: false }]);
  });
});

describe('planSearch: parameters without an expression', () => {
  test('are reported as unsupported rather than matching nothing', () => {
    const p = planSearch(testSearchContext(registry), ['Organization'], [['_query', 'x']], opts);
    expect(p.plan.where).toEqual([]);
    expect(p.ignored[0]).toContain('_query');
  });

  test('_query and contained-resource searches are named as not supported, never as unknown', () => {
    const strict = { ...opts, strict: true };
    for (const [name, value] of [['_query', 'x'], ['_contained', 'true'], ['_contained', 'both'], ['_containedType', 'contained']]) {
      const p = planSearch(testSearchContext(registry), ['Organization'], [[name, value]], opts);
      expect(p.plan.where).toEqual([]);
      expect(p.ignored).toHaveLength(1);
      expect(p.ignored[0]).toMatch(/not supported by this server/);
      expect(p.ignored[0]).not.toMatch(/unknown/);
      expect(() => planSearch(testSearchContext(registry), ['Organization'], [[name, value]], strict)).toThrow(/not supported by this server/);
    }
    // The defaults are what every search does: accepted silently, strict or not.
    for (const [name, value] of [['_contained', 'false'], ['_containedType', 'container']]) {
      expect(planSearch(testSearchContext(registry), ['Organization'], [[name, value]], strict).ignored).toEqual([]);
    }
    expect(() => planSearch(testSearchContext(registry), ['Organization'], [['_contained', 'yes']], opts)).toThrow(/_contained: 'yes' is not one of false, true, both/);
  });
});

describe('planSearch: nesting bound', () => {
  test('chains deeper than the bound are a 400', () => {
    const deep = 'organization.partof.partof.partof.partof.partof.partof.name';
    expect(() => planSearch(testSearchContext(registry), ['Organization'], [[`partof.${deep}`, 'x']], opts)).toThrow(/at most/);
    expect(planSearch(testSearchContext(registry), ['Organization'], [['partof.partof.name', 'x']], opts).plan.where).toHaveLength(1);
  });
});
