/** Reading what people type: CSV files ($capacity-import) and $set-capacity Parameters. */
import { FhirError } from '../../../src/errors';
import { CODE_LISTS } from '../../../src/ror/capacity/codes';
import { detectDelimiter, parseCapacityCsv } from '../../../src/ror/capacity/csv-import';
import { readCount, readDateTime } from '../../../src/ror/capacity/inputs';
import { parseSetCapacity } from '../../../src/ror/capacity/set-capacity';

function fhirError(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

const HEADER = 'location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity';

describe('CSV', () => {
  test('separator: the most frequent of ; , and tab in the header, quotes ignored', () => {
    expect(detectDelimiter(HEADER)).toBe(';');
    expect(detectDelimiter('"a;b",c,d')).toBe(',');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('\n\nlocation')).toBe(',');
  });

  test('rows are numbered by the line where they start (empty lines and quoted line breaks counted)', () => {
    const rows = parseCapacityCsv(`\uFEFF${HEADER}\r\n\r\nloc-a;01;02;01;01;3\r\n"loc\nb";01;02;01;;0\r\n;;;;;\r\nloc-c;1;2;1;2;7\r\n`);
    expect(rows.map((r) => [r.row, r.location, r.errors])).toEqual([
      [3, 'loc-a', []],
      [4, 'loc\nb', []],
      [7, 'loc-c', []],
    ]);
    expect(rows[1].input).toEqual({ capacityType: '01', capacityStatus: '02', temporalityCapacity: '01', nbCapacity: 0 });
    expect(rows[2].input).toMatchObject({ capacityStatus: '02', genderCapacityAvailable: '02', nbCapacity: 7 });
  });

  test('cell errors name their column; a row may have several', () => {
    const [row] = parseCapacityCsv(`${HEADER}\n;01;02;;99;-3\n`);
    expect(row.input).toBeUndefined();
    expect(row.errors).toEqual([
      { column: 'temporalityCapacity', message: 'temporalityCapacity is required' },
      { column: 'genderCapacityAvailable', message: expect.stringMatching(/"99" is not a code of TRE_R332 GenreCapacite: expected one of 01 \(Femme\)/) },
      { column: 'nbCapacity', message: 'nbCapacity must be 0 or more, got -3' },
      { column: 'location', message: expect.stringMatching(/location is required/) },
    ]);
  });

  test('a row with more cells than columns (a decimal comma?) is an error', () => {
    const [row] = parseCapacityCsv('location,capacityType,capacityStatus,temporalityCapacity,nbCapacity\nx,01,02,01,2,5\n');
    expect(row.errors[0].message).toMatch(/6 cells but the header has 5 columns/);
  });

  test('header: names matched loosely, aliases, duplicates and unknown names refused', () => {
    const [row] = parseCapacityCsv('Lieu;CAPACITY TYPE;capacity-status;temporality_capacity;nbcapacity;Temporary Assignment\nx;01;02;01;1;02\n');
    expect(row.input).toMatchObject({ temporaryAssignement: '02' });
    expect(fhirError(() => parseCapacityCsv('location;location;capacityType\n')).message).toMatch(/names the column location twice/);
    const err = fhirError(() => parseCapacityCsv('location,type,capacityStatus\n'));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/unknown column\(s\) "type" and missing column\(s\) capacityType, temporalityCapacity, nbCapacity/);
  });

  test('unreadable CSV is a 400 with the parser message', () => {
    const err = fhirError(() => parseCapacityCsv(`${HEADER}\n"unterminated;01;02;01;01;1\n`));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/the CSV file cannot be read/);
  });
});

describe('values', () => {
  test('counts', () => {
    expect(readCount(' 12 ')).toEqual({ ok: true, value: 12 });
    expect(readCount('2.0')).toEqual({ ok: true, value: 2 });
    expect(readCount('2,5')).toMatchObject({ ok: false });
    expect(readCount(1.5)).toMatchObject({ ok: false, message: expect.stringMatching(/whole number/) });
    expect(readCount('trois')).toMatchObject({ ok: false });
  });

  test('dates need a time zone when they have a time', () => {
    expect(readDateTime('2026-11-21T08:30:00+01:00')).toEqual({ ok: true, value: '2026-11-21T08:30:00+01:00' });
    expect(readDateTime('2026-11-21T08:30:00')).toMatchObject({ ok: false });
    expect(readDateTime('21/11/2026')).toMatchObject({ ok: false });
  });
});

describe('$set-capacity parameters', () => {
  const base = [
    { name: 'capacityType', valueCodeableConcept: { coding: [{ system: CODE_LISTS.capacityType.system, code: '01' }] } },
    { name: 'capacityStatus', valueString: '2' },
    { name: 'temporalityCapacity', valueCoding: { code: '01' } },
    { name: 'nbCapacity', valueUnsignedInt: 3 },
  ];
  const params = (parameter: unknown[]) => ({ resourceType: 'Parameters', parameter });

  test('accepts valueCodeableConcept, valueString, valueCoding without system, valueUnsignedInt, a date', () => {
    expect(parseSetCapacity(params([...base, { name: 'capacityUpdateDate', valueInstant: '2026-11-21T08:00:00Z' }]))).toEqual({
      capacityType: '01',
      capacityStatus: '02',
      temporalityCapacity: '01',
      nbCapacity: 3,
      capacityUpdateDate: '2026-11-21T08:00:00Z',
    });
  });

  test('every problem reported at once, with the parameter position', () => {
    const err = fhirError(() => parseSetCapacity(params([base[0], base[0], { name: 'capacityStatus', valueBoolean: true }, { name: 'capacityUpdateDate', valueDateTime: 'now' }])));
    expect(err.status).toBe(400);
    expect(err.outcome.issue!.map((i) => [i.expression![0], i.diagnostics])).toEqual([
      ['Parameters.parameter[1]', 'capacityType is given more than once'],
      ['Parameters.parameter[2]', 'capacityStatus takes a valueCoding or a valueCode'],
      ['Parameters.parameter[3]', expect.stringMatching(/^capacityUpdateDate must be a date-time with its time zone/)],
      ['Parameters.parameter', 'temporalityCapacity is required'],
      ['Parameters.parameter', 'nbCapacity is required'],
    ]);
  });

  test('not a Parameters: 400', () => {
    expect(fhirError(() => parseSetCapacity({ resourceType: 'Location' })).status).toBe(400);
  });
});
