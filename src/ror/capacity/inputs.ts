/**
 * Reading capacity values typed by people or simple clients ($set-capacity parameters, CSV cells): codes of the TRE
 * systems (a one-digit code is padded: spreadsheets turn "01" into 1), whole non-negative numbers, FHIR dateTimes.
 * Each reader returns the value or an error message that says what is expected.
 */
import { CODE_LISTS, type CodedField, describeCodes, displayOf, fieldOfSystem, normalizeCode } from './codes';

export type Read<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const fail = <T>(message: string): Read<T> => ({ ok: false, message });

/** A code for `field`, optionally with the system it was given in. */
export function readCode(field: CodedField, raw: string, system?: string): Read<string> {
  const list = CODE_LISTS[field];
  if (system !== undefined && system.replace(/\/+$/, '') !== list.system) {
    const owner = fieldOfSystem(system);
    if (owner?.isValueSet && owner.field === field) {
      return fail(`${system} is a value set (JDV), not a code system: use system "${list.system}" or give the code alone`);
    }
    return fail(`system "${system}" is not the code system of ${field}: use "${list.system}" or give the code alone`);
  }
  const code = normalizeCode(raw);
  if (!code) return fail(`${field} is empty: give a code of ${list.label} (${describeCodes(field)})`);
  if (displayOf(field, code) === undefined) {
    return fail(`${JSON.stringify(raw)} is not a code of ${list.label}: expected one of ${describeCodes(field)}`);
  }
  return ok(code);
}

/** A number of beds or places: a whole number, 0 or more. */
export function readCount(raw: unknown): Read<number> {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(raw)) n = Number(raw);
  else return fail(`nbCapacity must be a whole number of beds or places, got ${JSON.stringify(raw)}`);
  if (!Number.isInteger(n)) return fail(`nbCapacity must be a whole number, got ${JSON.stringify(raw)}`);
  if (n < 0) return fail(`nbCapacity must be 0 or more, got ${n}`);
  if (n > 2_147_483_647) return fail(`nbCapacity ${n} is too large`);
  return ok(n);
}

/** FHIR dateTime with at least a day; a time must carry its time zone (https://hl7.org/fhir/R4/datatypes.html#dateTime). */
const DATE_TIME =
  /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;

export function readDateTime(raw: string): Read<string> {
  const v = raw.trim();
  if (!DATE_TIME.test(v) || v.length < 10 || Number.isNaN(Date.parse(v))) {
    return fail(`capacityUpdateDate must be a date-time with its time zone, e.g. 2026-11-21T08:30:00+01:00, got ${JSON.stringify(raw)}`);
  }
  return ok(v);
}
