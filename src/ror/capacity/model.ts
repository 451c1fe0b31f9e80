/**
 * Capacity entries of a Location as typed records: one `ror-location-supported-capacity` extension = one record.
 *
 * Reading is lenient (any JSON shape; coded values from valueCodeableConcept, valueCoding or valueCode), because
 * write hooks run before validation and history holds whatever was stored. Writing follows IG 0.7.0: coded
 * sub-extensions as valueCodeableConcept with the TRE system and display, sub-extensions in the
 * StructureDefinition's order.
 *
 * Identity of an entry (`entryKey`): type, status, temporality and gender, plus the qualifiers that make separate
 * records in the ROR model — closing type (closed beds: reactivable or not), additional-bed type (supplementary
 * beds), crisis type and temporary assignment (e.g. Covid+ beds next to ordinary ones).
 */
import type { CodeableConcept, Coding, Extension, Location } from '@medplum/fhirtypes';
import {
  CODE_LISTS,
  CODED_FIELDS,
  type CodedField,
  displayOf,
  SUB_EXTENSIONS,
  SUPPORTED_CAPACITY_URL,
  type SubExtension,
} from './codes';

export interface CapacityRecord {
  capacityType?: string;
  capacityStatus?: string;
  temporalityCapacity?: string;
  nbCapacity?: number;
  capacitySourceType?: string;
  genderCapacityAvailable?: string;
  capacityUpdateDate?: string;
  capacityClosingType?: string;
  additionalBedType?: string;
  crisisType?: string;
  temporaryAssignement?: string;
}

/** Fields that tell entries apart (see the module comment). */
export const KEY_FIELDS = ['capacityType', 'capacityStatus', 'temporalityCapacity', 'genderCapacityAvailable'] as const;
export const QUALIFIER_FIELDS = ['capacityClosingType', 'additionalBedType', 'crisisType', 'temporaryAssignement'] as const;

export interface CapacityEntry {
  /** Position in Location.extension. */
  index: number;
  extension: Extension;
  record: CapacityRecord;
}

const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

export function isCapacityExtension(x: unknown): x is Extension {
  return isObject(x) && x.url === SUPPORTED_CAPACITY_URL;
}

/** The capacity entries of a Location (or of anything shaped like one). */
export function capacityEntries(location: unknown): CapacityEntry[] {
  if (!isObject(location) || !Array.isArray(location.extension)) return [];
  const out: CapacityEntry[] = [];
  location.extension.forEach((ext, index) => {
    if (isCapacityExtension(ext)) out.push({ index, extension: ext, record: readRecord(ext) });
  });
  return out;
}

/** Sub-extensions of an entry named `url` (well-formed or not). */
export function subExtensions(entry: Extension, url: string): Extension[] {
  return Array.isArray(entry.extension) ? entry.extension.filter((e) => isObject(e) && e.url === url) : [];
}

/** All codings carried by a sub-extension, whatever its value[x] type. */
export function codingsOf(sub: Extension): Coding[] {
  const s = sub as unknown as Record<string, unknown>;
  if (isObject(s.valueCodeableConcept)) {
    const coding = (s.valueCodeableConcept as CodeableConcept).coding;
    return Array.isArray(coding) ? coding.filter(isObject) : [];
  }
  if (isObject(s.valueCoding)) return [s.valueCoding as Coding];
  if (typeof s.valueCode === 'string') return [{ code: s.valueCode }];
  return [];
}

/** The code of a coded sub-extension: the coding in the field's TRE system, else the first coding with a code. */
function codeOf(sub: Extension | undefined, field: CodedField): string | undefined {
  if (!sub) return undefined;
  const codings = codingsOf(sub);
  const tre = codings.find((c) => c.system === CODE_LISTS[field].system && typeof c.code === 'string');
  const any = tre ?? codings.find((c) => typeof c.code === 'string');
  return any?.code;
}

export function readRecord(ext: Extension): CapacityRecord {
  const record: CapacityRecord = {};
  for (const field of CODED_FIELDS) {
    const code = codeOf(subExtensions(ext, field)[0], field);
    if (code !== undefined) record[field] = code;
  }
  const nb = subExtensions(ext, 'nbCapacity')[0]?.valueInteger;
  if (typeof nb === 'number') record.nbCapacity = nb;
  const date = subExtensions(ext, 'capacityUpdateDate')[0]?.valueDateTime;
  if (typeof date === 'string') record.capacityUpdateDate = date;
  return record;
}

export function codeableConcept(field: CodedField, code: string): CodeableConcept {
  const coding: Coding = { system: CODE_LISTS[field].system, code };
  const display = displayOf(field, code);
  if (display) coding.display = display;
  return { coding: [coding] };
}

