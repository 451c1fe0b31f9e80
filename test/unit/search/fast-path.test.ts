/** The JSON-walk fast path must index exactly what the FHIRPath engine indexes. */
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexRows } from '../../../src/indexing/extract';
import { loadSearchParameterFiles, SearchParamRegistry } from '../../../src/indexing/registry';
import { compileRelativePath, compileSimplePath } from '../../../src/indexing/fast-path';
import { GENERATORS } from '../../../scripts/bench/search-data';
import { locationWithCapacity } from '../../helpers/ror';
import fs from 'node:fs';
import path from 'node:path';

// Base R4 plus the project's SearchParameters (the ROR ones, with element groups).
const projectParams = loadSearchParameterFiles();
const fast = new SearchParamRegistry(projectParams, true);
const slow = new SearchParamRegistry(projectParams, false);

const FIXTURES = path.resolve(__dirname, '../../fixtures/ror');
const rorFixtures = ['Location-ror-with-capacity.json', 'Location-ror-base.json', 'HealthcareService-ror-patient-type.json']
  .filter((f) => fs.existsSync(path.join(FIXTURES, f)))
  .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as Resource);
const PRICE = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-organization-price';

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
  ...rorFixtures,
  locationWithCapacity('cap') as Resource,
  {
    resourceType: 'Organization',
    id: 'price',
    extension: [
      { url: PRICE, extension: [{ url: 'amount', valueMoney: { value: 82.5, currency: 'EUR' } }, { url: 'startDate', valueDate: '2024-01-01' }, { url: 'priceType', valueCodeableConcept: { coding: [{ system: 's', code: 'p' }] } }] },
      { url: PRICE, extension: [{ url: 'amount', valueMoney: { value: 90 } }] },
    ],
  },
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
    expect(compileSimplePath('Location', "Location.extension.where(url='http://a.b/c').value.ofType(CodeableConcept)")).toBeDefined();
    expect(compileRelativePath('Extension', "extension.where(url='startDate').value")).toBeUndefined(); // untyped choice
  });
  test('the ROR parameters mostly take the fast path', () => {
    const defs = [...fast.paramsOf('Location').values()].filter((d) => d.group);
    expect(defs.length).toBeGreaterThan(5);
    expect(defs.every((d) => d.group!.fastContext && d.group!.fast)).toBe(true);
  });
});

test('the ROR capacity fixture yields grouped rows (the comparison above is not vacuous)', () => {
  const loc = rorFixtures.find((r) => r.resourceType === 'Location' && JSON.stringify(r).includes('supported-capacity'));
  if (!loc) return; // fixture not present in this checkout
  const rows = extractIndexRows(fast, loc);
  expect(rows.tokens.filter((t) => t.code === 'capacity-status' && t.grp > 0).length).toBeGreaterThan(0);
  expect(rows.numbers.filter((n) => n.code === 'nb-capacity' && n.grp > 0).length).toBeGreaterThan(0);
});
