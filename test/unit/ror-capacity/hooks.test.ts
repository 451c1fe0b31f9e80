/** The Location write hook (dates, entry checks, no stored stale tag) and the stale flag, as pure functions. */
import type { Location, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../../src/errors';
import type { StoredVersion } from '../../../src/store/store';
import { CODE_LISTS, ROR_LOCATION_PROFILE } from '../../../src/ror/capacity/codes';
import type { CapacityConfig } from '../../../src/ror/capacity/config';
import { DATA_QUALITY_SYSTEM, mayPresentDifferently, prepareLocation, presentLocation, STALE_CAPACITY_CODE } from '../../../src/ror/capacity/hooks';
import { type CapacityRecord, capacityEntries, capacityExtension } from '../../../src/ror/capacity/model';

const NOW = '2026-11-21T10:00:00.000Z';
const config: CapacityConfig = { staleHours: 24, now: () => new Date(NOW) };
const OLD = '2026-11-20T08:00:00+01:00';
const rec = (r: Partial<CapacityRecord>): CapacityRecord => ({
  capacityType: '01',
  capacityStatus: '02',
  temporalityCapacity: '01',
  nbCapacity: 1,
  capacitySourceType: '02',
  genderCapacityAvailable: '01',
  capacityUpdateDate: OLD,
  temporaryAssignement: '01',
  ...r,
});
const loc = (...records: CapacityRecord[]): Location => ({ resourceType: 'Location', id: 'l', extension: records.map((r) => capacityExtension(r)) });
const stored = (resource: Resource): StoredVersion => ({ resourceType: 'Location', id: 'l', versionId: '1', lastUpdated: NOW, deleted: false, json: JSON.stringify(resource) });
const dates = (r: Resource) => capacityEntries(r).map((e) => e.record.capacityUpdateDate);
const withoutDate = (r: CapacityRecord) => ({ ...r, capacityUpdateDate: undefined });
const prepareError = (resource: Resource, current?: StoredVersion) => {
  try {
    prepareLocation(resource, current, config);
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
};

describe('capacityUpdateDate on write', () => {
  test('a new entry without date gets now; with a date keeps it', () => {
    expect(dates(prepareLocation(loc(withoutDate(rec({}))), undefined, config))).toEqual([NOW]);
    expect(dates(prepareLocation(loc(rec({})), undefined, config))).toEqual([OLD]);
  });

  test('a changed entry still carrying the previous date gets now; a date the client changed is kept', () => {
    const current = stored(loc(rec({ nbCapacity: 1 }), rec({ genderCapacityAvailable: '02' })));
    const next = prepareLocation(loc(rec({ nbCapacity: 2 }), rec({ genderCapacityAvailable: '02' })), current, config);
    expect(dates(next)).toEqual([NOW, OLD]);
    const own = prepareLocation(loc(rec({ nbCapacity: 2, capacityUpdateDate: '2026-11-21T09:00:00+01:00' })), current, config);
    expect(dates(own)).toEqual(['2026-11-21T09:00:00+01:00']);
  });

  test('an unchanged entry sent without its date gets the previous date back', () => {
    const current = stored(loc(rec({})));
    expect(dates(prepareLocation(loc(withoutDate(rec({}))), current, config))).toEqual([OLD]);
  });

  test('entries are paired by identity, not position (reordering changes nothing)', () => {
    const a = rec({ genderCapacityAvailable: '01' });
    const b = rec({ genderCapacityAvailable: '02', capacityUpdateDate: '2026-11-19T08:00:00+01:00' });
    const current = stored(loc(a, b));
    const input = loc(withoutDate(b), withoutDate(a));
    expect(dates(prepareLocation(input, current, config))).toEqual(['2026-11-19T08:00:00+01:00', OLD]);
  });

  test('the same object comes back when nothing needs filling (no copy on the common path)', () => {
    const input = loc(rec({}));
    expect(prepareLocation(input, stored(input), config)).toBe(input);
    const plain: Resource = { resourceType: 'Location', name: 'x' } as Location;
    expect(prepareLocation(plain, undefined, config)).toBe(plain);
  });

  test('tolerates any JSON shape (validation comes after)', () => {
    const odd = { resourceType: 'Location', extension: [5, null, { url: 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity', extension: 'x' }] };
    expect(() => prepareLocation(odd as unknown as Resource, undefined, config)).toThrow(FhirError); // the entry has no sub-extensions
    expect(() => prepareLocation({ resourceType: 'Location', extension: 'x' } as unknown as Resource, undefined, config)).not.toThrow();
  });
});

describe('entry checks on write', () => {
  test('only new or changed entries are judged', () => {
    const bad = rec({ capacityStatus: '99' });
    const current = stored(loc(bad));
    expect(() => prepareLocation(loc(bad, rec({ genderCapacityAvailable: '02' })), current, config)).not.toThrow();
    const err = prepareError(loc(rec({ capacityStatus: '99', nbCapacity: 4 })), current);
    expect(err.status).toBe(422);
    expect(err.outcome.issue![0]).toMatchObject({ severity: 'error', expression: ['Location.extension[0].extension[1]'] });
    expect(err.outcome.issue![0].diagnostics).toMatch(/code "99" is not in TRE_R330 TypeStatutCapacite \(01 \(Installé\), 02 \(Disponible\)/);
  });

  test('a system of another field, a JDV as system, a repeated sub-extension, a non-integer count', () => {
    const entry = capacityExtension(rec({}));
    entry.extension![0].valueCodeableConcept!.coding![0].system = CODE_LISTS.capacityStatus.system;
    entry.extension![2].valueCodeableConcept!.coding![0].system = `${CODE_LISTS.temporalityCapacity.valueSet}/`;
    entry.extension!.push({ url: 'nbCapacity', valueString: '3' } as never);
    const err = prepareError({ resourceType: 'Location', extension: [entry] } as Location);
    const messages = err.outcome.issue!.map((i) => i.diagnostics).join('\n');
    expect(messages).toMatch(/is the code system of capacityStatus, not of capacityType/);
    expect(messages).toMatch(/is the value set JDV_J189-TemporaliteCapacite-ROR, not a code system/);
    expect(messages).toMatch(/nbCapacity is given more than once/);
    expect(messages).toMatch(/nbCapacity takes a valueInteger, not valueString/);
  });

  test('a Location claiming RORLocation is left to the profile validator (checked in full there)', () => {
    const entry = capacityExtension(rec({ capacityStatus: '99' }));
    const plain = { resourceType: 'Location', extension: [entry] } as Location;
    expect(prepareError(plain).status).toBe(422);
    const claimed = { ...plain, meta: { profile: [`${ROR_LOCATION_PROFILE}|0.7.0`] } } as Location;
    expect(() => prepareLocation(claimed, undefined, config)).not.toThrow();
  });
});

describe('stale-capacity tag', () => {
  const isStale = (r: Resource) => !!r.meta?.tag?.some((t) => t.system === DATA_QUALITY_SYSTEM && t.code === STALE_CAPACITY_CODE);

  test('computed from the most recent capacityUpdateDate', () => {
    const fresh = loc(rec({ capacityUpdateDate: '2026-11-20T10:30:00Z' }), rec({ genderCapacityAvailable: '02', capacityUpdateDate: '2026-11-19T00:00:00Z' }));
    expect(presentLocation(fresh, config)).toBe(fresh);
    const old = loc(rec({ capacityUpdateDate: '2026-11-20T09:59:00Z' }));
    expect(isStale(presentLocation(old, config))).toBe(true);
    expect(isStale(old)).toBe(false); // a copy, not the stored object
    expect(isStale(presentLocation(loc(withoutDate(rec({}))), config))).toBe(true);
    const none: Location = { resourceType: 'Location', name: 'no capacity' };
    expect(presentLocation(none, config)).toBe(none);
  });

  test('the JSON pre-check is false only for Locations the tag can never reach', () => {
    const cases: Location[] = [
      loc(rec({})),
      loc(rec({ capacityUpdateDate: '2026-11-21T09:00:00Z' })),
      loc(withoutDate(rec({}))),
      { resourceType: 'Location', name: 'no capacity' },
      { resourceType: 'Location', extension: [{ url: 'urn:other', valueString: 'x' }] },
    ];
    for (const l of cases) {
      const json = JSON.stringify(l);
      if (!mayPresentDifferently(json)) expect(presentLocation(JSON.parse(json), config)).toEqual(JSON.parse(json));
    }
    expect(cases.map((l) => mayPresentDifferently(JSON.stringify(l)))).toEqual([true, true, true, false, false]);
  });

  test('stripped on write, other tags kept', () => {
    const tagged = presentLocation(loc(rec({})), config) as Location;
    tagged.meta!.tag!.unshift({ system: 'urn:region', code: '84' });
    const prepared = prepareLocation(tagged, undefined, config);
    expect(prepared.meta!.tag).toEqual([{ system: 'urn:region', code: '84' }]);
    const only = prepareLocation(presentLocation(loc(rec({})), config), undefined, config);
    expect(only.meta).toBeUndefined();
  });
});
