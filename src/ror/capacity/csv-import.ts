/**
 * POST /$capacity-import (also POST /Location/$capacity-import) — bed capacity from a spreadsheet, for
 * establishments without software. Body: `text/csv` (UTF-8, a BOM is fine), `,` or `;` separated (tab too), a header
 * row, one capacity entry per row. Columns (names are matched ignoring case, spaces, `-` and `_`):
 * - `location` (required): the Location id, or the value of one of its identifiers (idExterneSynchro…), or
 *   `system|value`;
 * - `capacityType`, `capacityStatus`, `temporalityCapacity`, `nbCapacity` (required), `genderCapacityAvailable`
 *   (optional column, an empty cell means no gender), and optionally `capacitySourceType`, `capacityClosingType`,
 *   `additionalBedType`, `crisisType`, `temporaryAssignement`, `capacityUpdateDate`. Codes of the TRE systems
 *   (`1` is read as `01`); defaults as for $set-capacity (source 01 saisie manuelle, assignment 01 aucune, date now).
 * Each row is applied like a $set-capacity call (same matching rule); rows of one Location make one new version.
 *
 * All or nothing, in one store transaction. Statuses:
 * - 200: every row applied; the OperationOutcome has one information issue per row (`location`: `row N`);
 * - 422: at least one row failed (unknown code, bad number, unknown or ambiguous Location, resulting Location
 *   invalid…): nothing is applied, and the same report lists an error issue for each failing row
 *   (`row N, column X`) and an information issue for each valid row. A 4xx rather than a 200 so that a client
 *   (or a script checking the status) cannot take a refused import for an applied one;
 * - 400: the file itself cannot be read (not CSV, no header, unknown or missing columns); 415: not text/csv.
 * Row numbers are the file's line numbers, as a spreadsheet shows them (the header is row 1).
 *
 * `?_dryRun=true` checks the file without writing: the rows go through the same steps (reading, Location lookup,
 * entry matching, the write path's hooks, validation and the caller's rights) inside a transaction that is then
 * rolled back. The answer is the report the import would give — 200 when every row would apply (the first issue
 * says nothing was written), 422/403 with the failing rows otherwise — so a person sees the report before sending.
 */
