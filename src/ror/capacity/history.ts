/**
 * GET /Location/[id]/$capacity-history — the time series of a Location's capacity entries, built from the instance
 * history (every write is a version, kept forever), for charts and audits.
 *
 * Query: `_since` (instant or date: versions written at or after it), `_count` (most recent versions to read,
 * default 100, at most 1000), and optional filters on the entry: capacityType, capacityStatus, temporalityCapacity,
 * genderCapacityAvailable (TRE codes).
 *
 * Answer: a Parameters, oldest point first —
 * - `location` (Reference), `versions` (integer: versions read), `truncated` (boolean: older versions in the window
 *   were left out by `_count`);
 * - one `point` per change of an entry: for the oldest version read, every entry; then an entry that appears, or
 *   whose nbCapacity, capacityUpdateDate or capacitySourceType changes; `removed` = true when an entry disappears
 *   (or the Location is deleted). Parts: `time` (instant of the version), `versionId`, the entry's codes
 *   (`capacityType`, `capacityStatus`, `temporalityCapacity`, `genderCapacityAvailable` and qualifiers, as Coding),
 *   `nbCapacity`, `capacityUpdateDate`, `capacitySourceType`. A consumer draws one step line per entry (same codes).
 */
import type { Coding, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../../errors';
import type { OperationDefinitionSummary } from '../../fhir/operations';
import type { StoredVersion } from '../../store/store';
import { CODE_LISTS, type CodedField, displayOf } from './codes';
import { readCode } from './inputs';
import { capacityEntries, type CapacityRecord, entryKey, KEY_FIELDS, QUALIFIER_FIELDS } from './model';
import { OPERATION_BASE } from './set-capacity';

export const DEFAULT_HISTORY_COUNT = 100;
export const MAX_HISTORY_COUNT = 1000;
const FILTERS = KEY_FIELDS as readonly CodedField[];

export interface HistoryOptions {
  since?: string;
  count: number;
  filters: Partial<Record<CodedField, string>>;
}

export function parseHistoryQuery(query: [string, string][]): HistoryOptions {
  const options: HistoryOptions = { count: DEFAULT_HISTORY_COUNT, filters: {} };
  for (const [name, value] of query) {
    if (name === '_since') {
      const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? Date.parse(value) : NaN;
      if (Number.isNaN(t)) throw badRequest(`_since must be an instant such as 2026-11-21T08:00:00+01:00 (or a date), got '${value}'`, ['_since']);
      options.since = new Date(t).toISOString();
    } else if (name === '_count') {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw badRequest(`_count must be a whole number of versions, 1 or more, got '${value}'`, ['_count']);
      options.count = Math.min(Number(value), MAX_HISTORY_COUNT);
    } else if ((FILTERS as readonly string[]).includes(name)) {
      const code = readCode(name as CodedField, value.includes('|') ? value.slice(value.lastIndexOf('|') + 1) : value);
      if (!code.ok) throw badRequest(`${name}: ${code.message}`, [name]);
      options.filters[name as CodedField] = code.value;
    } else if (!name.startsWith('_')) {
      throw badRequest(`$capacity-history does not know the parameter '${name}' (known: _since, _count, ${FILTERS.join(', ')})`, [name]);
    }
  }
  return options;
}

function coding(field: CodedField, code: string): Coding {
  const c: Coding = { system: CODE_LISTS[field].system, code };
  const display = displayOf(field, code);
  if (display) c.display = display;
  return c;
}

function point(version: StoredVersion, record: CapacityRecord, removed: boolean): ParametersParameter {
  const part: ParametersParameter[] = [
    { name: 'time', valueInstant: version.lastUpdated },
    { name: 'versionId', valueId: version.versionId },
  ];
  for (const field of [...KEY_FIELDS, ...QUALIFIER_FIELDS]) {
    const code = record[field];
    if (code !== undefined) part.push({ name: field, valueCoding: coding(field, code) });
  }
  if (removed) part.push({ name: 'removed', valueBoolean: true });
  else {
    if (record.nbCapacity !== undefined) part.push({ name: 'nbCapacity', valueInteger: record.nbCapacity });
    if (record.capacityUpdateDate !== undefined) part.push({ name: 'capacityUpdateDate', valueDateTime: record.capacityUpdateDate });
    if (record.capacitySourceType !== undefined) part.push({ name: 'capacitySourceType', valueCoding: coding('capacitySourceType', record.capacitySourceType) });
  }
  return { name: 'point', part };
}

/** Entries of a version by identity; a repeated identity gets a #n suffix so each stays its own series. */
function entriesByKey(version: StoredVersion): Map<string, CapacityRecord> {
  const out = new Map<string, CapacityRecord>();
  if (version.deleted) return out;
  for (const { record } of capacityEntries(JSON.parse(version.json))) {
    const key = entryKey(record);
    let k = key;
    for (let n = 2; out.has(k); n++) k = `${key}#${n}`;
    out.set(k, record);
  }
  return out;
}

const sameValue = (a: CapacityRecord, b: CapacityRecord) =>
  a.nbCapacity === b.nbCapacity && a.capacityUpdateDate === b.capacityUpdateDate && a.capacitySourceType === b.capacitySourceType;

/** Points of versions given oldest first. */
export function capacityPoints(versions: StoredVersion[], filters: HistoryOptions['filters'] = {}): ParametersParameter[] {
  const keep = (r: CapacityRecord) => Object.entries(filters).every(([f, code]) => r[f as CodedField] === code);
  const points: ParametersParameter[] = [];
  let before: Map<string, CapacityRecord> | undefined;
  for (const version of versions) {
    const now = entriesByKey(version);
    for (const [key, record] of now) {
      const was = before?.get(key);
      if ((!was || !sameValue(was, record)) && keep(record)) points.push(point(version, record, false));
    }
    for (const [key, record] of before ?? []) {
      if (!now.has(key) && keep(record)) points.push(point(version, record, true));
    }
    before = now;
  }
  return points;
}

export function capacityHistoryOperation(): OperationDefinitionSummary {
  return {
    name: 'capacity-history',
    definition: `${OPERATION_BASE}/Location-capacity-history`,
    levels: ['instance'],
    resourceTypes: ['Location'],
    methods: ['GET'],
    run: async (_ctx, call) => {
      const options = parseHistoryQuery(call.req.query);
      const id = call.id!;
      if (!(await call.reader.read('Location', id))) throw notFound(`Location/${id} does not exist`);
      const page = await call.reader.history({ resourceType: 'Location', id, since: options.since, count: options.count });
      const versions = [...page.entries].reverse();
      const parameter: ParametersParameter[] = [
        { name: 'location', valueReference: { reference: `Location/${id}` } },
        { name: 'versions', valueInteger: versions.length },
        { name: 'truncated', valueBoolean: !!page.next },
        ...capacityPoints(versions, options.filters),
      ];
      const result: Parameters = { resourceType: 'Parameters', parameter };
      return { status: 200, resource: result };
    },
  };
}
