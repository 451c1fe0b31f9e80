/**
 * The query parameters of `GET /offer/search`, `/offer/facets` and `/offer/suggest` (README "Offer search"): read,
 * checked and turned into an OfferQuery. Every parameter that is unknown, repeated when it takes one value, or
 * malformed is a 400 naming it; the availability criteria a caller may not use (access profile 0 sees installed
 * capacity only) are a 403 saying why.
 */
import { badRequest, forbidden } from '../errors';
import type { OfferQuery, OfferSort } from '../store/offer-index';
import { DEPARTMENT_CODE } from './territory';

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
export const DEFAULT_RADIUS_KM = 50;
export const MAX_RADIUS_KM = 1000;
const MAX_TEXT = 200;
const MAX_CODES = 50;

/** What a search asks, before the caller's visibility and the facets are added. */
export interface OfferSearchParams {
  query: Omit<OfferQuery, 'hideSensitive' | 'facets' | 'near'> & { near?: { lat: number; lon: number; radiusKm: number } };
  /** `near=<INSEE code>`: the commune whose position the caller means (resolved against the index). */
  nearCommune?: { code: string; radiusKm: number };
  /**
   * `radius` without `near`: the radius around a commune named in `q` ("près de Lyon", ./understand.ts); the caller
   * must refuse it when `q` names none.
   */
  radiusForText?: number;
}

const CODE = /^[A-Za-z0-9._-]{1,64}$/;
const REGION = /^(0[1-6]|\d{2}|9[78]\d)$/;
const COMMUNE = /^(\d{5}|2[AB]\d{3})$/;
const CODE_FILTERS = {
  activity: CODE,
  careMode: CODE,
  specialty: CODE,
  category: CODE,
  department: DEPARTMENT_CODE,
  region: REGION,
  commune: COMMUNE,
} as const;
type CodeFilter = keyof typeof CODE_FILTERS;

const SEARCH_PARAMS = new Set<string>([...Object.keys(CODE_FILTERS), 'q', 'age', 'gender', 'available', 'fresh', 'near', 'radius', 'sort', 'limit', 'cursor']);
const GENDERS = ['female', 'male', 'undetermined'] as const;
const SORTS: readonly OfferSort[] = ['relevance', 'distance', 'freeBeds'];

