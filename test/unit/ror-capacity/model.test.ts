/** Capacity entries as records: lenient reading, IG 0.7.0 writing, and the $set-capacity matching rule. */
import type { Extension, Location } from '@medplum/fhirtypes';
import { CODE_LISTS, SUPPORTED_CAPACITY_URL } from '../../../src/ror/capacity/codes';
import {
  AmbiguousCapacityError,
  type CapacityInput,
  type CapacityRecord,
  capacityEntries,
  capacityExtension,
  describeRecord,
  entryKey,
  readRecord,
  upsertCapacity,
} from '../../../src/ror/capacity/model';

const DEFAULTS = { capacitySourceType: '01', temporaryAssignement: '01', capacityUpdateDate: '2026-11-21T10:00:00.000Z' };
const record = (r: Partial<CapacityRecord>): CapacityRecord => ({
  capacityType: '01',
  capacityStatus: '02',
  temporalityCapacity: '01',
  nbCapacity: 1,
  capacitySourceType: '02',
  capacityUpdateDate: '2026-11-20T08:00:00+01:00',
  temporaryAssignement: '01',
  ...r,
});
const location = (...records: CapacityRecord[]): Location => ({
  resourceType: 'Location',
  id: 'l',
  extension: [{ url: 'http://example.org/other', valueString: 'kept' }, ...records.map((r) => capacityExtension(r))],
});
const freeze = <T>(x: T): T => {
  if (x && typeof x === 'object') {
    Object.values(x).forEach(freeze);
    Object.freeze(x);
  }
  return x;
};

describe('reading', () => {
  test('codes from valueCodeableConcept (TRE coding preferred), valueCoding or valueCode; junk is skipped', () => {
    const ext: Extension = {
      url: SUPPORTED_CAPACITY_URL,
      extension: [
        { url: 'capacityType', valueCodeableConcept: { coding: [{ system: 'http://local', code: 'LIT' }, { system: CODE_LISTS.capacityType.system, code: '01' }] } },
        { url: 'capacityStatus', valueCoding: { system: CODE_LISTS.capacityStatus.system, code: '02' } },
        { url: 'temporalityCapacity', valueCode: '01' },
        { url: 'nbCapacity', valueInteger: 4 },
        { url: 'genderCapacityAvailable', valueString: '01' } as Extension,
        null as unknown as Extension,
      ],
    };
    expect(readRecord(ext)).toEqual({ capacityType: '01', capacityStatus: '02', temporalityCapacity: '01', nbCapacity: 4 });
    expect(capacityEntries({ extension: 'nope' })).toEqual([]);
    expect(capacityEntries(null)).toEqual([]);
  });
});

describe('writing', () => {
  test('IG 0.7.0 shape: CodeableConcepts with the TRE system and display, in the StructureDefinition order', () => {
    const ext = capacityExtension({ nbCapacity: 0, temporaryAssignement: '02', capacityStatus: '05', capacityType: '01', temporalityCapacity: '01', capacityClosingType: '01' });
    expect(ext.extension!.map((e) => e.url)).toEqual(['capacityType', 'capacityStatus', 'temporalityCapacity', 'nbCapacity', 'capacityClosingType', 'temporaryAssignement']);
    expect(ext.extension![1]).toEqual({
      url: 'capacityStatus',
      valueCodeableConcept: { coding: [{ system: CODE_LISTS.capacityStatus.system, code: '05', display: 'Fermé' }] },
    });
    expect(ext.extension![3]).toEqual({ url: 'nbCapacity', valueInteger: 0 });
  });

  test('rewriting keeps the id and the sub-extensions the ROR does not define', () => {
    const base: Extension = { id: 'e1', url: SUPPORTED_CAPACITY_URL, extension: [{ url: 'http://local/note', valueString: 'aile B' }, { url: 'nbCapacity', valueInteger: 1 }] };
    const ext = capacityExtension(record({ nbCapacity: 2 }), base);
    expect(ext.id).toBe('e1');
    expect(ext.extension!.filter((e) => e.url === 'nbCapacity')).toEqual([{ url: 'nbCapacity', valueInteger: 2 }]);
    expect(ext.extension![ext.extension!.length - 1]).toEqual({ url: 'http://local/note', valueString: 'aile B' });
  });

  test('identity and description', () => {
    expect(entryKey(record({ genderCapacityAvailable: '01' }))).toBe('01|02|01|01||||01');
    expect(entryKey(record({ nbCapacity: 9, capacityUpdateDate: 'x' }))).toBe(entryKey(record({})));
    expect(describeRecord(record({ genderCapacityAvailable: '01', temporaryAssignement: '02' }))).toBe('Lit / Disponible / Courant / Femme (Covid+)');
  });
});

