/**
 * The query DSL of an offer query on the Elasticsearch/OpenSearch offer index (offer-mapping.ts), built as objects:
 * a client's text only ever becomes the value of a `term` or `prefix` query (the tokens of `analyzeQuery`, letters
 * and digits only), codes the values of `terms` queries, numbers numbers; nothing is parsed by the engine as query
 * syntax (no query_string). Also the sort of each `OfferSort` (the embedded index's orders, each ending with the id)
 * and the cursor: the last hit's sort values with a digest of the query, checked when it comes back.
 */
import { analyzeQuery } from '../../indexing/french';
import { InvalidCursorError } from '../errors';
import { OfferQueryError, type OfferQuery } from '../offer-index';
import { checkOfferQuery, OFFER_CODE_FILTERS, offerQueryDigest } from '../offer-query-checks';
import { TEXT_WEIGHTS } from './offer-mapping';

type Json = Record<string, unknown>;

/** The engine answers at most 10,000 hits a page (its `max_result_window`). */
export function checkQuery(q: OfferQuery): void {
  if (Number.isInteger(q.limit) && q.limit > 10_000) throw new OfferQueryError(`limit must be at most 10000, not ${q.limit}`);
  checkOfferQuery(q);
}

/**
 * Longest token a query looks for: no word of a document is longer, and the engine refuses a prefix query much
 * longer (its automaton has a size limit). A longer token matches nothing.
 */
export const MAX_TOKEN = 300;

/** The clause of one token in `field`: a term or a prefix query, or nothing matched when it is longer than any word. */
export function tokenClause(kind: 'term' | 'prefix', field: string, value: string, boost?: number): Json {
  if (value.length > MAX_TOKEN) return { match_none: {} };
  return { [kind]: { [field]: boost === undefined ? { value } : { value, boost } } };
}

/** The text part of a query: every token must match in some field (weighted), the last one as a prefix if typed. */
export function textClauses(text: string | undefined, prefix: boolean): Json[] {
  if (!text) return [];
  const analyzed = analyzeQuery(text, prefix);
  const fields = Object.entries(TEXT_WEIGHTS);
  const clauses: Json[] = analyzed.terms.map((t) => ({
    bool: { should: fields.map(([field, boost]) => tokenClause('term', field, t, boost)), minimum_should_match: 1 },
  }));
  if (analyzed.prefix) {
    const p = analyzed.prefix;
    clauses.push({ bool: { should: fields.map(([field, boost]) => tokenClause('prefix', field, p, boost)), minimum_should_match: 1 } });
  }
  return clauses;
}

/** The filters of a query (no scoring). */
export function filterClauses(q: OfferQuery): Json[] {
  const filters: Json[] = [];
  if (!q.includeInactive) filters.push({ term: { active: true } });
  if (q.hideSensitive) filters.push({ term: { sensitive: false } });
  for (const key of OFFER_CODE_FILTERS) {
    const codes = q[key];
    // An empty list matches nothing: "one of no codes".
    if (codes !== undefined) filters.push({ terms: { [key]: codes } });
  }
  if (q.age !== undefined) {
    filters.push({ bool: { should: [{ bool: { must_not: { exists: { field: 'ageLow' } } } }, { range: { ageLow: { lte: q.age } } }], minimum_should_match: 1 } });
    filters.push({ bool: { should: [{ bool: { must_not: { exists: { field: 'ageHigh' } } } }, { range: { ageHigh: { gte: q.age } } }], minimum_should_match: 1 } });
  }
  if (q.gender) filters.push({ range: { [{ female: 'freeFemale', male: 'freeMale', undetermined: 'freeUndetermined' }[q.gender]]: { gt: 0 } } });
  if (q.available) filters.push({ range: { freeTotal: { gt: 0 } } });
  if (q.updatedSince !== undefined) filters.push({ range: { updatedAt: { gte: q.updatedSince } } });
  if (q.near) filters.push({ geo_distance: { distance: `${q.near.radiusKm}km`, distance_type: 'arc', positions: { lat: q.near.lat, lon: q.near.lon } } });
  return filters;
}

/** The sort of a query; `distanceAt` is the index of the distance in a hit's sort values, when the query has `near`. */
export function sortOf(q: OfferQuery, hasText: boolean): { sort: Json[]; distanceAt?: number; kinds: ('number' | 'string')[] } {
  const distance = q.near
    ? { _geo_distance: { positions: { lat: q.near.lat, lon: q.near.lon }, order: 'asc', unit: 'km', mode: 'min', distance_type: 'arc', ignore_unmapped: true } }
    : undefined;
  const score = { _score: { order: 'desc' } };
  const id = { id: { order: 'asc' } };
  const sort: Json[] = [];
  switch (q.sort) {
    case 'distance':
      sort.push(distance!, id);
      break;
    case 'freeBeds':
      sort.push({ freeTotal: { order: 'desc' } }, ...(distance ? [distance] : []), score, id);
      break;
    default:
      if (hasText) sort.push(score);
      if (distance) sort.push(distance);
      sort.push(id);
  }
  const distanceAt = distance ? sort.indexOf(distance) : undefined;
  return { sort, distanceAt, kinds: sort.map((s) => (s === id ? 'string' : 'number')) };
}

export function encodeCursor(q: OfferQuery, after: unknown[]): string {
  return Buffer.from(JSON.stringify({ a: after, q: offerQueryDigest(q) })).toString('base64url');
}

/**
 * The sort values a cursor carries, checked against the query that made it and the types of its sort (numbers and
 * strings only, one per sort key): an `InvalidCursorError` otherwise.
 */
export function decodeCursor(q: OfferQuery, kinds: ('number' | 'string')[]): unknown[] | undefined {
  if (q.cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(String(q.cursor), 'base64url').toString());
  } catch {
    throw new InvalidCursorError(String(q.cursor));
  }
  const c = parsed as { a?: unknown; q?: unknown };
  const ok =
    !!c && typeof c === 'object' && c.q === offerQueryDigest(q) && Array.isArray(c.a) && c.a.length === kinds.length &&
    c.a.every((v, i) => (kinds[i] === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string' && v.length <= 1024));
  if (!ok) throw new InvalidCursorError(String(q.cursor));
  return c.a as unknown[];
}
