/**
 * The answers of offer search (README "Offer search"), apart from HTTP: the query string and what the caller may see
 * in, the JSON body out. `./http.ts` serves them, in the request's thread or through the search threads
 * (./search-threads), which run this same code on their replica of the index.
 * - `search`: ranked, forgiving search of the units (./params.ts for the parameters), with facets and a cursor for
 *   the next page; `q` is understood first (./understand.ts, ./interpret.ts: criteria words and places become
 *   filters), and the answer's `interpretation` says how;
 * - `suggest`: type-ahead over unit, establishment and commune names;
 * - `facets`: the counts of the whole region (or of the same filters as a search).
 * Confidentiality (src/security/visibility.ts): a caller who may not see sensitive units gets none of them, in its
 * results, facet counts and totals alike (the index leaves them out); a caller of access profile 0 sees installed
 * capacity only: no free beds, no update date nor staleness, and the criteria on availability are a 403.
 * Bad parameters throw a FhirError (400/403), which the HTTP layer answers with an OperationOutcome. The answer is
 * JSON text: the threads send it as it is.
 */
import { FhirError } from '../errors';
import { distanceKm } from '../indexing/geo';
import type { Visibility } from '../security/visibility';
import type { OfferDocument, OfferFacet, OfferHit, OfferIndex, OfferQuery } from '../store/offer-index';
import { communePosition, readingsOf, searchReadings } from './interpret';
import { parseSearchParams, parseSuggestParams, type OfferSearchParams } from './params';
import { frenchPlaces, type Places } from './places';

export type OfferAnswerKind = 'search' | 'facets' | 'suggest';

export interface OfferAnswerDeps {
  index: OfferIndex;
  /** Capacity entered longer ago than this is stale (ROR_CAPACITY_STALE_HOURS, src/ror/capacity/config.ts). */
  staleHours: number;
  /** The departments and communes `q` may name (default: France's, ./places.ts). */
  places?: Places;
}

/** What the caller may see, as the answers need it (plain data: it crosses to the search threads). */
export type OfferVisibility = Pick<Visibility, 'sensitiveUnits' | 'availability'>;

const SEARCH_FACETS: OfferFacet[] = ['activity', 'careMode', 'department', 'category'];
const ALL_FACETS: OfferFacet[] = ['activity', 'careMode', 'specialty', 'category', 'department', 'region'];

/**
 * The JSON of an answer of `kind` to the query string `params`, for a caller who sees `vis`, at `now` (ms). A search's
 * results are written from each document's fragments kept between answers (`hitJson`), the rest with JSON.stringify.
 */
export async function answerOffer(kind: OfferAnswerKind, params: URLSearchParams, vis: OfferVisibility, now: number, deps: OfferAnswerDeps): Promise<string> {
  if (kind === 'suggest') {
    const { text, limit } = parseSuggestParams(params);
    return JSON.stringify({ suggestions: await deps.index.suggest(text, { limit, hideSensitive: !vis.sensitiveUnits }) });
  }
  const parsed = parseSearchParams(params, { availability: vis.availability, staleHours: deps.staleHours, now, ...(kind === 'facets' ? { facetsOnly: true } : {}) });
  if (kind === 'facets') {
    const { result, reading } = await understood(parsed, vis, { ...(await complete(parsed, vis, ALL_FACETS, deps.index)), limit: 1 }, deps);
    return JSON.stringify({ total: result.total, facets: result.facets, ...(reading.interpretation ? { interpretation: reading.interpretation } : {}) });
  }
  const { result, reading } = await understood(parsed, vis, await complete(parsed, vis, SEARCH_FACETS, deps.index), deps);
  const results = result.hits.map((hit) => hitJson(hit, vis, deps.staleHours, now, reading.query.near)).join(',');
  const rest = JSON.stringify({
    facets: result.facets,
    ...(reading.interpretation ? { interpretation: reading.interpretation } : {}),
    ...(result.next ? { next: result.next } : {}),
  });
  return `{"total":${result.total},"results":[${results}],${rest.slice(1)}`;
}

/** The OfferQuery of the parameters, for this caller: sensitive units hidden, `near=<INSEE>` placed. */
async function complete(parsed: OfferSearchParams, vis: OfferVisibility, facets: OfferFacet[], index: OfferIndex): Promise<OfferQuery> {
  const hideSensitive = !vis.sensitiveUnits;
  const query: OfferQuery = { ...parsed.query, hideSensitive, facets };
  if (parsed.nearCommune) {
    const { code, radiusKm } = parsed.nearCommune;
    const position = await communePosition(index, code, hideSensitive);
    if (!position) throw new FhirError(400, `'near': no unit is known in the commune ${code}, so its position is unknown here; give 'near=<lat>,<lon>'`, 'invalid', ['near']);
    query.near = { ...position, radiusKm };
  }
  return query;
}

