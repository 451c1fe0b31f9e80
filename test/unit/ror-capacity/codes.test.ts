/** The capacity code lists in src/ror/capacity/codes.ts are data copied from fhir-profiles/terminology: keep them equal. */
import fs from 'node:fs';
import path from 'node:path';
import type { ValueSet } from '@medplum/fhirtypes';
import { CODE_LISTS, CODED_FIELDS, fieldOfSystem, normalizeCode } from '../../../src/ror/capacity/codes';
import { loadCapacityConfig } from '../../../src/ror/capacity/config';

const TERMINOLOGY = path.resolve(__dirname, '../../../fhir-profiles/terminology');

describe('code lists', () => {
  test.each(CODED_FIELDS.map((f) => [f]))('%s matches the JDV the profile binds', (field) => {
    const list = CODE_LISTS[field];
    const jdv = list.valueSet.split('/NOS/')[1].split('/')[0]; // JDV_J187-NatureCapacite-ROR
    const file = path.join(TERMINOLOGY, `ValueSet-${jdv}.json`);
    const vs = JSON.parse(fs.readFileSync(file, 'utf8')) as ValueSet;
    expect(vs.url).toBe(list.valueSet);
    const includes = vs.compose!.include;
    expect(includes.map((i) => i.system)).toEqual([list.system]);
    const codes = Object.fromEntries(includes[0].concept!.map((c) => [c.code, c.display]));
    expect(list.codes).toEqual(codes);
  });

  test('systems and value sets are told apart; a trailing slash is tolerated', () => {
    expect(fieldOfSystem(CODE_LISTS.capacityStatus.system)).toEqual({ field: 'capacityStatus', isValueSet: false });
    expect(fieldOfSystem(`${CODE_LISTS.temporaryAssignement.valueSet}/`)).toEqual({ field: 'temporaryAssignement', isValueSet: true });
    expect(fieldOfSystem('http://example.org/cs')).toBeUndefined();
  });

  test('one-digit codes are padded (spreadsheets drop the leading zero), others kept', () => {
    expect(normalizeCode(' 1 ')).toBe('01');
    expect(normalizeCode('02')).toBe('02');
    expect(normalizeCode('10')).toBe('10');
    expect(normalizeCode('x')).toBe('x');
  });
});

describe('config', () => {
  test('ROR_CAPACITY_STALE_HOURS, default 24, must be a positive number', () => {
    expect(loadCapacityConfig({}).staleHours).toBe(24);
    expect(loadCapacityConfig({ ROR_CAPACITY_STALE_HOURS: '6.5' }).staleHours).toBe(6.5);
    expect(() => loadCapacityConfig({ ROR_CAPACITY_STALE_HOURS: '0' })).toThrow(/positive number/);
    expect(() => loadCapacityConfig({ ROR_CAPACITY_STALE_HOURS: 'day' })).toThrow(/ROR_CAPACITY_STALE_HOURS/);
  });
});
