/**
 * The ROR SearchParameters (fhir-profiles/search-parameters/ror-search-parameters.json, the 0.7.0 list corrected):
 * each one parses in the search registry and extracts the expected values, per capacity entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { extractIndexRows, type IndexRows } from '../../../src/indexing/extract';
import { SearchParamRegistry } from '../../../src/indexing/registry';
import { fixture, locationWithCapacity, ROR_SD } from './helpers';

const FILE = path.resolve(__dirname, '../../../fhir-profiles/search-parameters/ror-search-parameters.json');
const bundle = JSON.parse(fs.readFileSync(FILE, 'utf8')) as Bundle<SearchParameter>;
const params = (bundle.entry ?? []).map((e) => e.resource as SearchParameter);
const registry = new SearchParamRegistry(params);

const TRE = (name: string) => `https://mos.esante.gouv.fr/NOS/${name}/FHIR/${name.replace('_', '-')}`;

function tokens(rows: IndexRows, code: string): string[] {
  return rows.tokens.filter((t) => t.code === code).map((t) => `${t.system}|${t.value}`);
}
/** Number rows of a parameter (a quantity's extra "human unit" row left out). */
function numbers(rows: IndexRows, code: string): number[] {
  const own = rows.numbers.filter((n) => n.code === code);
  const humanUnit = (n: (typeof own)[number]) =>
    n.system === null && n.unit !== null && own.some((m) => m !== n && m.value === n.value && m.system !== null);
  return own.filter((n) => !humanUnit(n)).map((n) => n.value);
}
/** Quantities: value and UCUM code of the rows carrying a system. */
function quantities(rows: IndexRows, code: string): string[] {
  return rows.numbers.filter((n) => n.code === code && n.system).map((n) => `${n.value} ${n.system}|${n.unit}`);
}
function dates(rows: IndexRows, code: string): number {
  return rows.dates.filter((d) => d.code === code).length;
}

