/**
 * The SQL of an offer query on the embedded index (offer-schema.ts). One "match" select gives every matching
 * document (its doc, id, free beds, bm25 rank and distance); the page, the total (a window count over the same
 * select) and the facet counts (joined to `offer_codes`) are built on it, so they always agree.
 *
 * Which table drives: with text, the FTS5 match (its subquery yields only matching docs); with `near` and no text,
 * the R*Tree (a bounding box of the radius, then the exact haversine distance of each candidate location, the
 * nearest per unit); with neither, the (facet, code) primary key of a code filter, or the documents themselves.
 * Also the cursor: an offset with a checksum of the query, so a cursor is only taken back by the query that made it.
 */
import crypto from 'node:crypto';
import { analyzeQuery } from '../../indexing/french';
import { EARTH_RADIUS_KM } from '../../indexing/geo';
import { InvalidCursorError } from '../errors';
import { OfferQueryError, type OfferQuery } from '../offer-index';
import { TEXT_WEIGHTS, type CodeFacet } from './offer-rows';

const rad = (deg: number) => (deg * Math.PI) / 180;

export interface Box { minLat: number; maxLat: number; minLon: number; maxLon: number }

/**
 * The boxes (one, or two across the antimeridian) holding every point within `radiusKm` of a position: latitude
 * ± the radius' angle, longitude ± asin(sin(angle) / cos(lat)) (the widest point of the circle), the whole longitude
 * range when the circle reaches a pole.
 */
export function boundingBoxes(lat: number, lon: number, radiusKm: number): Box[] {
  const angle = radiusKm / EARTH_RADIUS_KM;
  const dLat = (angle * 180) / Math.PI;
  const minLat = Math.max(-90, lat - dLat);
  const maxLat = Math.min(90, lat + dLat);
  const ratio = Math.sin(angle) / Math.cos(rad(lat));
  if (minLat <= -90 || maxLat >= 90 || angle >= Math.PI / 2 || ratio >= 1) return [{ minLat, maxLat, minLon: -180, maxLon: 180 }];
  const dLon = (Math.asin(ratio) * 180) / Math.PI;
  const minLon = lon - dLon;
  const maxLon = lon + dLon;
  if (minLon < -180) return [{ minLat, maxLat, minLon: minLon + 360, maxLon: 180 }, { minLat, maxLat, minLon: -180, maxLon }];
  if (maxLon > 180) return [{ minLat, maxLat, minLon, maxLon: 180 }, { minLat, maxLat, minLon: -180, maxLon: maxLon - 360 }];
  return [{ minLat, maxLat, minLon, maxLon }];
}

/** The FTS5 match expression of a text (tokens are [a-z0-9]+, quoted all the same); undefined: nothing to match. */
export function ftsExpression(text: string, prefix: boolean): string | undefined {
  const q = analyzeQuery(text, prefix);
  const parts = q.terms.map((t) => `"${t}"`);
  if (q.prefix) parts.push(`"${q.prefix}"*`);
  return parts.length ? parts.join(' ') : undefined;
}

const CODE_FILTERS: [keyof OfferQuery, CodeFacet][] = [
  ['activity', 'activity'],
  ['careMode', 'careMode'],
  ['specialty', 'specialty'],
  ['category', 'category'],
  ['department', 'department'],
  ['region', 'region'],
  ['commune', 'commune'],
];

export interface MatchSql {
  /** Selects doc, id, free_total, rank (bm25, lower is better; 0 without text) and dist (km, or NULL). */
  sql: string;
  params: unknown[];
  hasText: boolean;
}