import { parse, CsvError } from 'csv-parse/sync';
import type { Location, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { badRequest, FhirError } from '../../errors';
import { update } from '../../fhir/interactions/update';
import type { OperationDefinitionSummary } from '../../fhir/operations';
import { findConditionalMatches } from '../../fhir/search/conditional';
import type { SearchContext } from '../../fhir/search/plan';
import type { WriteTx } from '../../kernel/write-tx';
import { CODED_FIELDS, type CodedField } from './codes';
import type { CapacityConfig } from './config';
import { readCode, readCount, readDateTime } from './inputs';
import { AmbiguousCapacityError, type CapacityInput, type CapacityRecord, describeRecord, entryKey, upsertCapacity } from './model';
import { manualDefaults, OPERATION_BASE } from './set-capacity';

export const MAX_ROWS = 10_000;
const COLUMNS = ['location', ...CODED_FIELDS, 'nbCapacity', 'capacityUpdateDate'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ['location', 'capacityType', 'capacityStatus', 'temporalityCapacity', 'nbCapacity'];
const REQUIRED_CELLS: readonly Column[] = REQUIRED_COLUMNS;
/** Spellings people will use for a column, normalized (lower case, letters and digits only). */
const ALIASES: Record<string, Column> = { temporaryassignment: 'temporaryAssignement', lieu: 'location', locationid: 'location' };

const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface CsvRowError {
  column?: Column;
  message: string;
}

export interface CsvRow {
  /** Line number in the file (header = 1). */
  row: number;
  location: string;
  input?: CapacityInput;
  errors: CsvRowError[];
}

/** Picks the separator from the header line: the most frequent of `;`, `,` and tab outside quotes. */
export function detectDelimiter(text: string): string {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim()) ?? '';
  const counts = new Map<string, number>([[';', 0], [',', 0], ['\t', 0]]);
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Reads the file into rows (each with its own errors); a 400 when the file itself is unusable. */
export function parseCapacityCsv(raw: string): CsvRow[] {
  // One line ending (csv-parse counts CRLF lines inconsistently when it also sees bare LFs inside quotes).
  const text = raw.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!text.trim()) throw badRequest('the CSV file is empty: it needs a header row and one row per capacity entry');
  const delimiter = detectDelimiter(text);
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true, info: true, raw: true, bom: true }) as unknown as {
      record: string[];
      raw: string;
      info: { lines: number };
    }[];
  } catch (err) {
    if (err instanceof CsvError) throw badRequest(`the CSV file cannot be read: ${err.message}`);
    throw err;
  }
  const [header, ...body] = records;
  const columns: (Column | undefined)[] = [];
  const unknown: string[] = [];
  for (const name of header.record) {
    const n = normalizeHeader(name);
    const col = COLUMNS.find((c) => normalizeHeader(c) === n) ?? ALIASES[n];
    if (!col) unknown.push(name);
    else if (columns.includes(col)) throw badRequest(`the CSV header names the column ${col} twice`);
    columns.push(col);
  }
  const problems: string[] = [];
  if (unknown.length) problems.push(`unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')}`);
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) problems.push(`missing column(s) ${missing.join(', ')}`);
  if (problems.length) {
    const sep = delimiter === '\t' ? 'tab' : `"${delimiter}"`;
    throw badRequest(
      `the CSV header (row 1, read with the separator ${sep}) has ${problems.join(' and ')}: the columns are ${COLUMNS.join(', ')} ` +
        `(required: ${REQUIRED_COLUMNS.join(', ')})`,
    );
  }
  if (body.length > MAX_ROWS) throw badRequest(`the CSV file has ${body.length} rows; at most ${MAX_ROWS} per import: split it`);

  return body
    .filter(({ record }) => record.some((c) => c !== ''))
    // info.lines is the line where the record ends; a quoted value may span lines: number the row where it starts
    // (raw holds the record with the line ends around it).
    .map(({ record, raw, info }) => readRow(record, columns as Column[], info.lines - (raw.replace(/^\n+|\n+$/g, '').match(/\n/g)?.length ?? 0)));
}

function readRow(cells: string[], columns: Column[], row: number): CsvRow {
  const errors: CsvRowError[] = [];
  const value = (c: Column) => {
    const i = columns.indexOf(c);
    return i < 0 ? '' : (cells[i] ?? '');
  };
  if (cells.slice(columns.length).some((c) => c !== '')) {
    errors.push({ message: `the row has ${cells.length} cells but the header has ${columns.length} columns (a separator inside a value? quote it)` });
  }
  const input: CapacityRecord = {};
  for (const column of columns) {
    if (column === 'location') continue;
    const cell = value(column);
    if (cell === '') {
      if (REQUIRED_CELLS.includes(column)) errors.push({ column, message: `${column} is required` });
      continue;
    }
    const read = column === 'nbCapacity' ? readCount(cell) : column === 'capacityUpdateDate' ? readDateTime(cell) : readCode(column as CodedField, cell);
    if (read.ok) (input as Record<string, unknown>)[column] = read.value;
    else errors.push({ column, message: read.message });
  }
  const location = value('location');
  if (!location) errors.push({ column: 'location', message: 'location is required (a Location id or identifier)' });
  return { row, location, input: errors.length ? undefined : (input as CapacityInput), errors };
}

type Resolved = { id: string } | { error: string };

/** A Location by id, else by identifier value (or `system|value`). */
async function resolveLocation(tx: WriteTx, search: SearchContext, ref: string): Promise<Resolved> {
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(ref)) {
    const v = await tx.read('Location', ref);
    if (v && !v.deleted) return { id: ref };
    if (v?.deleted) return { error: `Location/${ref} was deleted` };
  }
  const matches = await findConditionalMatches(tx, search, 'Location', `identifier=${encodeURIComponent(ref)}`, 5);
  if (matches.length === 1) return { id: matches[0].id };
  if (matches.length > 1) {
    return { error: `${matches.length} Locations have the identifier ${JSON.stringify(ref)} (${matches.map((m) => m.id).join(', ')}): give the Location id or system|value` };
  }
  return { error: `no Location has the id or identifier ${JSON.stringify(ref)}` };
}