describe('ROR SearchParameters', () => {
  it('serves the 0.7.0 list but the dropped HealthcareService equipment-type, with the CapabilityStatement codes', () => {
    expect(params).toHaveLength(35);
    const codes = params.map((p) => p.code);
    expect(codes).toContain('price-amount-value');
    expect(codes).not.toContain('amount-value');
    expect(params.find((p) => p.id === 'ror-sp-healthcareservice-equipment-type')).toBeUndefined();
  });

  it.each(params.flatMap((sp) => (sp.base ?? []).map((base) => [base, sp.code as string, sp] as const)))(
    '%s %s parses and is indexed',
    (base, code, sp) => {
      const def = registry.get(base, code);
      expect(def?.url).toBe(sp.url);
      expect(def?.atom).toBeDefined();
      expect(def?.index).toBeDefined();
      expect(sp.expression).not.toMatch(/\.as\(/);
    },
  );

  it('extracts the capacity values of each entry of a Location', () => {
    const rows = extractIndexRows(registry, locationWithCapacity());
    expect(tokens(rows, 'capacity-status')).toEqual([`${TRE('TRE_R330-TypeStatutCapacite')}|01`, `${TRE('TRE_R330-TypeStatutCapacite')}|02`]);
    expect(tokens(rows, 'capacity-type')).toEqual([`${TRE('TRE_R329-NatureCapacite')}|01`, `${TRE('TRE_R329-NatureCapacite')}|01`]);
    expect(tokens(rows, 'temporality-capacity')).toHaveLength(2);
    expect(tokens(rows, 'gender-capacity-available')).toEqual([`${TRE('TRE_R332-GenreCapacite')}|03`]);
    expect(tokens(rows, 'temporary-assignement')).toEqual([
      `${TRE('TRE_R337-AffectationTemporaire')}|01`,
      `${TRE('TRE_R337-AffectationTemporaire')}|02`,
    ]);
    expect(numbers(rows, 'nb-capacity')).toEqual([24, 2]);
    expect(dates(rows, 'capacity-update-date')).toBe(2);
    expect(tokens(rows, 'commune-cog')).toEqual([`${TRE('TRE_R13-CommuneOM')}|01451`]);
    // near-insee-code has commune-cog's expression: its searches read commune-cog's rows (registry.indexCode).
    expect(tokens(rows, 'near-insee-code')).toEqual([]);
    expect(registry.indexCode('Location', 'near-insee-code')).toBe('commune-cog');
  });

  it('extracts closing type, additional bed and crisis types', () => {
    const loc = locationWithCapacity();
    const cc = (tre: string, code: string) => ({ coding: [{ system: TRE(tre), code }] });
    loc.extension[2].extension.push(
      { url: 'capacityClosingType', valueCodeableConcept: cc('TRE_R333-TypeFermetureCapacite', '01') },
      { url: 'additionalBedType', valueCodeableConcept: cc('TRE_R334-TypeLitSupplementaire', '02') },
      { url: 'crisisType', valueCodeableConcept: cc('TRE_R336-TypeCrise', '01') },
    );
    const rows = extractIndexRows(registry, loc);
    expect(tokens(rows, 'capacity-closing-type')).toEqual([`${TRE('TRE_R333-TypeFermetureCapacite')}|01`]);
    expect(tokens(rows, 'additional-bed-type')).toEqual([`${TRE('TRE_R334-TypeLitSupplementaire')}|02`]);
    expect(tokens(rows, 'crisis-type')).toEqual([`${TRE('TRE_R336-TypeCrise')}|01`]);
  });

  it('reads the equipment limit nested in ror-location-equipment, and residential capacity', () => {
    const loc = locationWithCapacity();
    loc.extension.push(
      {
        url: `${ROR_SD}/ror-location-equipment`,
        extension: [
          { url: 'equipmentType', valueCodeableConcept: { coding: [{ system: 'urn:equipment', code: 'E1' }] } },
          {
            url: `${ROR_SD}/ror-location-equipment-limit`,
            extension: [
              { url: 'equipmentFeature', valueCodeableConcept: { coding: [{ system: 'urn:feature', code: 'F1' }] } },
              { url: 'limitValue', valueQuantity: { value: 150, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } },
            ],
          },
        ],
      },
      {
        url: `${ROR_SD}/ror-location-residential-capacity`,
        extension: [
          { url: 'residentialType', valueCodeableConcept: { coding: [{ system: 'urn:residential', code: 'R1' }] } },
          { url: 'residentialNumber', valueInteger: 12 },
        ],
      },
    );
    const rows = extractIndexRows(registry, loc);
    expect(tokens(rows, 'equipment-type')).toEqual(['urn:equipment|E1']);
    expect(tokens(rows, 'equipment-feature')).toEqual(['urn:feature|F1']);
    expect(quantities(rows, 'limit-value')).toEqual(['150 http://unitsofmeasure.org|kg']);
    expect(tokens(rows, 'residential-type')).toEqual(['urn:residential|R1']);
    expect(numbers(rows, 'residential-number')).toEqual([12]);
  });

  it('reads the price sub-extensions the corrected SearchParameters point at', () => {
    const price = (sub: object[]) => ({ url: `${ROR_SD}/ror-organization-price`, extension: sub });
    const org = {
      resourceType: 'Organization',
      extension: [
        price([
          { url: 'amount', valueMoney: { value: 72.5, currency: 'EUR' } },
          { url: 'startDate', valueDateTime: '2026-01-01' },
          { url: 'specialPrice', valueCodeableConcept: { coding: [{ system: 'urn:special', code: 'S1' }] } },
          { url: 'dependencyLevel', valueCodeableConcept: { coding: [{ system: 'urn:dependency', code: 'D1' }] } },
        ]),
        { url: `${ROR_SD}/ror-organization-drop-zone`, valueBoolean: true },
      ],
      name: 'EHPAD',
    } as Resource;
    const rows = extractIndexRows(registry, org);
    expect(numbers(rows, 'price-amount-value')).toEqual([72.5]);
    expect(dates(rows, 'price-validity-start-date')).toBe(1);
    expect(tokens(rows, 'special-price')).toEqual(['urn:special|S1']);
    expect(tokens(rows, 'price-dependency-level')).toEqual(['urn:dependency|D1']);
    expect(tokens(rows, 'drop-zone')).toEqual(['null|true']);
  });

  it('reads the patient type and age range of a HealthcareService', () => {
    const rows = extractIndexRows(registry, fixture('HealthcareService-ror-patient-type.json'));
    expect(quantities(rows, 'age-range-low')).toEqual(['0 http://unitsofmeasure.org|a']);
    expect(quantities(rows, 'age-range-high')).toEqual(['120 http://unitsofmeasure.org|a']);
  });

  it('finds values in the demo region for the extensions it uses', () => {
    const demo = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../../src/demo/data/demo-region.bundle.json'), 'utf8'),
    ) as Bundle;
    const found = new Set<string>();
    for (const e of demo.entry ?? []) {
      const rows = extractIndexRows(registry, e.resource as Resource);
      for (const r of [...rows.tokens, ...rows.numbers, ...rows.dates]) found.add(r.code);
    }
    for (const code of ['capacity-status', 'capacity-type', 'temporality-capacity', 'nb-capacity', 'capacity-update-date', 'commune-cog', 'age-range-low', 'age-range-high']) {
      expect(found).toContain(code);
    }
  });
});
