/** The JSON-walk fast path must index exactly what the FHIRPath engine indexes. */
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexRows } from '../../../src/fhir/search/extract';
import { SearchParamRegistry } from '../../../src/fhir/search/registry';
import { compileSimplePath } from '../../../src/fhir/search/fast-path';
import { GENERATORS } from '../../../scripts/bench/search-data';

const fast = new SearchParamRegistry([], true);
const slow = new SearchParamRegistry([], false);

const samples: Resource[] = [
  ...Object.values(GENERATORS).flatMap((g) => [g(1), g(2)]),
  {
    resourceType: 'Practitioner',
    id: 'p',
    meta: { lastUpdated: '2024-01-01T00:00:00Z', tag: [{ system: 's', code: 't' }], profile: ['http://p'], source: 'urn:x' },
    name: [{ family: 'Dupré', given: ['Anne', 'Marie'], prefix: ['Dr'] }, { text: 'A. Dupré' }],
    telecom: [{ system: 'email', value: 'a@b.fr' }, { system: 'phone', value: '0102' }],
    address: [{ city: 'Lyon', postalCode: '69001', country: 'FR', line: ['1 rue X'] }],
    gender: 'female',
    active: false,
    identifier: [{ system: 'urn:rpps', value: '1', type: { coding: [{ system: 'urn:t', code: 'RPPS' }] } }],
    communication: [{ coding: [{ system: 'urn:lang', code: 'fr' }] }],
  },
  {
    resourceType: 'PractitionerRole',
    id: 'r',
    period: { start: '2020-01', end: '2021' },
    telecom: [{ system: 'email', value: 'r@b.fr' }],
    healthcareService: [{ reference: 'HealthcareService/h', identifier: { system: 'urn:h', value: '9' } }],
    specialty: [{ coding: [{ system: 's', code: 'c', display: 'Cardio' }], text: 'Cardiologie' }],
  },
  { resourceType: 'Location', id: 'l', position: { latitude: 45, longitude: 4 }, alias: ['A', 'B'], operationalStatus: { code: 'O' } },
  { resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1.5, unit: 'mg' }, effectivePeriod: { start: '2020' } },
] as Resource[];

describe('fast path', () => {
  test.each(samples.map((r) => [`${r.resourceType}/${r.id}`, r]))('%s: same index rows as FHIRPath', (_name, resource) => {
    expect(extractIndexRows(fast, resource as Resource)).toEqual(extractIndexRows(slow, resource as Resource));
  });
  test('only plain paths compile', () => {
    expect(compileSimplePath('Organization', 'Organization.address.city')).toBeDefined();
    expect(compileSimplePath('Practitioner', "Patient.telecom.where(system='email') | Practitioner.telecom.where(system='email')")).toBeDefined();
    expect(compileSimplePath('Observation', 'Observation.value')).toBeUndefined(); // choice type
    expect(compileSimplePath('Observation', '(Observation.value as Quantity)')).toBeUndefined();
    expect(compileSimplePath('Organization', 'Organization.extension.where(url=%x)')).toBeUndefined();
  });
});