const where = (row: number, column?: string) => (column ? `row ${row}, column ${column}` : `row ${row}`);

function errorIssue(row: number, e: CsvRowError, code: OperationOutcomeIssue['code'] = 'invalid'): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics: `${where(row, e.column)}: ${e.message}`, location: [where(row, e.column)] };
}

function infoIssue(row: number, text: string): OperationOutcomeIssue {
  return { severity: 'information', code: 'informational', diagnostics: `${where(row)}: ${text}`, location: [where(row)] };
}

/** Applies the rows inside `tx`; throws a 422 FhirError carrying the per-row report when any row fails (403 when
 * every failed row is a Location the caller may not change). `dryRun` only changes the report's words (the caller
 * rolls the transaction back). */
export async function importRows(
  tx: WriteTx,
  search: SearchContext,
  rows: CsvRow[],
  config: CapacityConfig,
  options: { dryRun?: boolean } = {},
): Promise<OperationOutcome> {
  const dryRun = options.dryRun === true;
  const defaults = manualDefaults(config);
  const errors = new Map<number, OperationOutcomeIssue[]>();
  let forbiddenRows = 0;
  const fail = (row: number, issue: OperationOutcomeIssue) => errors.set(row, [...(errors.get(row) ?? []), issue]);
  const applied = new Map<number, string>();
  for (const r of rows) for (const e of r.errors) fail(r.row, errorIssue(r.row, e));

  // Resolve every Location reference once; group rows by Location, in file order.
  const resolved = new Map<string, Resolved>();
  const groups = new Map<string, CsvRow[]>();
  for (const r of rows) {
    if (!r.location) continue;
    if (!resolved.has(r.location)) resolved.set(r.location, await resolveLocation(tx, search, r.location));
    const target = resolved.get(r.location)!;
    if ('error' in target) {
      fail(r.row, errorIssue(r.row, { column: 'location', message: target.error }, 'not-found'));
      continue;
    }
    groups.set(target.id, [...(groups.get(target.id) ?? []), r]);
  }

  for (const [id, group] of groups) {
    const current = (await tx.read('Location', id))!;
    let location = JSON.parse(current.json) as Location;
    const rowOfEntry = new Map<string, number>();
    const notes = new Map<number, string>();
    for (const r of group) {
      if (!r.input) continue;
      try {
        const result = upsertCapacity(location, r.input, defaults);
        const key = entryKey(result.record);
        const earlier = rowOfEntry.get(key);
        if (earlier !== undefined) {
          fail(r.row, errorIssue(r.row, { message: `row ${earlier} already sets this entry of Location/${id} (${describeRecord(result.record)}): keep one row per entry` }));
          continue;
        }
        rowOfEntry.set(key, r.row);
        location = result.location;
        const was = result.previous ? `was ${result.previous.nbCapacity ?? 'unset'}` : 'new entry';
        notes.set(r.row, `Location/${id} ${describeRecord(result.record)}: ${result.record.nbCapacity} (${was})`);
      } catch (err) {
        if (!(err instanceof AmbiguousCapacityError)) throw err;
        fail(r.row, errorIssue(r.row, { message: err.message }, 'business-rule'));
      }
    }
    if (group.some((r) => errors.has(r.row)) || !notes.size) continue;
    try {
      const outcome = await update(tx, 'Location', id, location);
      for (const [row, note] of notes) applied.set(row, dryRun ? `${note}, would be applied` : `${note}, version ${outcome.version.versionId}`);
    } catch (err) {
      // A refused resource, or a Location the caller may not change, is a row failure (the report names the rows);
      // anything else (no credential, a conflict) fails the import as a whole.
      if (!(err instanceof FhirError) || (err.status !== 400 && err.status !== 422 && err.status !== 403)) throw err;
      const why = err.outcome.issue?.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; ');
      if (err.status === 403) {
        forbiddenRows += group.length;
        for (const r of group) fail(r.row, errorIssue(r.row, { message: `Location/${id} may not be changed by you: ${why}` }, 'forbidden'));
      } else {
        for (const r of group) fail(r.row, errorIssue(r.row, { message: `Location/${id} would be invalid with the rows of this file: ${why}` }, 'business-rule'));
      }
    }
  }

  const failed = [...errors.keys()].length;
  if (failed) {
    const issue: OperationOutcomeIssue[] = [
      {
        severity: 'error',
        code: 'processing',
        diagnostics: dryRun
          ? `${failed} of ${rows.length} rows would fail (dry run: nothing was written; the import is all-or-nothing). Fix the rows listed, then send the whole file.`
          : `${failed} of ${rows.length} rows failed: nothing was imported (the import is all-or-nothing). Fix the rows listed and send the whole file again.`,
      },
    ];
    for (const r of rows) {
      issue.push(...(errors.get(r.row) ?? [infoIssue(r.row, 'valid, not applied because other rows failed')]));
    }
    // Only rows the caller may not change: a 403, with the report.
    throw new FhirError(forbiddenRows === failed ? 403 : 422, { resourceType: 'OperationOutcome', issue });
  }
  const locations = groups.size;
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'information',
        code: 'informational',
        diagnostics: dryRun
          ? `dry run: all ${rows.length} rows are valid and would apply to ${locations} Location${locations === 1 ? '' : 's'}; nothing was written`
          : `${rows.length} rows applied to ${locations} Location${locations === 1 ? '' : 's'}`,
      },
      ...rows.map((r) => infoIssue(r.row, applied.get(r.row) ?? 'applied')),
    ],
  };
}