/** The query as `q` is understood (./interpret.ts): the first of its readings that finds something. */
async function understood(parsed: OfferSearchParams, vis: OfferVisibility, base: OfferQuery, deps: OfferAnswerDeps) {
  const readings = await readingsOf(base, {
    index: deps.index,
    places: deps.places ?? frenchPlaces(),
    availability: vis.availability,
    ...(parsed.radiusForText !== undefined ? { radiusKm: parsed.radiusForText } : {}),
  });
  return searchReadings(deps.index, readings);
}

/**
 * One result of `/offer/search`, as the caller may see it, in parts (in the order of the result's members): what
 * depends on the document and the caller's right to see availability only (identity, beds, description), and what
 * depends on the query and the clock (location and distance, staleness, score).
 */
function identityPart(d: OfferDocument) {
  return {
    healthcareService: { id: d.id, name: d.name },
    organization: {
      id: d.organization.id,
      name: d.organization.name,
      ...(d.organization.finess ? { finess: d.organization.finess } : {}),
      ...(d.organization.department ? { department: d.organization.department } : {}),
      ...(d.organization.region ? { region: d.organization.region } : {}),
    },
  };
}

function locationPart(hit: OfferHit, near?: { lat: number; lon: number }) {
  const d = hit.document;
  // The location the distance is measured to (the nearest one), else the first.
  const location = near
    ? [...d.locations].sort((a, b) => (a.position ? distanceKm(near.lat, near.lon, a.position.lat, a.position.lon) : Infinity) - (b.position ? distanceKm(near.lat, near.lon, b.position.lat, b.position.lon) : Infinity))[0]
    : d.locations[0];
  return {
    ...(location
      ? {
          location: {
            id: location.id,
            ...(location.commune ? { commune: location.commune } : {}),
            ...(location.communeName ? { communeName: location.communeName } : {}),
            ...(location.position ? { position: location.position } : {}),
          },
        }
      : {}),
    ...(hit.distanceKm !== undefined ? { distanceKm: Math.round(hit.distanceKm * 100) / 100 } : {}),
  };
}

function bedsPart(d: OfferDocument, availability: boolean) {
  const updatedAt = d.capacity.updatedAt;
  return {
    ...(availability ? { freeBeds: { ...d.capacity.free } } : {}),
    installedBeds: d.capacity.installed,
    ...(availability && updatedAt ? { capacityUpdatedAt: updatedAt } : {}),
  };
}

function stalePart(d: OfferDocument, availability: boolean, staleHours: number, now: number) {
  if (!availability) return {};
  const updatedAt = d.capacity.updatedAt;
  return { stale: updatedAt === undefined || now - Date.parse(updatedAt) > staleHours * 3_600_000 };
}

function describePart(d: OfferDocument) {
  const code = ({ code, label }: { code: string; label: string }) => ({ code, label });
  return {
    ...(d.ageRange ? { ageRange: d.ageRange } : {}),
    labels: {
      activity: d.activities.map(code),
      careMode: d.careModes.map(code),
      specialty: d.specialties.map(code),
      category: d.unitCategories.map(code),
      patientType: d.patientTypes.map(code),
      ...(d.organization.category ? { establishmentCategory: code(d.organization.category) } : {}),
      ...(d.organization.legalStatus ? { legalStatus: code(d.organization.legalStatus) } : {}),
    },
  };
}

/** One result of `/offer/search`, as the caller may see it. */
export function presentHit(hit: OfferHit, vis: OfferVisibility, staleHours: number, now: number, near?: { lat: number; lon: number }) {
  const d = hit.document;
  return { ...identityPart(d), ...locationPart(hit, near), ...bedsPart(d, vis.availability), ...stalePart(d, vis.availability, staleHours, now), ...describePart(d), score: hit.score };
}

/** The members of an object as JSON, without its braces ('' for none). */
const members = (value: object) => JSON.stringify(value).slice(1, -1);

/**
 * A document's fragments that depend on it alone (and on whether availability is seen), kept while the document
 * object lives: the embedded index hands the same object for the same version of a unit (src/store/sqlite/
 * offer-documents.ts), so the common units of common searches are written once.
 */
const fragments = new WeakMap<OfferDocument, { identity: string; describe: string; beds: [string?, string?] }>();

/** presentHit's result as JSON (the same members in the same order), from the kept fragments where it can. */
export function hitJson(hit: OfferHit, vis: OfferVisibility, staleHours: number, now: number, near?: { lat: number; lon: number }): string {
  const d = hit.document;
  let kept = fragments.get(d);
  if (!kept) {
    kept = { identity: members(identityPart(d)), describe: members(describePart(d)), beds: [] };
    fragments.set(d, kept);
  }
  const slot = vis.availability ? 1 : 0;
  const beds = (kept.beds[slot] ??= members(bedsPart(d, vis.availability)));
  const parts = [kept.identity, members(locationPart(hit, near)), beds, members(stalePart(d, vis.availability, staleHours, now)), kept.describe, `"score":${JSON.stringify(hit.score)}`];
  return `{${parts.filter((p) => p !== '').join(',')}}`;
}