/** Reads the parameters of a search (`facetsOnly`: `/offer/facets`, which has no paging, sort nor cursor). */
export function parseSearchParams(
  params: URLSearchParams,
  options: { availability: boolean; staleHours: number; now: number; facetsOnly?: boolean },
): OfferSearchParams {
  const allowed = options.facetsOnly ? new Set([...SEARCH_PARAMS].filter((p) => !['sort', 'limit', 'cursor'].includes(p))) : SEARCH_PARAMS;
  for (const name of new Set(params.keys())) {
    if (!allowed.has(name)) throw badRequest(`unknown parameter '${name}'; the parameters are: ${[...allowed].join(', ')}`, [name]);
  }
  const one = (name: string): string | undefined => {
    const values = params.getAll(name);
    if (values.length > 1) throw badRequest(`'${name}' takes one value, got ${values.length}`, [name]);
    const v = values[0]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const refuseForProfile0 = (name: string, what: string) => {
    if (!options.availability) throw forbidden(`'${name}' is not available to you: ${what} is bed availability, which your access profile (0) does not see; it sees installed capacity only`);
  };

  const query: OfferSearchParams['query'] = { sort: 'relevance', limit: DEFAULT_LIMIT };
  const q = one('q');
  if (q !== undefined) {
    if (q.length > MAX_TEXT) throw badRequest(`'q' is longer than ${MAX_TEXT} characters`, ['q']);
    query.text = q;
    // Type-ahead: the last word is a beginning ("urg" finds "Urgences") unless the text ends with a space.
    query.prefix = !/\s$/.test(q);
  }
  for (const name of Object.keys(CODE_FILTERS) as CodeFilter[]) {
    const codes = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    if (!codes.length) continue;
    if (codes.length > MAX_CODES) throw badRequest(`'${name}' has more than ${MAX_CODES} codes`, [name]);
    const bad = codes.find((c) => !CODE_FILTERS[name].test(c));
    if (bad !== undefined) throw badRequest(`'${name}': '${bad.slice(0, 80)}' is not ${describe(name)}`, [name]);
    query[name] = [...new Set(codes)];
  }
  const age = one('age');
  if (age !== undefined) {
    if (!/^\d{1,3}$/.test(age) || Number(age) > 150) throw badRequest(`'age' must be a whole number of years between 0 and 150, got '${age.slice(0, 40)}'`, ['age']);
    query.age = Number(age);
  }
  const gender = one('gender');
  if (gender !== undefined) {
    refuseForProfile0('gender', 'the gender of free beds');
    if (!(GENDERS as readonly string[]).includes(gender)) throw badRequest(`'gender' must be one of ${GENDERS.join(', ')}, got '${gender.slice(0, 40)}'`, ['gender']);
    query.gender = gender as OfferQuery['gender'];
  }
  if (params.has('available')) refuseForProfile0('available', 'having a free bed');
  if (flag(one('available'), 'available')) query.available = true;
  if (params.has('fresh')) refuseForProfile0('fresh', 'the date of the last capacity update');
  if (flag(one('fresh'), 'fresh')) query.updatedSince = options.now - options.staleHours * 3_600_000;

  const radiusRaw = one('radius');
  const near = one('near');
  let radiusKm = DEFAULT_RADIUS_KM;
  if (radiusRaw !== undefined) {
    const r = Number(radiusRaw);
    if (!/^\d+(\.\d+)?$/.test(radiusRaw) || !(r > 0) || r > MAX_RADIUS_KM) throw badRequest(`'radius' must be a distance in km, above 0 and at most ${MAX_RADIUS_KM}, got '${radiusRaw.slice(0, 40)}'`, ['radius']);
    if (near === undefined && q === undefined) throw badRequest(`'radius' needs 'near' (a position 'lat,lon' or an INSEE commune code)`, ['radius']);
    radiusKm = r;
  }
  let nearCommune: OfferSearchParams['nearCommune'];
  if (near !== undefined) {
    const point = /^(-?\d{1,2}(?:\.\d+)?),\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(near);
    if (point) {
      const lat = Number(point[1]);
      const lon = Number(point[2]);
      if (Math.abs(lat) > 90 || Math.abs(lon) > 180) throw badRequest(`'near': latitude must be within ±90 and longitude within ±180, got '${near}'`, ['near']);
      query.near = { lat, lon, radiusKm };
    } else if (COMMUNE.test(near)) {
      nearCommune = { code: near, radiusKm };
    } else {
      throw badRequest(`'near' must be a position 'lat,lon' (e.g. 46.2,5.22) or an INSEE commune code (e.g. 01053), got '${near.slice(0, 80)}'`, ['near']);
    }
  }

  if (!options.facetsOnly) {
    const sort = one('sort');
    if (sort !== undefined) {
      if (!SORTS.includes(sort as OfferSort)) throw badRequest(`'sort' must be one of ${SORTS.join(', ')}, got '${sort.slice(0, 40)}'`, ['sort']);
      if (sort === 'freeBeds') refuseForProfile0('sort', 'sorting by free beds');
      // Without `near`, a commune named in `q` may give the position (./interpret.ts refuses the sort otherwise).
      if (sort === 'distance' && near === undefined && q === undefined) throw badRequest(`'sort=distance' needs 'near'`, ['sort']);
      if (sort === 'freeBeds') refuseForProfile0('sort', 'sorting by free beds');
      query.sort = sort as OfferSort;
    }
    const limit = one('limit');
    if (limit !== undefined) {
      if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw badRequest(`'limit' must be a whole number from 1 to ${MAX_LIMIT}, got '${limit.slice(0, 40)}'`, ['limit']);
      query.limit = Number(limit);
    }
    const cursor = one('cursor');
    if (cursor !== undefined) {
      if (cursor.length > 2000 || !/^[\x21-\x7e]+$/.test(cursor)) throw badRequest(`'cursor' is not a cursor this server gave`, ['cursor']);
      query.cursor = cursor;
    }
  }
  const radiusForText = radiusRaw !== undefined && near === undefined ? radiusKm : undefined;
  return { query, ...(nearCommune ? { nearCommune } : {}), ...(radiusForText !== undefined ? { radiusForText } : {}) };
}

/** `/offer/suggest`: `q` (required) and `limit` (1 to 20, default 10). */
export function parseSuggestParams(params: URLSearchParams): { text: string; limit: number } {
  for (const name of new Set(params.keys())) {
    if (name !== 'q' && name !== 'limit') throw badRequest(`unknown parameter '${name}'; the parameters are: q, limit`, [name]);
  }
  if (params.getAll('q').length > 1) throw badRequest(`'q' takes one value`, ['q']);
  const text = params.get('q')?.trim() ?? '';
  if (!text) throw badRequest(`'q' is required: the beginning of a unit, establishment or commune name`, ['q']);
  if (text.length > MAX_TEXT) throw badRequest(`'q' is longer than ${MAX_TEXT} characters`, ['q']);
  const raw = params.get('limit');
  if (params.getAll('limit').length > 1) throw badRequest(`'limit' takes one value`, ['limit']);
  if (raw !== null && (!/^\d{1,2}$/.test(raw) || Number(raw) < 1 || Number(raw) > 20)) {
    throw badRequest(`'limit' must be a whole number from 1 to 20, got '${raw.slice(0, 40)}'`, ['limit']);
  }
  return { text, limit: raw === null ? 10 : Number(raw) };
}

function flag(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest(`'${name}' must be true or false, got '${value.slice(0, 40)}'`, [name]);
}

function describe(name: CodeFilter): string {
  switch (name) {
    case 'department':
      return 'an INSEE department code (01…95, 2A, 2B, 971…989)';
    case 'region':
      return 'an INSEE region code (e.g. 84)';
    case 'commune':
      return 'an INSEE commune code (5 characters, e.g. 01053 or 2A004)';
    default:
      return 'a code of its nomenclature (letters, digits, . _ -)';
  }
}
