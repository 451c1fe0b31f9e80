/**
 * The shapes that flow through the pipeline: parse → map (SyncItem) → reconcile → report.
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';

/**
 * A kind of synchronised record; each has its own state namespace, id prefix and truncation guard.
 * finess-ej / finess-et: Organization; finess-et-location: the ET's Location; rpps-practitioner / rpps-role.
 */
export type SyncKind = 'finess-ej' | 'finess-et' | 'finess-et-location' | 'rpps-practitioner' | 'rpps-role';

/** A reference the engine resolves to the current id of another synchronised record (or to its identifier). */
export interface SyncLink {
  /** Top-level element of the resource that holds the reference (partOf, managingOrganization…). */
  element: string;
  kind: SyncKind;
  key: string;
  /** Logical reference used when the target is not (yet) in the store. */
  identifier: Identifier;
}

export interface SyncItem {
  kind: SyncKind;
  /** Business key inside its kind: FINESS, idNatPs, idNatPs + site… */
  key: string;
  /** The mapped resource: only the elements the sync owns (see ./reconcile/ownership.ts), no id, no meta. */
  resource: Resource;
  /** The business identifier an existing resource is matched by. */
  match: { system: string; value: string };
  links?: SyncLink[];
  /** Line (first line for merged records) in the source file, for reports. */
  line: number;
}

export interface Rejection {
  line: number;
  reason: string;
}

/** An item a record will map to, known without mapping: its kind, key and link targets. */
export interface ItemKey {
  kind: SyncKind;
  key: string;
  /** Targets of the item's links (SyncItem.links), in the same order. */
  links?: { kind: SyncKind; key: string }[];
}

/**
 * A source record not mapped yet: the engine fingerprints `text` (with the link targets' ids) and calls `map()`
 * only when the fingerprint differs from the state's, so a nightly run maps only the records that changed.
 */
export interface RawRecord {
  /**
   * Everything the mapping reads, normalized (the source line's fields; the person's lines): the same text with
   * the same link targets maps to the same items (see MAPPING_VERSION in ./reconcile/state.ts).
   */
  text: string;
  /** The items map() returns, in order. */
  keys: ItemKey[];
  /** First line of the record in the source file, for reports. */
  line: number;
  map(): SyncItem[];
}

/** What a parser yields: the items of one source record (mapped now, or on demand), or a rejected line. */
export type ParsedRecord = { items: SyncItem[] } | { raw: RawRecord } | { rejected: Rejection };

/** A source file turned into records; `read()` may be called twice (two-pass reconciliation). */
export interface RecordSource {
  /** Name in reports: 'finess', 'finess-ej', 'finess-plus', 'rpps'. */
  name: string;
  /** The kinds this source is authoritative for: records of these kinds absent from the file are deactivated. */
  kinds: SyncKind[];
  read(): AsyncIterable<ParsedRecord>;
  /** Bytes read so far and total, for progress. */
  progress?(): { done: number; total: number };
  /** Problems that do not reject a record (coordinates that cannot be converted…), filled while reading. */
  warnings?: Rejection[];
  /** Encoding detected, once read. */
  readonly encoding?: string;
  /**
   * For a source whose records may be split across the file (RPPS: the lines of one person): called when a record's
   * key was already read earlier in this read; the next read() yields the records whole (e.g. sorted on disk), and
   * the engine scans again. Without it, such a record is rejected as a duplicate.
   */
  regroup?(at: { line: number; key: string }): Promise<void>;
  /** Releases what the reads left (temporary files); called once the source is done with. */
  close?(): Promise<void>;
}

export interface KindCounts {
  created: number;
  updated: number;
  deactivated: number;
  unchanged: number;
}

export interface SourceReport {
  source: string;
  file: string;
  encoding?: string;
  records: number;
  counts: Partial<Record<SyncKind, KindCounts>>;
  created: number;
  updated: number;
  deactivated: number;
  unchanged: number;
  rejected: number;
  rejections: Rejection[];
  warnings: Rejection[];
  /** Resources validated in full / by their cached shape (../reconcile/validate.ts), distinct shapes. */
  validation?: { full: number; cached: number; shapes: number };
  /** Set when the run was refused (truncation guard) or failed. */
  error?: string;
  durationMs: number;
}

/** The report of a source before its run counts anything (the referential sync's and the federation's). */
export function emptySourceReport(source: string, file: string): SourceReport {
  return { source, file, records: 0, counts: {}, created: 0, updated: 0, deactivated: 0, unchanged: 0, rejected: 0, rejections: [], warnings: [], durationMs: 0 };
}
