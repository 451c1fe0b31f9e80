/**
 * What every OfferIndex adapter does with an OfferQuery before answering it, the same way (README "Offer search"):
 * its checks (a bad limit, sort, position, radius, age, code list or facet is an OfferQueryError, a 400 at the HTTP
 * layer, whoever built the query), and the digest of the query a cursor carries, so that a cursor is only taken back
 * by the query that made it. Storage-neutral: each adapter encodes its own cursors around this digest.
 */
import crypto from 'node:crypto';
import { OfferQueryError, type OfferFacet, type OfferQuery } from './offer-index';

export const OFFER_FACETS: readonly OfferFacet[] = ['activity', 'careMode', 'department', 'category', 'specialty', 'region'];

/** The query's filters that are lists of codes. */
export const OFFER_CODE_FILTERS = ['activity', 'careMode', 'specialty', 'category', 'department', 'region', 'commune'] as const;

/** Refuses a query an index cannot answer as asked. */
export function checkOfferQuery(q: OfferQuery): void {
  if (!Number.isInteger(q.limit) || q.limit < 0) throw new OfferQueryError(`limit must be a whole number ≥ 0, not ${q.limit}`);
  if (q.sort !== 'relevance' && q.sort !== 'distance' && q.sort !== 'freeBeds') throw new OfferQueryError(`unknown sort '${String(q.sort)}'`);
  if (q.sort === 'distance' && !q.near) throw new OfferQueryError('sorting by distance needs a position (near)');
  if (q.near) {
    const { lat, lon, radiusKm } = q.near;
    if (typeof lat !== 'number' || typeof lon !== 'number' || !(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) throw new OfferQueryError(`no such position: ${lat},${lon}`);
    if (typeof radiusKm !== 'number' || !(radiusKm > 0) || !Number.isFinite(radiusKm)) throw new OfferQueryError(`the radius must be a positive number of km, not ${radiusKm}`);
  }
  if (q.age !== undefined && (typeof q.age !== 'number' || !Number.isFinite(q.age))) throw new OfferQueryError(`age must be a number, not ${q.age}`);
  if (q.updatedSince !== undefined && (typeof q.updatedSince !== 'number' || !Number.isFinite(q.updatedSince))) throw new OfferQueryError('updatedSince must be a time in ms');
  if (q.gender !== undefined && !['female', 'male', 'undetermined'].includes(q.gender)) throw new OfferQueryError(`unknown gender '${String(q.gender)}'`);
  if (q.text !== undefined && typeof q.text !== 'string') throw new OfferQueryError('text must be a string');
  for (const key of OFFER_CODE_FILTERS) {
    const codes = q[key];
    if (codes === undefined) continue;
    if (!Array.isArray(codes) || codes.some((c) => typeof c !== 'string')) throw new OfferQueryError(`${key} must be a list of codes`);
  }
  for (const f of q.facets) if (!OFFER_FACETS.includes(f)) throw new OfferQueryError(`unknown facet '${String(f)}'`);
}

/** What a cursor is bound to: the query without its cursor and page size (16 base64url characters). */
export function offerQueryDigest(q: OfferQuery): string {
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