describe('upsertCapacity', () => {
  const input = (r: Partial<CapacityInput>): CapacityInput => ({ capacityType: '01', capacityStatus: '02', temporalityCapacity: '01', nbCapacity: 5, ...r });

  test('replaces the entry with the same type, status, temporality and gender; input untouched', () => {
    const loc = freeze(location(record({ genderCapacityAvailable: '01', nbCapacity: 3 }), record({ genderCapacityAvailable: '02', nbCapacity: 1 })));
    const result = upsertCapacity(loc, input({ genderCapacityAvailable: '02' }), DEFAULTS);
    expect(result.previous).toMatchObject({ nbCapacity: 1 });
    expect(capacityEntries(result.location).map((e) => [e.index, e.record.genderCapacityAvailable, e.record.nbCapacity])).toEqual([
      [1, '01', 3],
      [2, '02', 5],
    ]);
    expect(result.record).toMatchObject({ capacitySourceType: '01', capacityUpdateDate: DEFAULTS.capacityUpdateDate, temporaryAssignement: '01' });
    expect(result.location.extension![0]).toEqual(loc.extension![0]);
  });

  test('gender absent matches only an entry without gender; otherwise the entry is added', () => {
    const loc = location(record({ genderCapacityAvailable: '01' }));
    const result = upsertCapacity(loc, input({}), DEFAULTS);
    expect(result.previous).toBeUndefined();
    expect(capacityEntries(result.location)).toHaveLength(2);
  });

  test('qualifiers given must match; qualifiers not given keep the matched entry\'s values', () => {
    const covid = record({ genderCapacityAvailable: '01', temporaryAssignement: '02', crisisType: '02' });
    const loc = location(covid);
    const kept = upsertCapacity(loc, input({ genderCapacityAvailable: '01' }), DEFAULTS);
    expect(kept.record).toMatchObject({ temporaryAssignement: '02', crisisType: '02', nbCapacity: 5 });
    const other = upsertCapacity(loc, input({ genderCapacityAvailable: '01', temporaryAssignement: '03' }), DEFAULTS);
    expect(other.previous).toBeUndefined();
    expect(capacityEntries(other.location)).toHaveLength(2);
  });

  test('several matches: AmbiguousCapacityError naming the qualifier that would choose', () => {
    const loc = location(record({ capacityStatus: '05', capacityClosingType: '01' }), record({ capacityStatus: '05', capacityClosingType: '02' }));
    expect(() => upsertCapacity(loc, input({ capacityStatus: '05' }), DEFAULTS)).toThrow(AmbiguousCapacityError);
    expect(() => upsertCapacity(loc, input({ capacityStatus: '05' }), DEFAULTS)).toThrow(/give capacityClosingType/);
    const chosen = upsertCapacity(loc, input({ capacityStatus: '05', capacityClosingType: '02', nbCapacity: 0 }), DEFAULTS);
    expect(capacityEntries(chosen.location).map((e) => e.record.nbCapacity)).toEqual([1, 0]);
  });

  test('a date given by the caller is kept', () => {
    const result = upsertCapacity(location(), input({ capacityUpdateDate: '2026-11-21T07:00:00+01:00' }), DEFAULTS);
    expect(result.record.capacityUpdateDate).toBe('2026-11-21T07:00:00+01:00');
  });
});
