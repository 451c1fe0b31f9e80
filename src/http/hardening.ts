/**
 * What the HTTP face does to every request before the FHIR layer sees it, against misuse rather than for FHIR:
 * security headers (helmet), CORS for the origins the operator lists, bounds on the request target (length,
 * number of parameters), and rate limits (./rate-limit.ts): a strict one per address on `/auth/*` (token endpoint,
 * sign-in) against guessing, and one per caller on everything else.
 *
 * Bodies are bounded by the body parser (ROR_MAX_BODY → 413), headers by node itself (16 KiB of request line and
 * headers → 431, before any of this runs), the cost of a search by its planner (src/fhir/search/plan.ts).
 */
import cors from 'cors';
import helmet from 'helmet';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config';
import { outcome } from '../errors';
import { addressKey, callerKey, rateLimit, writeOutcome } from './rate-limit';

export type HardeningConfig = Pick<
  Config,
  'baseUrl' | 'corsOrigins' | 'rateLimitPerMinute' | 'authRateLimitPerMinute' | 'maxUrlLength'
> & { search: Pick<Config['search'], 'maxParams'> };

export interface Hardening {
  /**
   * Mount first: security headers, CORS, the bounds on the request target, the `/auth/*` limit (by address,
   * since the caller is not known yet there).
   */
  front: RequestHandler[];
  /**
   * Mount after authentication: the limit per caller, keyed by the principal in `res.locals.actor` when there is
   * one, else by the client address. Probes (/healthz, /readyz) and `/auth/*` (limited by `front`) are not counted.
   */
  callerRateLimit: RequestHandler;
}

/** Response headers a browser client of the API may read. */
export const EXPOSED_HEADERS = ['ETag', 'Location', 'Content-Location', 'Last-Modified', 'X-Progress', 'Retry-After', 'X-Request-Id'];
/** Request headers a browser client of the API may send. */
export const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'If-Match', 'If-None-Match', 'If-None-Exist', 'If-Modified-Since', 'Prefer', 'X-Request-Id'];

export function hardening(config: HardeningConfig, options: { now?: () => number } = {}): Hardening {
  const front: RequestHandler[] = [securityHeaders(config)];
  if (config.corsOrigins.length) front.push(corsFor(config.corsOrigins));
  front.push(requestTargetLimits(config.maxUrlLength, config.search.maxParams));
  if (config.authRateLimitPerMinute > 0) {
    const limit = rateLimit({
      perMinute: config.authRateLimitPerMinute,
      key: (req) => addressKey(req.ip),
      now: options.now,
      // The OAuth endpoints answer errors as RFC 6749 does; no code there says "slow down", this is the nearest.
      reject: (_req, res, retryAfter) =>
        writeJson(res, 429, {
          error: 'temporarily_unavailable',
          error_description: `too many requests from this address: retry in ${retryAfter} s`,
        }),
    });
    front.push((req, res, next) => (isAuthPath(req.path) && !isSessionRead(req.method, req.path) ? limit(req, res, next) : next()));
  }
  let callerRateLimit: RequestHandler = (_req, _res, next) => next();
  if (config.rateLimitPerMinute > 0) {
    const limit = rateLimit({ perMinute: config.rateLimitPerMinute, key: callerKey, now: options.now });
    callerRateLimit = (req, res, next) => (isAuthPath(req.path) || PROBES.has(req.path) ? next() : limit(req, res, next));
  }
  return { front, callerRateLimit };
}

/** Probes and the metrics scrape: polled by machines every few seconds, never counted against a caller. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

function isAuthPath(path: string): boolean {
  return path === '/auth' || path.startsWith('/auth/');
}

/**
 * The web application reads these on every page load: they prove nothing and issue nothing, so the strict limit
 * of sign-in does not apply (a hospital's staff share one address); they are not counted per caller either.
 */
const SESSION_READS = new Set(['/auth/session', '/auth/methods', '/auth/demo/accounts']);

function isSessionRead(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && SESSION_READS.has(path);
}

/**
 * Helmet's headers, with a content security policy for a JSON API and the web UI (/ui) that will be served from
 * this server with its own assets only: nothing from elsewhere, no inline script or style, no framing. HSTS only
 * when the server is reached over https (ROR_BASE_URL), or a browser would be told to insist on a scheme it
 * cannot have.
 */
function securityHeaders(config: Pick<Config, 'baseUrl' | 'corsOrigins'>): RequestHandler {
  const https = config.baseUrl.startsWith('https:');
  const directives: Record<string, string[]> = {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
  };
  if (https) directives.upgradeInsecureRequests = [];
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
    // Other sites may read the API only through CORS, and only the origins listed may.
    crossOriginResourcePolicy: { policy: config.corsOrigins.length ? 'cross-origin' : 'same-origin' },
  });
}

/**
 * CORS for the listed origins only; a request from any other origin gets no CORS header (the browser then keeps
 * the response from the page). No credentials mode: a browser client of another origin sends a bearer token, never
 * this server's session cookie.
 */
function corsFor(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  return (req, res, next) => {
    // The answer depends on Origin, whether or not it is allowed: caches must keep them apart.
    res.vary('Origin');
    handler(req, res, next);
  };
}

/** A request target longer than `maxLength` → 414; more than `maxParams` query parameters → 400. */
function requestTargetLimits(maxLength: number, maxParams: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const url = req.originalUrl;
    if (url.length > maxLength) {
      return writeOutcome(res, 414, outcome('error', 'too-long', `the request URL is ${url.length} characters long, more than the limit of ${maxLength} (ROR_MAX_URL_LENGTH)`));
    }
    const q = url.indexOf('?');
    if (q >= 0) {
      let count = 0;
      for (const part of url.slice(q + 1).split('&')) if (part !== '') count++;
      if (count > maxParams) {
        return writeOutcome(res, 400, outcome('error', 'too-costly', `the request has ${count} query parameters, more than the limit of ${maxParams} (ROR_MAX_PARAMS)`));
      }
    }
    next();
  };
}

function writeJson(res: Response, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
