/**
 * What every offer query goes through before the engine (offer-engine/engine.ts) answers it: its checks (a bad
 * limit, sort, radius, age… is an OfferQueryError), the bounding boxes of a radius (the geo grid's cells to visit),
 * the code filters, and the cursor: an offset with a checksum of the query, so a cursor is only taken back by the
 * query that made it.
 */
import crypto from 'node:crypto';
import { EARTH_RADIUS_KM } from '../../indexing/geo';
import { InvalidCursorError } from '../errors';
import { OfferQueryError, type OfferQuery } from '../offer-index';
import type { CodeFacet } from './offer-rows';

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

/** The code filters of a query and the facet of their codes. */
export const CODE_FILTERS: [keyof OfferQuery & ('activity' | 'careMode' | 'specialty' | 'category' | 'department' | 'region' | 'commune'), CodeFacet][] = [
  ['activity', 'activity'],
  ['careMode', 'careMode'],
  ['specialty', 'specialty'],
  ['category', 'category'],
  ['department', 'department'],
  ['region', 'region'],
  ['commune', 'commune'],
];

/** Refuses a query the index cannot answer as asked (OfferQueryError: a 400 at the HTTP layer). */
export function checkQuery(q: OfferQuery): void {
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
