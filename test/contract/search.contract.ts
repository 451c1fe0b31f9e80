/**
 * The search part of the ResourceStore contract, run through the search interaction (parse → plan → adapter),
 * so every adapter is held to the same FHIR search semantics. https://hl7.org/fhir/R4/search.html
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../src/store/store';
import { searchInteraction } from '../../src/fhir/interactions/search';
import { findConditionalMatches } from '../../src/fhir/search/conditional';
import { FhirError } from '../../src/errors';
import { testSearchServices } from '../helpers/indexing';

export interface SearchStoreFactory {
  /** A new, empty store with search enabled. */
  open(): Promise<ResourceStore>;
}

type R = Resource & { id: string };
const BASE = 'http://example.org/fhir';

const org = (id: string, extra: Record<string, unknown> = {}): R => ({ resourceType: 'Organization', id, ...extra }) as R;
const loc = (id: string, extra: Record<string, unknown> = {}): R => ({ resourceType: 'Location', id, ...extra }) as R;

export function searchContract(adapter: string, factory: SearchStoreFactory): void {
  describe(`ResourceStore search contract: ${adapter}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    const put = (...resources: R[]) =>
      store.transaction((tx) => tx.write(resources.map((resource) => ({ kind: 'put' as const, resource }))));
    const del = (type: string, id: string) => store.transaction((tx) => tx.write([{ kind: 'delete', resourceType: type, id }]));

    const search = (type: string | undefined, query: string, strict = false, limits = {}): Promise<Bundle> =>
      searchInteraction(
        store,
        testSearchServices(),
        {
          resourceTypes: type ? [type] : undefined,
          params: [...new URLSearchParams(query).entries()] as [string, string][],
          baseUrl: BASE,
          strict,
        },
        { defaultCount: 20, maxCount: 1000, ...limits },
      );
    const matchIds = (b: Bundle) =>
      (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
    const ids = async (type: string | undefined, query: string) => matchIds(await search(type, query)).sort();
    const expect400 = async (type: string, query: string, mention: string) => {
      const err = await search(type, query).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(400);
      expect((err as FhirError).message).toContain(mention);
    };

    describe('string', () => {
      beforeEach(async () => {
        await put(
          org('a', { name: 'Hôpital Nord', alias: ['CHU Nord'] }),
          org('b', { name: 'hopital sud' }),
          org('c', { name: 'Clinique du Parc' }),
          org('d', {}),
        );
      });
      test('default is case- and accent-insensitive starts-with', async () => {
        expect(await ids('Organization', 'name=hopital')).toEqual(['a', 'b']);
        expect(await ids('Organization', 'name=HÔPITAL N')).toEqual(['a']);
        expect(await ids('Organization', 'name=nord')).toEqual([]);
      });
      test(':exact is case- and accent-sensitive equality', async () => {
        expect(await ids('Organization', 'name:exact=Hôpital Nord')).toEqual(['a']);
        expect(await ids('Organization', 'name:exact=Hopital Nord')).toEqual([]);
        expect(await ids('Organization', 'name:exact=Hôpital')).toEqual([]);
      });
      test(':contains matches inside, case- and accent-insensitive', async () => {
        expect(await ids('Organization', 'name:contains=PARC')).toEqual(['c']);
        expect(await ids('Organization', 'name:contains=pital')).toEqual(['a', 'b']);
      });
      test('several values in one element (name and alias both feed `name`)', async () => {
        expect(await ids('Organization', 'name=chu')).toEqual(['a']);
      });
      test(':missing', async () => {
        expect(await ids('Organization', 'name:missing=true')).toEqual(['d']);
        expect(await ids('Organization', 'name:missing=false')).toEqual(['a', 'b', 'c']);
      });
      test('comma is OR, repetition is AND, \\, escapes a comma', async () => {
        expect(await ids('Organization', 'name=clinique,hopital s')).toEqual(['b', 'c']);
        expect(await ids('Organization', 'name=hopital&name=hopital n')).toEqual(['a']);
        await put(org('e', { name: 'Soins, suite' }));
        expect(await ids('Organization', 'name=soins\\, s')).toEqual(['e']);
      });
    });

    describe('token', () => {
      beforeEach(async () => {
        await put(
          org('a', {
            identifier: [
              { system: 'urn:finess', value: '690000001', type: { coding: [{ system: 'urn:t', code: 'FINEG' }] } },
              { system: 'urn:siret', value: '111' },
            ],
            type: [{ coding: [{ system: 'urn:cat', code: '355', display: 'Centre Hospitalier' }], text: 'CH régional' }],
            active: true,
          }),
          org('b', { identifier: [{ value: '690000001' }], active: false }),
          org('c', { type: [{ coding: [{ system: 'urn:cat', code: '365' }] }] }),
        );
      });
      test('code, system|code, |code, system|', async () => {
        expect(await ids('Organization', 'identifier=690000001')).toEqual(['a', 'b']);
        expect(await ids('Organization', 'identifier=urn:finess|690000001')).toEqual(['a']);
        expect(await ids('Organization', 'identifier=|690000001')).toEqual(['b']);
        expect(await ids('Organization', 'identifier=urn:siret|')).toEqual(['a']);
        expect(await ids('Organization', 'active=true')).toEqual(['a']);
      });
      test(':not excludes resources having the code, keeps those without the element', async () => {
        expect(await ids('Organization', 'type:not=urn:cat|355')).toEqual(['b', 'c']);
      });
      test(':text on display and CodeableConcept.text', async () => {
        expect(await ids('Organization', 'type:text=centre hosp')).toEqual(['a']);
        expect(await ids('Organization', 'type:text=ch regional')).toEqual(['a']);
      });
      test(':of-type on identifiers', async () => {
        expect(await ids('Organization', 'identifier:of-type=urn:t|FINEG|690000001')).toEqual(['a']);
        expect(await ids('Organization', 'identifier:of-type=urn:t|OTHER|690000001')).toEqual([]);
      });
      test(':missing and unknown modifier', async () => {
        expect(await ids('Organization', 'type:missing=true')).toEqual(['b']);
        await expect400('Organization', 'identifier:exact=1', 'identifier:exact');
      });
      test('_id and _id:not', async () => {
        expect(await ids('Organization', '_id=a,c')).toEqual(['a', 'c']);
        expect(await ids('Organization', '_id:not=a')).toEqual(['b', 'c']);
      });
    });

    describe('date', () => {
      beforeEach(async () => {
        await put(
          loc('y', { extension: [], mode: 'instance', operationalStatus: undefined }),
          { resourceType: 'Patient', id: 'p2020', birthDate: '2020' } as R,
          { resourceType: 'Patient', id: 'p0315', birthDate: '2020-03-15' } as R,
          { resourceType: 'Patient', id: 'p1231', birthDate: '2020-12-31' } as R,
          { resourceType: 'Patient', id: 'p2021', birthDate: '2021-01-01' } as R,
          { resourceType: 'Patient', id: 'pnone' } as R,
          { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'x' }, period: { start: '2020-03-01T10:00:00+01:00', end: '2020-03-01T12:00:00+01:00' } } as R,
          { resourceType: 'Encounter', id: 'eopen', status: 'in-progress', class: { code: 'x' }, period: { start: '2020-03-01' } } as R,
        );
      });
      test('eq with partial dates: the search range must contain the value range', async () => {
        expect(await ids('Patient', 'birthdate=2020')).toEqual(['p0315', 'p1231', 'p2020']);
        expect(await ids('Patient', 'birthdate=2020-03')).toEqual(['p0315']);
        expect(await ids('Patient', 'birthdate=eq2020-03-15')).toEqual(['p0315']);
      });
      test('gt lt ge le sa eb ne', async () => {
        // gt: the range above the search value overlaps the value's range, so "2020" is gt 2020-06
        expect(await ids('Patient', 'birthdate=gt2020-06')).toEqual(['p1231', 'p2020', 'p2021']);
        expect(await ids('Patient', 'birthdate=lt2020-06')).toEqual(['p0315', 'p2020']);
        expect(await ids('Patient', 'birthdate=ge2020-12-31')).toEqual(['p1231', 'p2021']);
        expect(await ids('Patient', 'birthdate=le2020-03-15')).toEqual(['p0315', 'p2020']);
        expect(await ids('Patient', 'birthdate=sa2020-12-30')).toEqual(['p1231', 'p2021']);
        expect(await ids('Patient', 'birthdate=eb2020-03-15')).toEqual([]);
        expect(await ids('Patient', 'birthdate=ne2020')).toEqual(['p2021', 'pnone']);
      });
      test('time zones and periods (open periods extend forever)', async () => {
        // 10:00+01:00 is 09:00Z
        expect(await ids('Encounter', 'date=ge2020-03-01T09:00:00Z&date=le2020-03-01T11:00:00Z')).toEqual(['e1', 'eopen']);
        expect(await ids('Encounter', 'date=eq2020-03-01')).toEqual(['e1']);
        expect(await ids('Encounter', 'date=gt2030')).toEqual(['eopen']);
        expect(await ids('Encounter', 'date=lt2020-03-01T09:30:00Z')).toEqual(['e1', 'eopen']);
      });
      test('malformed date and unknown prefix are 400 naming the parameter', async () => {
        await expect400('Patient', 'birthdate=2020-13', 'birthdate');
        await expect400('Patient', 'birthdate=xx2020', 'birthdate');
      });
      test('_lastUpdated', async () => {
        expect((await ids('Patient', '_lastUpdated=gt2000')).length).toBe(5);
        expect(await ids('Patient', '_lastUpdated=lt2000')).toEqual([]);
        // Every version has one (kept on the stored version itself, not in index rows).
        expect((await ids('Patient', '_lastUpdated:missing=false')).length).toBe(5);
        expect(await ids('Patient', '_lastUpdated:missing=true')).toEqual([]);
      });
    });

    describe('number and quantity', () => {
      beforeEach(async () => {
        const obs = (id: string, value: number, code = 'mg', extra = {}) =>
          ({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'urn:c', code: 'w' }] },
             valueQuantity: { value, system: 'http://unitsofmeasure.org', code, unit: code }, ...extra }) as R;
        await put(obs('o100', 100), obs('o1002', 100.2), obs('o99', 99.4), obs('o5g', 5, 'g'),
          { resourceType: 'RiskAssessment', id: 'r1', status: 'final', subject: { reference: 'Patient/x' }, prediction: [{ probabilityDecimal: 0.25 }] } as R);
      });
      test('quantity eq uses the precision of the search value', async () => {
        expect(await ids('Observation', 'value-quantity=100')).toEqual(['o100', 'o1002']);
        expect(await ids('Observation', 'value-quantity=100.0')).toEqual(['o100']);
        expect(await ids('Observation', 'value-quantity=gt100|http://unitsofmeasure.org|mg')).toEqual(['o1002']);
        expect(await ids('Observation', 'value-quantity=le5||g')).toEqual(['o5g']);
        expect(await ids('Observation', 'value-quantity=ap100')).toEqual(['o100', 'o1002', 'o99']);
      });
      test('number', async () => {
        expect(await ids('RiskAssessment', 'probability=0.25')).toEqual(['r1']);
        expect(await ids('RiskAssessment', 'probability=gt0.3')).toEqual([]);
        await expect400('RiskAssessment', 'probability=abc', 'probability');
      });
      test('composite: both components on the same element', async () => {
        expect(await ids('Observation', 'code-value-quantity=urn:c|w$gt100')).toEqual(['o1002']);
        expect(await ids('Observation', 'code-value-quantity=urn:c|other$gt100')).toEqual([]);
      });
      test('composite :missing: a value is every component on one element', async () => {
        await put({ resourceType: 'Observation', id: 'nov', status: 'final', code: { coding: [{ system: 'urn:c', code: 'w' }] } } as R);
        expect(await ids('Observation', 'code-value-quantity:missing=true')).toEqual(['nov']);
        expect(await ids('Observation', 'code-value-quantity:missing=false')).toEqual(['o100', 'o1002', 'o5g', 'o99']);
        // components on different elements are no value: a component code next to the root value
        await put({ resourceType: 'Observation', id: 'cmp', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 },
          component: [{ code: { coding: [{ system: 'urn:c', code: 'k' }] } }] } as R);
        expect(await ids('Observation', 'component-code-value-quantity:missing=true')).toEqual(['cmp', 'nov', 'o100', 'o1002', 'o5g', 'o99']);
        await expect400('Observation', 'code-value-quantity:missing=maybe', 'code-value-quantity');
      });
    });

    describe('reference, chains, _has', () => {
      beforeEach(async () => {
        await put(
          org('o1', { name: 'CH Lyon', address: [{ city: 'Lyon' }] }),
          org('o2', { name: 'CH Paris', address: [{ city: 'Paris' }] }),
          loc('l1', { name: 'Bât A', address: { city: 'Lyon' }, managingOrganization: { reference: 'Organization/o1' }, position: { latitude: 45.75, longitude: 4.85 } }),
          loc('l2', { name: 'Bât B', address: { city: 'Paris' }, managingOrganization: { reference: 'Organization/o2' }, position: { latitude: 48.85, longitude: 2.35 } }),
          loc('l3', { name: 'Bât C', address: { city: 'Villeurbanne' }, managingOrganization: { reference: 'Organization/missing' }, position: { latitude: 45.77, longitude: 4.88 } }),
          { resourceType: 'HealthcareService', id: 'h1', name: 'SSR', providedBy: { reference: 'Organization/o1' }, location: [{ reference: 'Location/l1' }] } as R,
          { resourceType: 'HealthcareService', id: 'h2', name: 'MCO', providedBy: { reference: 'Organization/o2', identifier: { system: 'urn:finess', value: '75' } }, location: [{ reference: 'Location/l2' }, { reference: `${BASE}/Location/l3` }] } as R,
          { resourceType: 'HealthcareService', id: 'h3', name: 'orphan', location: [{ reference: 'Location/gone' }] } as R,
        );
      });
      test('Type/id, id, :Type, absolute URL under our base, :identifier, :missing', async () => {
        expect(await ids('Location', 'organization=Organization/o1')).toEqual(['l1']);
        expect(await ids('Location', 'organization=o2')).toEqual(['l2']);
        expect(await ids('Location', 'organization:Organization=o2')).toEqual(['l2']);
        expect(await ids('Location', `organization=${BASE}/Organization/o1`)).toEqual(['l1']);
        expect(await ids('HealthcareService', 'organization:identifier=urn:finess|75')).toEqual(['h2']);
        expect(await ids('HealthcareService', 'organization:missing=true')).toEqual(['h3']);
      });
      test('chains of any depth; chains through absent references match nothing', async () => {
        expect(await ids('HealthcareService', 'location.address-city=Lyon')).toEqual(['h1']);
        expect(await ids('HealthcareService', 'location.address-city=villeur')).toEqual(['h2']);
        expect(await ids('HealthcareService', 'location.organization.name=ch paris')).toEqual(['h2']);
        expect(await ids('HealthcareService', 'location:Location.organization.address-city=lyon')).toEqual(['h1']);
        expect(await ids('Location', 'organization.name=ch')).toEqual(['l1', 'l2']);
      });
      test('_list: the resources a List holds in entry.item; functional lists refused', async () => {
        await put({ resourceType: 'List', id: 'L1', status: 'current', mode: 'working',
          entry: [{ item: { reference: 'Organization/o1' } }, { item: { reference: 'Location/l2' } }, { item: { reference: `${BASE}/Location/l3` } }] } as R,
        { resourceType: 'List', id: 'L2', status: 'current', mode: 'working', entry: [{ item: { reference: 'Organization/o2' } }] } as R);
        expect(await ids('Organization', '_list=L1')).toEqual(['o1']);
        expect(await ids('Location', '_list=L1')).toEqual(['l2', 'l3']);
        expect(await ids('Location', '_list=L1&name=bat b')).toEqual(['l2']);
        expect(await ids('Organization', '_list=List/L2')).toEqual(['o2']);
        expect(await ids('Organization', '_list=L1,L2')).toEqual(['o1', 'o2']);
        expect(await ids('Organization', '_list=L1&_list=L2')).toEqual([]);
        expect(await ids(undefined, '_type=Organization,Location&_list=L1')).toEqual(['l2', 'l3', 'o1']);
        expect(await ids('Organization', '_list=unknown')).toEqual([]);
        await del('List', 'L1');
        expect(await ids('Organization', '_list=L1')).toEqual([]);
        await expect400('Organization', '_list=$current-allergies', '_list');
        await expect400('Organization', '_list=a/b', '_list');
      });
      test('_has, nested', async () => {
        expect(await ids('Organization', '_has:HealthcareService:organization:name=ssr')).toEqual(['o1']);
        expect(await ids('Organization', '_has:Location:organization:_has:HealthcareService:location:name=mco')).toEqual(['o2']);
      });
      test('_has: only live sources of the named type count', async () => {
        // h1, a HealthcareService named SSR, points to o1; l1, a Location pointing to o1, is named Bât A
        expect(await ids('Organization', '_has:Location:organization:name=ssr')).toEqual([]);
        expect(await ids('Organization', '_has:Location:organization:name=bat a')).toEqual(['o1']);
        expect(await ids('Organization', '_has:HealthcareService:organization:location.address-city=paris')).toEqual(['o2']);
        await del('HealthcareService', 'h1');
        expect(await ids('Organization', '_has:HealthcareService:organization:name=ssr')).toEqual([]);
        expect(await ids('Organization', '_has:HealthcareService:organization:name=ssr&_total=accurate')).toEqual([]);
      });
      test('_has paging skips deleted targets: next, previous, self, total', async () => {
        await put(
          ...[0, 1, 2, 3, 4, 5].map((i) => org(`p${i}`)),
          ...[0, 1, 2, 3, 4, 5].map((i) => ({ resourceType: 'HealthcareService', id: `s${i}`, name: 'unit', providedBy: { reference: `Organization/p${i}` } }) as R),
        );
        await del('Organization', 'p2');
        await del('Organization', 'p3');
        const query = '_has:HealthcareService:organization:name=unit&_count=2&_total=accurate';
        const first = await search('Organization', query);
        expect(matchIds(first)).toEqual(['p0', 'p1']);
        expect(first.total).toBe(4);
        const second = await search('Organization', new URL(first.link!.find((l) => l.relation === 'next')!.url).search.slice(1));
        expect(matchIds(second)).toEqual(['p4', 'p5']);
        expect(second.link!.find((l) => l.relation === 'next')).toBeUndefined();
        const back = await search('Organization', new URL(second.link!.find((l) => l.relation === 'previous')!.url).search.slice(1));
        expect(matchIds(back)).toEqual(['p0', 'p1']);
        const self = await search('Organization', new URL(second.link!.find((l) => l.relation === 'self')!.url).search.slice(1));
        expect(matchIds(self)).toEqual(['p4', 'p5']);
      });
      test('deleted targets break the chain', async () => {
        await del('Location', 'l1');
        expect(await ids('HealthcareService', 'location.address-city=Lyon')).toEqual([]);
      });
      test('near, sorted by distance, and the unit', async () => {
        const b = await search('Location', 'near=45.76|4.86|10|km');
        expect(matchIds(b)).toEqual(['l1', 'l3']);
        expect(matchIds(await search('Location', 'near=45.7|4.8|500|m'))).toEqual([]);
        expect(matchIds(await search('Location', 'near=45.70|4.80|1000|km'))).toEqual(['l1', 'l3', 'l2']);
        await expect400('Location', 'near=abc', 'near');
      });
      test('_include, _include:iterate, _revinclude, *', async () => {
        const b = await search('HealthcareService', '_id=h1&_include=HealthcareService:location&_include:iterate=Location:organization');
        expect(b.entry!.map((e) => `${e.search!.mode}:${e.resource!.resourceType}/${e.resource!.id}`).sort()).toEqual([
          'include:Location/l1', 'include:Organization/o1', 'match:HealthcareService/h1',
        ]);
        const r = await search('Organization', '_id=o1&_revinclude=HealthcareService:organization&_revinclude=Location:*');
        expect(r.entry!.filter((e) => e.search!.mode === 'include').map((e) => e.resource!.id).sort()).toEqual(['h1', 'l1']);
        const all = await search('HealthcareService', '_id=h2&_include=*');
        expect(all.entry!.filter((e) => e.search!.mode === 'include').map((e) => e.resource!.id).sort()).toEqual(['l2', 'l3', 'o2']);
        expect(all.entry!.find((e) => e.resource!.id === 'l2')!.fullUrl).toBe(`${BASE}/Location/l2`);
      });
      test('include limit: an outcome entry says it, nothing silently dropped', async () => {
        const b = await search('HealthcareService', '_id=h2&_include=HealthcareService:location', false, { maxIncludes: 1 });
        expect(b.entry!.filter((e) => e.search!.mode === 'include')).toHaveLength(1);
        const oo = b.entry!.find((e) => e.search!.mode === 'outcome')!.resource as any;
        expect(oo.issue[0].diagnostics).toContain('more than 1');
      });
    });

    describe('meta parameters, _text/_content, uri', () => {
      test('_tag _profile _security _source _content', async () => {
        await put(
          org('a', { name: 'Alpha', meta: { tag: [{ system: 'urn:t', code: 'x' }], profile: ['http://p/ror-org'], security: [{ code: 'R' }], source: 'urn:finess' } }),
          org('b', { name: 'Beta' }),
        );
        expect(await ids('Organization', '_tag=urn:t|x')).toEqual(['a']);
        expect(await ids('Organization', '_profile=http://p/ror-org')).toEqual(['a']);
        expect(await ids('Organization', '_security=R')).toEqual(['a']);
        expect(await ids('Organization', '_source=urn:finess')).toEqual(['a']);
        expect(await ids('Organization', '_content=bet')).toEqual(['b']);
      });
      test('uri :below and :above', async () => {
        await put(
          { resourceType: 'ValueSet', id: 'v1', status: 'active', url: 'http://ror.fr/ValueSet/a' } as R,
          { resourceType: 'ValueSet', id: 'v2', status: 'active', url: 'http://ror.fr/ValueSet' } as R,
        );
        expect(await ids('ValueSet', 'url=http://ror.fr/ValueSet/a')).toEqual(['v1']);
        expect(await ids('ValueSet', 'url:below=http://ror.fr/')).toEqual(['v1', 'v2']);
        expect(await ids('ValueSet', 'url:above=http://ror.fr/ValueSet/a/b')).toEqual(['v1', 'v2']);
      });
    });

    describe('_lastUpdated', () => {
      test('prefixes at millisecond precision; default order is oldest change first', async () => {
        const [a] = await put(org('a', { name: 'A' }));
        const [b] = await put(org('b', { name: 'B' }));
        await put(org('a', { name: 'A2' })); // a changes after b
        const aNow = (await store.read('Organization', 'a'))!.lastUpdated;
        expect(matchIds(await search('Organization', `_lastUpdated=gt${b.lastUpdated}`))).toEqual(['a']);
        expect(matchIds(await search('Organization', `_lastUpdated=le${b.lastUpdated}`))).toEqual(['b']);
        expect(matchIds(await search('Organization', `_lastUpdated=eq${aNow}`))).toEqual(['a']);
        expect(matchIds(await search('Organization', `_lastUpdated=ge${a.lastUpdated}`))).toEqual(['b', 'a']);
        expect(matchIds(await search('Organization', `_lastUpdated=lt${a.lastUpdated}`))).toEqual([]);
        expect(matchIds(await search('Organization', `_lastUpdated=ge2000&_sort=-_lastUpdated`))).toEqual(['a', 'b']);
      });
    });

    describe('current versions only', () => {
      test('updated values replace old ones; deleted resources never match', async () => {
        await put(org('a', { name: 'Old name' }));
        await put(org('a', { name: 'New name' }));
        expect(await ids('Organization', 'name=old')).toEqual([]);
        expect(await ids('Organization', 'name=new')).toEqual(['a']);
        await del('Organization', 'a');
        expect(await ids('Organization', 'name=new')).toEqual([]);
        expect(await ids('Organization', '')).toEqual([]);
      });
    });

    describe('sort, count, paging, total', () => {
      beforeEach(async () => {
        const names = ['delta', 'Alpha', 'charlie', 'bravo', 'alpha', 'echo'];
        await put(...names.map((n, i) => org(`o${i}`, { name: n })), org('nameless'));
      });
      test('_sort on several keys with _id as tie-breaker; missing values last', async () => {
        expect(matchIds(await search('Organization', '_sort=name'))).toEqual(['o1', 'o4', 'o3', 'o2', 'o0', 'o5', 'nameless']);
        expect(matchIds(await search('Organization', '_sort=-name,-_id'))).toEqual(['o5', 'o0', 'o2', 'o3', 'o4', 'o1', 'nameless']);
        await expect400('Organization', '_sort=foo', '_sort');
      });
      test('_count, _count=0 and _total', async () => {
        const b = await search('Organization', '_count=2&_total=accurate');
        expect(b.entry).toHaveLength(2);
        expect(b.total).toBe(7);
        const c = await search('Organization', '_count=0');
        expect(c.entry ?? []).toHaveLength(0);
        expect(c.total).toBe(7);
        expect((await search('Organization', '_summary=count')).total).toBe(7);
        expect((await search('Organization', '')).total).toBeUndefined();
        expect((await search('Organization', '_count=2&_total=none')).total).toBeUndefined();
        // an estimate is exact on data this small (see sqlite-search-total.test.ts for large sets)
        expect((await search('Organization', '_count=2&_total=estimate')).total).toBe(7);
        expect((await search('Organization', '_count=2&_total=estimate&name=a')).total).toBe(2);
        expect((await search('Organization', '_count=0&_total=estimate')).total).toBe(7);
        expect((await search('Organization', '_count=10&_total=accurate&name=zzz')).total).toBe(0);
      });
      test('paging through everything with writes in between: no duplicate, no gap; previous goes back', async () => {
        for (const sort of ['', '_sort=name', '_sort=-_lastUpdated']) {
          const seen: string[] = [];
          let b = await search('Organization', `_count=2&${sort}`);
          const firstPage = matchIds(b);
          let round = 0;
          for (;;) {
            seen.push(...matchIds(b));
            if (round++ === 0) await put(org('o0', { name: 'delta' })); // an update while paging
            const next = b.link!.find((l) => l.relation === 'next');
            if (!next) break;
            expect(next.url.startsWith(`${BASE}/Organization?`)).toBe(true);
            const prevUrl = new URL(next.url);
            b = await search('Organization', prevUrl.search.slice(1));
          }
          // `-_lastUpdated` moves the updated o0 to the front: it may be missed but never duplicated
          expect(new Set(seen).size).toBe(seen.length);
          if (sort !== '_sort=-_lastUpdated') expect(seen.sort()).toEqual(['nameless', 'o0', 'o1', 'o2', 'o3', 'o4', 'o5']);
          // previous of page 2 is page 1
          const p1 = await search('Organization', `_count=2&${sort}`);
          const p2 = await search('Organization', new URL(p1.link!.find((l) => l.relation === 'next')!.url).search.slice(1));
          const back = await search('Organization', new URL(p2.link!.find((l) => l.relation === 'previous')!.url).search.slice(1));
          expect(matchIds(back)).toEqual(matchIds(p1));
          void firstPage;
          // self link reproduces the page
          const self = await search('Organization', new URL(p2.link!.find((l) => l.relation === 'self')!.url).search.slice(1));
          expect(matchIds(self)).toEqual(matchIds(p2));
        }
      });
      test('paging a filtered search (token and reference conditions): next, previous, self', async () => {
        await put(...['p', 'q', 'r', 's', 't'].map((id, i) => org(id, { active: true, partOf: { reference: 'Organization/o0' }, identifier: [{ system: 'urn:x', value: 'v' }, { system: 'urn:y', value: 'v' }], name: `n${i}` })));
        for (const query of ['active=true', 'partof=Organization/o0', 'identifier=v', 'active=true&name=n']) {
          const seen: string[] = [];
          const pages: string[][] = [];
          let b = await search('Organization', `${query}&_count=2`);
          for (;;) {
            pages.push(matchIds(b));
            seen.push(...matchIds(b));
            const next = b.link!.find((l) => l.relation === 'next');
            if (!next) break;
            b = await search('Organization', new URL(next.url).search.slice(1));
          }
          expect(seen.sort()).toEqual(['p', 'q', 'r', 's', 't']);
          expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
          const back = await search('Organization', new URL(b.link!.find((l) => l.relation === 'previous')!.url).search.slice(1));
          expect(matchIds(back)).toEqual(pages[1]);
          const self = await search('Organization', new URL(b.link!.find((l) => l.relation === 'self')!.url).search.slice(1));
          expect(matchIds(self)).toEqual(pages[2]);
        }
      });
      test('paging by distance (`near`): nearest first, ties by _id; next, previous, self; deleted and far points left out', async () => {
        // km from (45, 4): at 0.1° of latitude steps, ~11.1 km each; tb and ta share a point (created tb first)
        const at = (id: string, dLat: number) => loc(id, { position: { latitude: 45 + dLat, longitude: 4 } });
        await put(at('n3', 0.3), at('tb', 0.2), at('ta', 0.2), at('n1', 0.1), at('gone', 0.15), at('n4', 0.4), at('far', 2));
        await del('Location', 'gone');
        const all = matchIds(await search('Location', 'near=45|4|100|km'));
        expect(all).toEqual(['n1', 'ta', 'tb', 'n3', 'n4']);
        const pages: string[][] = [];
        let b = await search('Location', 'near=45|4|100|km&_count=2');
        for (;;) {
          pages.push(matchIds(b));
          const next = b.link!.find((l) => l.relation === 'next');
          if (!next) break;
          b = await search('Location', new URL(next.url).search.slice(1));
        }
        expect(pages).toEqual([['n1', 'ta'], ['tb', 'n3'], ['n4']]);
        const back = await search('Location', new URL(b.link!.find((l) => l.relation === 'previous')!.url).search.slice(1));
        expect(matchIds(back)).toEqual(['tb', 'n3']);
        const backAgain = await search('Location', new URL(back.link!.find((l) => l.relation === 'previous')!.url).search.slice(1));
        expect(matchIds(backAgain)).toEqual(['n1', 'ta']);
        const self = await search('Location', new URL(back.link!.find((l) => l.relation === 'self')!.url).search.slice(1));
        expect(matchIds(self)).toEqual(['tb', 'n3']);
        expect(matchIds(await search('Location', 'near=45|4|25|km&name:missing=true'))).toEqual(['n1', 'ta', 'tb']);
        // `near` as a plain condition: another order, a count
        expect(matchIds(await search('Location', 'near=45|4|25|km&_sort=-_id'))).toEqual(['tb', 'ta', 'n1']);
        expect((await search('Location', 'near=45|4|25|km&_summary=count')).total).toBe(3);
      });
      test('a tampered cursor or one from another query is a 400', async () => {
        await expect400('Organization', '_cursor=garbage', '_cursor');
        const b = await search('Organization', '_count=2');
        const cursor = new URL(b.link!.find((l) => l.relation === 'next')!.url).searchParams.get('_cursor')!;
        await expect400('Organization', `_count=2&name=a&_cursor=${cursor}`, 'cursor');
      });
    });

    describe('bundle, unknown parameters, _summary, _elements, system search, conditional', () => {
      beforeEach(async () => {
        await put(org('a', { name: 'Alpha', active: true, text: { status: 'generated', div: '<div>Alpha</div>' } }), loc('l', { name: 'Alpha site' }));
      });
      test('searchset bundle shape', async () => {
        const b = await search('Organization', 'name=alpha');
        expect(b).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
        expect(b.link!.map((l) => l.relation)).toEqual(['self', 'first']);
        expect(b.link![0].url).toBe(`${BASE}/Organization?name=alpha`);
        expect(b.entry![0]).toMatchObject({ fullUrl: `${BASE}/Organization/a`, search: { mode: 'match' } });
      });
      test('unknown parameters are reported in an outcome entry, or 400 with strict handling', async () => {
        const b = await search('Organization', 'foo=1&name=alpha');
        expect(matchIds(b)).toEqual(['a']);
        const oo = b.entry!.find((e) => e.search!.mode === 'outcome')!.resource as any;
        expect(oo.resourceType).toBe('OperationOutcome');
        expect(oo.issue[0].diagnostics).toContain('foo');
        await expect(search('Organization', 'foo=1', true)).rejects.toMatchObject({ status: 400 });
      });
      test('_summary and _elements', async () => {
        const s = (await search('Organization', '_summary=true')).entry![0].resource as any;
        expect(s.text).toBeUndefined();
        expect(s.name).toBe('Alpha');
        expect(s.meta.tag[0].code).toBe('SUBSETTED');
        const d = (await search('Organization', '_summary=data')).entry![0].resource as any;
        expect(d.text).toBeUndefined();
        const t = (await search('Organization', '_summary=text')).entry![0].resource as any;
        expect(t.text).toBeDefined();
        expect(t.name).toBeUndefined();
        const e = (await search('Organization', '_elements=active')).entry![0].resource as any;
        expect(e).toMatchObject({ resourceType: 'Organization', id: 'a', active: true });
        expect(e.name).toBeUndefined();
      });
      test('system-level search with _type', async () => {
        expect(await ids(undefined, '_type=Organization,Location&name=alpha')).toEqual(['a', 'l']);
        expect(await ids(undefined, '_type=Location&name=alpha')).toEqual(['l']);
      });
      test('conditional matches', async () => {
        expect((await findConditionalMatches(store, testSearchServices(), 'Organization', 'name=alpha', 2)).map((v) => v.id)).toEqual(['a']);
        await expect(findConditionalMatches(store, testSearchServices(), 'Organization', 'bogus=1', 2)).rejects.toMatchObject({ status: 400 });
      });
    });
  });
}