function subExtension(url: SubExtension, record: CapacityRecord): Extension | undefined {
  if (url === 'nbCapacity') return record.nbCapacity === undefined ? undefined : { url, valueInteger: record.nbCapacity };
  if (url === 'capacityUpdateDate') {
    return record.capacityUpdateDate === undefined ? undefined : { url, valueDateTime: record.capacityUpdateDate };
  }
  const code = record[url];
  return code === undefined ? undefined : { url, valueCodeableConcept: codeableConcept(url, code) };
}

/**
 * The extension for a record (IG 0.7.0 shape). Sub-extensions of `base` the ROR does not define are kept, as is its
 * id, so rewriting an entry loses nothing the server does not understand.
 */
export function capacityExtension(record: CapacityRecord, base?: Extension): Extension {
  const known = new Set<string>(SUB_EXTENSIONS);
  const subs = SUB_EXTENSIONS.map((url) => subExtension(url, record)).filter((e): e is Extension => !!e);
  const foreign = (base?.extension ?? []).filter((e) => !isObject(e) || typeof e.url !== 'string' || !known.has(e.url));
  const ext: Extension = { url: SUPPORTED_CAPACITY_URL, extension: [...subs, ...foreign] };
  return base?.id ? { id: base.id, ...ext } : ext;
}

/** The identity of an entry: two entries with the same key are the same capacity record. */
export function entryKey(record: CapacityRecord): string {
  return [...KEY_FIELDS, ...QUALIFIER_FIELDS].map((f) => record[f] ?? '').join('|');
}

/** "Lit / Disponible / Courant / Femme (Covid+)" — for messages. */
export function describeRecord(record: CapacityRecord): string {
  const label = (field: CodedField) => {
    const code = record[field];
    return code === undefined ? undefined : (displayOf(field, code) ?? code);
  };
  const main = KEY_FIELDS.map(label).filter(Boolean).join(' / ');
  const qualifiers = QUALIFIER_FIELDS.filter((f) => f !== 'temporaryAssignement' || record[f] !== '01')
    .map(label)
    .filter(Boolean);
  return qualifiers.length ? `${main} (${qualifiers.join(', ')})` : main;
}

/** A capacity write as given by a caller: the four key fields and nbCapacity, optional qualifiers. */
export interface CapacityInput extends CapacityRecord {
  capacityType: string;
  capacityStatus: string;
  temporalityCapacity: string;
  nbCapacity: number;
}

export class AmbiguousCapacityError extends Error {
  constructor(
    readonly input: CapacityInput,
    readonly candidates: CapacityRecord[],
  ) {
    const free = QUALIFIER_FIELDS.filter((f) => input[f] === undefined && new Set(candidates.map((c) => c[f])).size > 1);
    super(
      `${candidates.length} capacity entries match ${describeRecord(input)} (${candidates.map(describeRecord).join('; ')}): ` +
        `give ${free.length ? free.join(' or ') : 'the qualifiers'} to choose one`,
    );
    this.name = 'AmbiguousCapacityError';
  }
}

export interface UpsertResult {
  location: Location;
  /** The record written. */
  record: CapacityRecord;
  /** The record it replaced, when an entry matched. */
  previous?: CapacityRecord;
}

/**
 * Sets a capacity on a Location (a new object; the input is not modified): the entry with the same type, status,
 * temporality and gender — and the same qualifiers, for those the input gives — is replaced; when none matches, the
 * entry is added. Required fields the input lacks come from the matched entry, then from `defaults`; the source
 * type is the input's or the default (it describes this write, not the previous one). Several matching entries
 * throw AmbiguousCapacityError.
 */
export function upsertCapacity(
  location: Location,
  input: CapacityInput,
  defaults: { capacitySourceType: string; temporaryAssignement: string; capacityUpdateDate: string },
): UpsertResult {
  const matches = capacityEntries(location).filter(
    (e) =>
      KEY_FIELDS.every((f) => e.record[f] === input[f]) &&
      QUALIFIER_FIELDS.every((f) => input[f] === undefined || e.record[f] === input[f]),
  );
  if (matches.length > 1) throw new AmbiguousCapacityError(input, matches.map((m) => m.record));
  const match = matches[0];
  const record: CapacityRecord = {
    ...match?.record,
    ...definedOnly(input),
    capacitySourceType: input.capacitySourceType ?? defaults.capacitySourceType,
    temporaryAssignement: input.temporaryAssignement ?? match?.record.temporaryAssignement ?? defaults.temporaryAssignement,
    capacityUpdateDate: input.capacityUpdateDate ?? defaults.capacityUpdateDate,
  };
  const extension = [...(location.extension ?? [])];
  if (match) extension[match.index] = capacityExtension(record, match.extension);
  else extension.push(capacityExtension(record));
  return { location: { ...location, extension }, record, previous: match?.record };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
