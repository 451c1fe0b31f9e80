/**
 * The HTTP API of offer search (README "Offer search"), JSON beside the FHIR API: `GET /offer/search`,
 * `GET /offer/facets`, `GET /offer/suggest`, answered by ./answers.ts — in the request's thread, or by the search
 * threads (./search-threads) when the server runs them. What the caller may see (src/security/visibility.ts) goes
 * with the query: sensitive units and bed availability are left out of the answer for those who may not see them.
 * Errors go to the app's error handler (`next(err)`), which answers with an OperationOutcome.
 *
 * Mounted after authentication, which sets `res.locals.actor`.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { ANONYMOUS, type Actor } from '../kernel/actor';
import { visibilityOf } from '../security/visibility';
import type { OfferIndex } from '../store/offer-index';
import { answerOffer, type OfferAnswerKind, type OfferVisibility } from './answers';
import type { Places } from './places';
import type { OfferSearchThreads } from './search-threads/pool';

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
  /** Search threads with replicas of the index (ROR_OFFER_SEARCH_THREADS): they answer instead of this thread. */
  threads?: OfferSearchThreads;
}

export function offerRouter(deps: OfferRouterDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const answer = (kind: OfferAnswerKind) => (req: Request, res: Response, next: NextFunction) => {
    const actor = (res.locals.actor as Actor | undefined) ?? ANONYMOUS;
    const { sensitiveUnits, availability } = visibilityOf(actor, deps.publicProfile);
    const vis: OfferVisibility = { sensitiveUnits, availability };
    const params = queryOf(req);
    const json = deps.threads
      ? deps.threads.answer(kind, params, vis, now())
      : answerOffer(kind, new URLSearchParams(params), vis, now(), deps);
    json.then((body) => sendJson(res, body), next);
  };
  router.get('/offer/search', answer('search'));
  router.get('/offer/facets', answer('facets'));
  router.get('/offer/suggest', answer('suggest'));
  return router;
}

/** The query string as sent (the app turns Express's query parser off). */
function queryOf(req: Request): string {
  const q = req.originalUrl.indexOf('?');
  return q < 0 ? '' : req.originalUrl.slice(q + 1);
}

function sendJson(res: Response, json: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