/** Thrown out of the dry run's transaction so the store rolls it back; carries the report. */
class RolledBack extends Error {
  constructor(readonly report: OperationOutcome) {
    super('dry run: rolled back');
  }
}

/** `_dryRun=true|false` (absent: false); anything else is a 400. */
export function dryRunFlag(query: readonly (readonly [string, string])[]): boolean {
  const values = query.filter(([k]) => k === '_dryRun').map(([, v]) => v);
  if (values.length > 1) throw badRequest('_dryRun is given more than once');
  if (!values.length || values[0] === 'false') return false;
  if (values[0] === 'true') return true;
  throw badRequest(`_dryRun takes true or false, not ${JSON.stringify(values[0])}`);
}

export function capacityImportOperation(config: CapacityConfig): OperationDefinitionSummary {
  return {
    name: 'capacity-import',
    definition: `${OPERATION_BASE}/capacity-import`,
    levels: ['system', 'type'],
    resourceTypes: ['Location'],
    methods: ['POST'],
    run: async (ctx, call) => {
      const body = call.req.body;
      if (!body) throw badRequest('$capacity-import needs a CSV file as the request body (Content-Type: text/csv)');
      if (body.kind !== 'text' || body.contentType !== 'text/csv') {
        throw new FhirError(415, '$capacity-import takes a CSV file: send it with Content-Type: text/csv', 'not-supported');
      }
      const dryRun = dryRunFlag(call.req.query);
      const rows = parseCapacityCsv(body.value);
      if (!rows.length) throw badRequest('the CSV file has a header but no rows');
      if (!dryRun) {
        const report = await call.write((tx) => importRows(tx, ctx.kernel, rows, config));
        return { status: 200, resource: report };
      }
      try {
        await call.write(async (tx) => {
          throw new RolledBack(await importRows(tx, ctx.kernel, rows, config, { dryRun: true }));
        });
      } catch (err) {
        if (err instanceof RolledBack) return { status: 200, resource: err.report };
        throw err;
      }
      throw new Error('a dry run must roll back');
    },
  };
}
