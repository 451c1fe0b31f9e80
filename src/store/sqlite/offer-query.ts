/**
 * What every offer query goes through before the engine (offer-engine/engine.ts) answers it, beside the checks all
 * adapters share (../offer-query-checks.ts): the bounding boxes of a radius (the geo grid's cells to visit),
 * the code filters, and the cursor: an offset with a checksum of the query, so a cursor is only taken back by the
 * query that made it.
 */
import { EARTH_RADIUS_KM } from '../../indexing/geo';
import { InvalidCursorError } from '../errors';
import type { OfferQuery } from '../offer-index';
import { offerQueryDigest } from '../offer-query-checks';
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

export function encodeOfferCursor(q: OfferQuery, offset: number): string {
  return Buffer.from(`o:${offset}:${offerQueryDigest(q)}`).toString('base64url');
}

/** The offset a cursor stands for; an `InvalidCursorError` when it was not made by this same query. */
export function decodeOfferCursor(q: OfferQuery): number {
  if (q.cursor === undefined) return 0;
  const m = /^o:([0-9]{1,9}):([A-Za-z0-9_-]{16})$/.exec(Buffer.from(q.cursor, 'base64url').toString());
  if (!m || m[2] !== offerQueryDigest(q)) throw new InvalidCursorError(q.cursor);
  return Number(m[1]);
}
