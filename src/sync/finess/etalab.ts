/**
 * Reader of the FINESS etalab CSV files (../shared/referentiels/NOTES.md, "FINESS, etalab CSV"):
 * no header row but a first line `finess;etalab;<flux>;<date>`; `;`-separated, RFC 4180 quotes; sections told by
 * the first field: `structureet` (32 fields; 31 in cs1100507, which has no numuai), `geolocalisation` (6 fields,
 * after every structureet line of cs1100507), `structureej` (23 fields, cs1100501).
 * Fields are named by position as in the official notices (etalab_notices/format_etalabcs*.csv).
 */
import { splitFinessFields } from '../io/csv';
import type { TextLine } from '../io/text-lines';
import { isValidDate, isValidDepartement, isValidFiness } from './validate';

export const ET_FIELDS = [
  'section', 'nofinesset', 'nofinessej', 'rs', 'rslongue', 'complrs', 'compldistrib', 'numvoie', 'typvoie', 'voie',
  'compvoie', 'lieuditbp', 'commune', 'departement', 'libdepartement', 'ligneacheminement', 'telephone', 'telecopie',
  'categetab', 'libcategetab', 'categagretab', 'libcategagretab', 'siret', 'codeape', 'codemft', 'libmft', 'codesph',
  'libsph', 'dateouv', 'dateautor', 'datemaj', 'numuai',
] as const;
export const GEO_FIELDS = ['section', 'nofinesset', 'coordxet', 'coordyet', 'sourcecoordet', 'datemaj'] as const;
export const EJ_FIELDS = [
  'section', 'nofiness', 'rs', 'rslongue', 'complrs', 'numvoie', 'typvoie', 'voie', 'compvoie', 'compldistrib',
  'lieuditbp', 'commune', 'ligneacheminement', 'departement', 'libdepartement', 'telephone', 'statutjuridique',
  'libstatutjuridique', 'categetab', 'libcategetab', 'siren', 'codeape', 'datecrea',
] as const;

export type EtRow = Record<(typeof ET_FIELDS)[number], string>;
export type GeoRow = Record<(typeof GEO_FIELDS)[number], string>;
export type EjRow = Record<(typeof EJ_FIELDS)[number], string>;

export type EtalabLine =
  | { kind: 'header'; lineNo: number; date: string }
  | { kind: 'et'; lineNo: number; row: EtRow }
  | { kind: 'geo'; lineNo: number; row: GeoRow }
  | { kind: 'ej'; lineNo: number; row: EjRow }
  | { kind: 'rejected'; lineNo: number; reason: string };

/** Longest run of physical lines joined to close a quoted field before the record is rejected. */
const MAX_JOINED_LINES = 5;

export async function* readEtalab(lines: AsyncIterable<TextLine>): AsyncGenerator<EtalabLine> {
  let pending: { lineNo: number; text: string; parts: number } | undefined;
  for await (const line of lines) {
    if ('error' in line) {
      if (pending) {
        yield { kind: 'rejected', lineNo: pending.lineNo, reason: 'quoted field never closed' };
        pending = undefined;
      }
      yield { kind: 'rejected', lineNo: line.lineNo, reason: line.error };
      continue;
    }
    const lineNo = pending?.lineNo ?? line.lineNo;
    const text = pending ? `${pending.text}\n${line.text}` : line.text;
    const fields = splitFinessFields(text);
    if (!fields) {
      const parts = (pending?.parts ?? 0) + 1;
      if (parts >= MAX_JOINED_LINES) {
        yield { kind: 'rejected', lineNo, reason: 'quoted field never closed' };
        pending = undefined;
      } else pending = { lineNo, text, parts };
      continue;
    }
    pending = undefined;
    if (text === '') continue;
    yield classify(fields, lineNo);
  }
  if (pending) yield { kind: 'rejected', lineNo: pending.lineNo, reason: 'quoted field never closed at end of file' };
}

function classify(f: string[], lineNo: number): EtalabLine {
  const reject = (reason: string): EtalabLine => ({ kind: 'rejected', lineNo, reason });
  switch (f[0]) {
    case 'finess':
      return f[1] === 'etalab' ? { kind: 'header', lineNo, date: f[3] ?? '' } : reject(`unknown line type '${f[0]}'`);
    case 'structureet': {
      if (f.length !== 32 && f.length !== 31) return reject(`structureet line has ${f.length} fields, expected 32 (31 without numuai)`);
      const row = named(ET_FIELDS, f) as EtRow;
      const problem =
        checkFiness('nofinesset', row.nofinesset) ??
        checkFiness('nofinessej', row.nofinessej) ??
        (row.rs.trim() ? undefined : 'rs (raison sociale) is empty') ??
        (isValidDepartement(row.departement) ? undefined : `invalid departement '${row.departement}'`) ??
        checkDate('dateouv', row.dateouv, false) ??
        checkDate('dateautor', row.dateautor, false) ??
        checkDate('datemaj', row.datemaj, false);
      return problem ? reject(problem) : { kind: 'et', lineNo, row };
    }
    case 'geolocalisation': {
      if (f.length !== 6) return reject(`geolocalisation line has ${f.length} fields, expected 6`);
      const row = named(GEO_FIELDS, f) as GeoRow;
      const problem = checkFiness('nofinesset', row.nofinesset) ?? checkDate('datemaj', row.datemaj, false);
      return problem ? reject(problem) : { kind: 'geo', lineNo, row };
    }
    case 'structureej': {
      if (f.length !== 23) return reject(`structureej line has ${f.length} fields, expected 23`);
      const row = named(EJ_FIELDS, f) as EjRow;
      const problem =
        checkFiness('nofiness', row.nofiness) ??
        (row.rs.trim() ? undefined : 'rs (raison sociale) is empty') ??
        checkDate('datecrea', row.datecrea, false);
      return problem ? reject(problem) : { kind: 'ej', lineNo, row };
    }
    default:
      return reject(`unknown line type '${f[0].slice(0, 40)}'`);
  }
}

function named(names: readonly string[], f: string[]): Record<string, string> {
  const row: Record<string, string> = {};
  names.forEach((n, i) => (row[n] = (f[i] ?? '').trim()));
  return row;
}

function checkFiness(name: string, v: string): string | undefined {
  return isValidFiness(v) ? undefined : `invalid FINESS in ${name}: '${v}'`;
}

function checkDate(name: string, v: string, required: boolean): string | undefined {
  if (!v) return required ? `${name} is empty` : undefined;
  return isValidDate(v) ? undefined : `impossible date in ${name}: '${v}'`;
}
