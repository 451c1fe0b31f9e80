/** The capacity time series built from versions ($capacity-history). */
import type { Location, ParametersParameter } from '@medplum/fhirtypes';
import type { StoredVersion } from '../../../src/store/store';
import { capacityPoints, parseHistoryQuery } from '../../../src/ror/capacity/history';
import { type CapacityRecord, capacityExtension } from '../../../src/ror/capacity/model';

const rec = (r: Partial<CapacityRecord>): CapacityRecord => ({ capacityType: '01', capacityStatus: '02', temporalityCapacity: '01', nbCapacity: 1, ...r });
let n = 0;
const version = (...records: CapacityRecord[]): StoredVersion => {
  n++;
  const loc: Location = { resourceType: 'Location', id: 'l', extension: records.map((r) => capacityExtension(r)) };
  return { resourceType: 'Location', id: 'l', versionId: String(n), lastUpdated: `2026-11-21T0${n}:00:00.000Z`, deleted: false, json: JSON.stringify(loc) };
};
const summary = (points: ParametersParameter[]) =>
  points.map((p) => p.part!.filter((x) => ['versionId', 'genderCapacityAvailable', 'nbCapacity', 'removed'].includes(x.name)).map((x) => x.valueId ?? x.valueCoding?.code ?? x.valueInteger ?? x.valueBoolean));

beforeEach(() => (n = 0));

test('points: all entries first, then changes, removals; repeated identities are separate series', () => {
  const f = rec({ genderCapacityAvailable: '01' });
  const h = rec({ genderCapacityAvailable: '02' });
  const versions = [
    version(f, h, h),
    version(f, h, { ...h, nbCapacity: 4 }), // the second "h" changes
    version({ ...f, capacityUpdateDate: '2026-11-21T03:00:00Z' }, h), // f re-confirmed, second h removed
  ];
  expect(summary(capacityPoints(versions))).toEqual([
    ['1', '01', 1],
    ['1', '02', 1],
    ['1', '02', 1],
    ['2', '02', 4],
    ['3', '01', 1],
    ['3', '02', true],
  ]);
});

test('a deleted version removes every entry; filters keep one series', () => {
  const deleted: StoredVersion = { resourceType: 'Location', id: 'l', versionId: '9', lastUpdated: '2026-11-22T00:00:00.000Z', deleted: true, json: '' };
  const versions = [version(rec({ genderCapacityAvailable: '01' }), rec({ genderCapacityAvailable: '02' })), deleted];
  expect(summary(capacityPoints(versions, { genderCapacityAvailable: '02' }))).toEqual([
    ['1', '02', 1],
    ['9', '02', true],
  ]);
});

test('query parsing', () => {
  expect(parseHistoryQuery([['_since', '2026-11-21T08:00:00+01:00'], ['_count', '5000'], ['capacityStatus', 'https://x|2'], ['_format', 'json']])).toEqual({
    since: '2026-11-21T07:00:00.000Z',
    count: 1000,
    filters: { capacityStatus: '02' },
  });
  expect(parseHistoryQuery([['_since', '2026-11-21']]).since).toBe('2026-11-21T00:00:00.000Z');
  expect(() => parseHistoryQuery([['_count', '0']])).toThrow(/_count must be a whole number/);
  expect(() => parseHistoryQuery([['capacityStatus', '42']])).toThrow(/capacityStatus: "42" is not a code/);
});