function checkQuery(q: OfferQuery): void {
  if (!Number.isInteger(q.limit) || q.limit < 0) throw new OfferQueryError(`limit must be a whole number ≥ 0, not ${q.limit}`);
  if (q.sort !== 'relevance' && q.sort !== 'distance' && q.sort !== 'freeBeds') throw new OfferQueryError(`unknown sort '${q.sort}'`);
  if (q.sort === 'distance' && !q.near) throw new OfferQueryError('sorting by distance needs a position (near)');
  if (q.near) {
    const { lat, lon, radiusKm } = q.near;
    if (!(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) throw new OfferQueryError(`no such position: ${lat},${lon}`);
    if (!(radiusKm > 0) || !Number.isFinite(radiusKm)) throw new OfferQueryError(`the radius must be a positive number of km, not ${radiusKm}`);
  }
  if (q.age !== undefined && !Number.isFinite(q.age)) throw new OfferQueryError(`age must be a number, not ${q.age}`);
  if (q.updatedSince !== undefined && !Number.isFinite(q.updatedSince)) throw new OfferQueryError('updatedSince must be a time in ms');
  if (q.gender !== undefined && !['female', 'male', 'undetermined'].includes(q.gender)) throw new OfferQueryError(`unknown gender '${q.gender}'`);
}

export function matchSql(q: OfferQuery): MatchSql {
  checkQuery(q);
  const params: unknown[] = [];
  /** Driving subqueries, as [sql, alias]: the text match first, then the geo one. */
  const sources: [string, string][] = [];
  const where: string[] = q.includeInactive ? [] : ['d.active = 1'];
  const fts = q.text ? ftsExpression(q.text, !!q.prefix) : undefined;
  if (fts) {
    const w = TEXT_WEIGHTS;
    sources.push([
      `(SELECT rowid AS doc, bm25(offer_text, ${w.name}, ${w.labels}, ${w.organization}, ${w.place}) AS rank FROM offer_text WHERE offer_text MATCH ?)`,
      't',
    ]);
    params.push(fts);
  }
  let distanceSql = 'NULL';
  if (q.near && fts) {
    // Text and a radius: the text match drives, and each matching unit's distance is that of its nearest location,
    // read through its positions (a few rows per unit). Joining the geo set instead made SQLite scan it once per
    // text match: seconds per query at 20,000 units (BENCHMARKS.md, Offer search).
    distanceSql =
      '(SELECT MIN(offer_km(g.lat, g.lon, ?, ?)) FROM offer_positions p JOIN offer_geo g ON g.pos = p.pos WHERE p.doc = t.doc)';
  } else if (q.near) {
    const boxes = boundingBoxes(q.near.lat, q.near.lon, q.near.radiusKm);
    const inBox = 'SELECT doc, lat, lon FROM offer_geo WHERE max_lat >= ? AND min_lat <= ? AND max_lon >= ? AND min_lon <= ?';
    sources.push([
      `(SELECT doc, MIN(offer_km(lat, lon, ?, ?)) AS dist FROM (${boxes.map(() => inBox).join(' UNION ALL ')}) GROUP BY doc)`,
      'g',
    ]);
    params.push(q.near.lat, q.near.lon);
    for (const b of boxes) params.push(b.minLat, b.maxLat, b.minLon, b.maxLon);
    distanceSql = 'g.dist';
  }
  const fromSql = sources.length
    ? `${sources.map(([sql, alias], i) => (i === 0 ? `${sql} ${alias}` : `JOIN ${sql} ${alias} ON ${alias}.doc = ${sources[0][1]}.doc`)).join(' ')} JOIN offer_docs d ON d.doc = ${sources[0][1]}.doc`
    : 'offer_docs d';
  const whereParams: unknown[] = [];
  if (q.hideSensitive) where.push('d.sensitive = 0');
  if (q.age !== undefined) {
    where.push('(d.age_low IS NULL OR d.age_low <= ?) AND (d.age_high IS NULL OR d.age_high >= ?)');
    whereParams.push(q.age, q.age);
  }
  if (q.gender) where.push(`d.free_${q.gender} > 0`);
  if (q.available) where.push('d.free_total > 0');
  if (q.updatedSince !== undefined) {
    where.push('d.capacity_updated_at >= ?');
    whereParams.push(q.updatedSince);
  }
  for (const [key, facet] of CODE_FILTERS) {
    const codes = q[key] as string[] | undefined;
    if (!codes) continue;
    if (!Array.isArray(codes)) throw new OfferQueryError(`${key} must be a list of codes`);
    // An empty list matches nothing: "one of no codes".
    where.push(`d.doc IN (SELECT doc FROM offer_codes WHERE facet = ? AND code IN (${codes.map(() => '?').join(', ') || 'NULL'}))`);
    whereParams.push(facet, ...codes);
  }
  const rank = fts ? 't.rank' : '0';
  const select = `SELECT d.doc AS doc, d.id AS id, d.free_total AS free_total, ${rank} AS rank, ${distanceSql} AS dist FROM ${fromSql} WHERE ${where.join(' AND ') || '1'}`;
  const selectParams = q.near && fts ? [q.near.lat, q.near.lon, ...params, ...whereParams] : [...params, ...whereParams];
  if (!q.near) return { sql: select, params: selectParams, hasText: !!fts };
  // The radius applies to the distance, whichever way it was computed.
  return { sql: `SELECT * FROM (${select}) WHERE dist <= ?`, params: [...selectParams, q.near.radiusKm], hasText: !!fts };
}

/** The ORDER BY of a sort over the match select's columns; every order ends with the id, so pages are stable. */
export function orderBy(q: OfferQuery): string {
  const near = q.near ? ', dist' : '';
  switch (q.sort) {
    case 'distance':
      return 'dist, id';
    case 'freeBeds':
      return `free_total DESC${near}, rank, id`;
    default:
      // Without text every rank is 0: ordering by it would sort every match before the first page.
      return q.text?.trim() ? `rank${near}, id` : near ? 'dist, id' : 'id';
  }
}

/** What a cursor is bound to: the query without its cursor and page size. */
function checksum(q: OfferQuery): string {
  const { cursor: _cursor, limit: _limit, ...rest } = q;
  return crypto.createHash('sha256').update(canonical(rest)).digest('base64url').slice(0, 16);
}

/** JSON with object keys sorted at every level (undefined members left out), so equal queries hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function encodeOfferCursor(q: OfferQuery, offset: number): string {
  return Buffer.from(`o:${offset}:${checksum(q)}`).toString('base64url');
}

/** The offset a cursor stands for; an `InvalidCursorError` when it was not made by this same query. */
export function decodeOfferCursor(q: OfferQuery): number {
  if (q.cursor === undefined) return 0;
  const m = /^o:([0-9]{1,9}):([A-Za-z0-9_-]{16})$/.exec(Buffer.from(q.cursor, 'base64url').toString());
  if (!m || m[2] !== checksum(q)) throw new InvalidCursorError(q.cursor);
  return Number(m[1]);
}
