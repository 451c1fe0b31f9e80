/**
 * The HTTP API of offer search (README "Offer search"), JSON beside the FHIR API:
 * - `GET /offer/search`: ranked, forgiving search of the units (./params.ts for the parameters), with facets and a
 *   cursor for the next page; `q` is understood first (./understand.ts, ./interpret.ts: criteria words and places
 *   become filters), and the answer's `interpretation` says how;
 * - `GET /offer/suggest?q=&limit=`: type-ahead over unit, establishment and commune names;
 * - `GET /offer/facets`: the counts of the whole region (or of the same filters as a search).
 * Confidentiality (src/security/visibility.ts): a caller who may not see sensitive units gets none of them, in its
 * results, facet counts and totals alike (the index leaves them out); a caller of access profile 0 sees installed
 * capacity only: no free beds, no update date nor staleness, and the criteria on availability are a 403.
 * Errors go to the app's error handler (`next(err)`), which answers with an OperationOutcome.
 *
 * Mounted after authentication, which sets `res.locals.actor`.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { FhirError } from '../errors';
import { distanceKm } from '../indexing/geo';
import { ANONYMOUS, type Actor } from '../kernel/actor';
import { visibilityOf, type Visibility } from '../security/visibility';
import type { OfferFacet, OfferHit, OfferIndex, OfferQuery } from '../store/offer-index';
import { communePosition, readingsOf, searchReadings } from './interpret';
import { parseSearchParams, parseSuggestParams, type OfferSearchParams } from './params';
import { frenchPlaces, type Places } from './places';

export interface OfferRouterDeps {
  index: OfferIndex;
  /** Capacity entered longer ago than this is stale (ROR_CAPACITY_STALE_HOURS, src/ror/capacity/config.ts). */
  staleHours: number;
  /** The access profile of callers without credential (ROR_PUBLIC_ACCESS_PROFILE, src/security/config.ts). */
  publicProfile: number;
  /** Clock (ms since epoch), replaceable in tests. */
  now?: () => number;
  /** The departments and communes `q` may name (default: France's, ./places.ts). */
  places?: Places;
}

const SEARCH_FACETS: OfferFacet[] = ['activity', 'careMode', 'department', 'category'];
const ALL_FACETS: OfferFacet[] = ['activity', 'careMode', 'specialty', 'category', 'department', 'region'];

export function offerRouter(deps: OfferRouterDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const visibility = (res: Response): Visibility => visibilityOf((res.locals.actor as Actor | undefined) ?? ANONYMOUS, deps.publicProfile);
  const handle = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).then((body) => sendJson(res, body), next);
  };

  router.get(
    '/offer/search',
    handle(async (req, res) => {
      const vis = visibility(res);
      const at = now();
      const parsed = parseSearchParams(queryOf(req), { availability: vis.availability, staleHours: deps.staleHours, now: at });
      const { result, reading } = await understood(parsed, vis, await complete(parsed, vis, SEARCH_FACETS));
      return {
        total: result.total,
        results: result.hits.map((hit) => presentHit(hit, vis, deps.staleHours, at, reading.query.near)),
        facets: result.facets,
        ...(reading.interpretation ? { interpretation: reading.interpretation } : {}),
        ...(result.next ? { next: result.next } : {}),
      };
    }),
  );

  router.get(
    '/offer/facets',
    handle(async (req, res) => {
      const vis = visibility(res);
      const parsed = parseSearchParams(queryOf(req), { availability: vis.availability, staleHours: deps.staleHours, now: now(), facetsOnly: true });
      const { result, reading } = await understood(parsed, vis, { ...(await complete(parsed, vis, ALL_FACETS)), limit: 1 });
      return { total: result.total, facets: result.facets, ...(reading.interpretation ? { interpretation: reading.interpretation } : {}) };
    }),
  );

  router.get(
    '/offer/suggest',
    handle(async (req, res) => {
      const vis = visibility(res);
      const { text, limit } = parseSuggestParams(queryOf(req));
      return { suggestions: await deps.index.suggest(text, { limit, hideSensitive: !vis.sensitiveUnits }) };
    }),
  );

  /** The OfferQuery of the parameters, for this caller: sensitive units hidden, `near=<INSEE>` placed. */
  async function complete(parsed: OfferSearchParams, vis: Visibility, facets: OfferFacet[]): Promise<OfferQuery> {
    const hideSensitive = !vis.sensitiveUnits;
    const query: OfferQuery = { ...parsed.query, hideSensitive, facets };
    if (parsed.nearCommune) {
      const { code, radiusKm } = parsed.nearCommune;
      const position = await communePosition(deps.index, code, hideSensitive);
      if (!position) throw new FhirError(400, `'near': no unit is known in the commune ${code}, so its position is unknown here; give 'near=<lat>,<lon>'`, 'invalid', ['near']);
      query.near = { ...position, radiusKm };
    }
    return query;
  }

  /** The query as `q` is understood (./interpret.ts): the first of its readings that finds something. */
  async function understood(parsed: OfferSearchParams, vis: Visibility, base: OfferQuery) {
    const readings = await readingsOf(base, {
      index: deps.index,
      places: deps.places ?? frenchPlaces(),
      availability: vis.availability,
      ...(parsed.radiusForText !== undefined ? { radiusKm: parsed.radiusForText } : {}),
    });
    return searchReadings(deps.index, readings);
  }

  return router;
}

/** One result of `/offer/search`, as the caller may see it. */
export function presentHit(hit: OfferHit, vis: Visibility, staleHours: number, now: number, near?: { lat: number; lon: number }) {
  const d = hit.document;
  // The location the distance is measured to (the nearest one), else the first.
  const location = near
    ? [...d.locations].sort((a, b) => (a.position ? distanceKm(near.lat, near.lon, a.position.lat, a.position.lon) : Infinity) - (b.position ? distanceKm(near.lat, near.lon, b.position.lat, b.position.lon) : Infinity))[0]
    : d.locations[0];
  const code = ({ code, label }: { code: string; label: string }) => ({ code, label });
  const updatedAt = d.capacity.updatedAt;
  const stale = updatedAt === undefined || now - Date.parse(updatedAt) > staleHours * 3_600_000;
  return {
    healthcareService: { id: d.id, name: d.name },
    organization: {
      id: d.organization.id,
      name: d.organization.name,
      ...(d.organization.finess ? { finess: d.organization.finess } : {}),
      ...(d.organization.department ? { department: d.organization.department } : {}),
      ...(d.organization.region ? { region: d.organization.region } : {}),
    },
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
    ...(vis.availability ? { freeBeds: { ...d.capacity.free } } : {}),
    installedBeds: d.capacity.installed,
    ...(vis.availability ? { ...(updatedAt ? { capacityUpdatedAt: updatedAt } : {}), stale } : {}),
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
    score: hit.score,
  };
}

/** The query string as sent (the app turns Express's query parser off). */
function queryOf(req: Request): URLSearchParams {
  const q = req.originalUrl.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : req.originalUrl.slice(q + 1));
}

function sendJson(res: Response, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
