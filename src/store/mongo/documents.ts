/**
 * The MongoDB documents of the store: one per resource (its current version, with the search values the kernel's
 * indexer extracted from it in indexed array fields), one per version (history), and what the outbox, sync state,
 * leases and auth collections hold. Field names are short: they are repeated in every document and index.
 *
 * Search values (`ix`) mirror the SQLite index rows (src/indexing/extract.ts): `c` is the row's parameter code,
 * `g` the element instance of grouped parameters (composites; 0 otherwise).
 */
import type { IndexRows } from '../../indexing/extract';
import type { StoredVersion } from '../version';

export interface SearchValues {
  s: { c: string; n: string; e: string; g: number }[];
  k: { c: string; s: string | null; v: string | null; x: string | null; ts: string | null; tc: string | null; g: number }[];
  r: { c: string; t: string | null; i: string | null; u: string | null; g: number }[];
  d: { c: string; lo: number; hi: number; g: number }[];
  n: { c: string; v: number; lo: number; hi: number; s: string | null; u: string | null; g: number }[];
  /** Positions of `near`: lat/lon for the bounding box, `pt` (GeoJSON) for a 2dsphere index where the engine has one. */
  geo: { c: string; lat: number; lon: number; pt: { type: 'Point'; coordinates: [number, number] } }[];
  /** Normalized narrative (`_text`) and all string content (`_content`). */
  tx: string;
  ct: string;
}

/** The current version of a resource (collection `resources`, `_id` = `Type/id`). */
export interface ResourceDoc {
  _id: string;
  t: string;
  id: string;
  /** Version number. */
  v: number;
  /** lastUpdated, ISO instant (sorts as text). */
  lu: string;
  del: boolean;
  json: string;
  /** Number of the resource, given at creation and kept: the default search order (keyset paging). */
  rid: number;
  /** Absent on a deletion marker. */
  ix?: SearchValues;
}

/** One version (collection `history`, `_id` = `Type/id/version`). */
export interface HistoryDoc {
  _id: string;
  t: string;
  id: string;
  v: number;
  lu: string;
  del: boolean;
  json: string;
  /** Commit order of versions, store-wide: history is newest first by it. */
  seq: number;
}

export interface OutboxDoc {
  /** Enqueue order: messages of a queue are handed out by it. */
  _id: number;
  queue: string;
  payload: string;
  attempts: number;
  createdAt: number;
  /** Due at (ms since epoch). */
  due: number;
  /** Leased until (ms since epoch); 0 when not leased. */
  lease: number;
  lastError?: string;
}

export interface SyncStateDoc {
  _id: string;
  kind: string;
  key: string;
  hash: number;
  rid?: string;
  /** UTF-8 bytes of the key (SyncStateSize). */
  kb: number;
}

export function searchValues(rows: IndexRows): SearchValues {
  return {
    s: rows.strings.map((r) => ({ c: r.code, n: r.norm, e: r.exact, g: r.grp })),
    k: rows.tokens.map((r) => ({ c: r.code, s: r.system, v: r.value, x: r.text, ts: r.typeSystem, tc: r.typeCode, g: r.grp })),
    r: rows.refs.map((r) => ({ c: r.code, t: r.type, i: r.id, u: r.url, g: r.grp })),
    d: rows.dates.map((r) => ({ c: r.code, lo: r.lo, hi: r.hi, g: r.grp })),
    n: rows.numbers.map((r) => ({ c: r.code, v: r.value, lo: r.lo, hi: r.hi, s: r.system, u: r.unit, g: r.grp })),
    geo: rows.geos.map((r) => ({ c: r.code, lat: r.lat, lon: r.lon, pt: { type: 'Point' as const, coordinates: [r.lon, r.lat] as [number, number] } })),
    tx: rows.narrative,
    ct: rows.content,
  };
}

export function toStored(d: Pick<ResourceDoc, 't' | 'id' | 'v' | 'lu' | 'del' | 'json'>): StoredVersion {
  return { resourceType: d.t, id: d.id, versionId: String(d.v), lastUpdated: d.lu, deleted: d.del, json: d.json };
}

export const resourceKey = (type: string, id: string) => `${type}/${id}`;
export const versionKey = (type: string, id: string, v: number) => `${type}/${id}/${v}`;
