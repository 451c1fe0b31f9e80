/**
 * The HTTP face of the server: Express for the plumbing (routing of probes, body limits), the FHIR route table for
 * every FHIR path (src/fhir/route-table.ts), and responses written with node's own methods to keep the read path
 * lean. Each request runs as its actor (for now every HTTP caller is `anonymous`: sign-in comes with security).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from '../logger';
import { FhirError, informational, outcome } from '../errors';
import { requestContext, type FhirContext, type FhirMethod, type FhirRequest, type FhirResponse, type FhirServices } from '../fhir/context';
import { applySummary } from '../fhir/summary';
import { etag, httpDate } from '../fhir/versioning';
import { ANONYMOUS, type Actor } from '../kernel/actor';
import { decodeBody, parsePrefer, responseContentType } from './negotiation';
import { requestLogger } from './request-log';
import type { Hardening } from './hardening';

export interface AppDeps {
  logger: Logger;
  /** Mounted first: sees every request and its response's end (the metrics, src/ops/http-metrics.ts). */
  observe?: RequestHandler;
  maxBodyBytes: number;
  /** Sets `res.locals.actor` from the request's credential (src/security/authenticate.ts); none: anonymous. */
  authenticate?: RequestHandler;
  /** Reverse proxies whose X-Forwarded-For is believed (Express `trust proxy`). */
  trustProxy?: string[];
  /**
   * Routers of their own (sign-in, the token endpoint), mounted before authentication: a person whose session
   * expired must still reach the sign-in. A promise is awaited by the first request that needs it.
   */
  routers?: { path: string; handler: RequestHandler | Promise<RequestHandler> }[];
  /** Routers served after authentication and rate limits, before the FHIR API (offer search). */
  apiRouters?: RequestHandler[];
  /** Records a sample of successful reads. */
  audit?: { readSucceeded(actor: Actor, interaction: string, target: string): void };
  /** Security headers, CORS, bounds on the request target, rate limits (./hardening.ts). */
  hardening?: Hardening;
}

const FHIR_METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export function createApp(services: FhirServices, deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy?.length) app.set('trust proxy', deps.trustProxy);
  app.set('etag', false);
  app.set('query parser', false);
  if (deps.observe) app.use(deps.observe);
  app.use(requestLogger(deps.logger, app));
  // Headers, CORS, bounds on the request, and the per-address limit of /auth/* (before sign-in and tokens).
  if (deps.hardening) app.use(deps.hardening.front);

  app.get('/healthz', (_req, res) => sendJson(res, 200, 'application/json', '{"status":"ok"}'));
  app.get('/readyz', async (req, res) => {
    try {
      await services.store.ping();
      sendJson(res, 200, 'application/json', '{"status":"ready"}');
    } catch (err) {
      req.log.error({ err }, 'store not reachable');
      sendOutcome(res, 503, outcome('error', 'transient', 'the store is not reachable'), 'application/fhir+json; charset=utf-8');
    }
  });

  for (const { path, handler } of deps.routers ?? []) app.use(path, settled(handler, deps.logger, path));
  if (deps.authenticate) app.use(deps.authenticate);
  // Per caller: after authentication, so a client is one caller whatever its address.
  if (deps.hardening) app.use(deps.hardening.callerRateLimit);
  // The API's answers are live (free beds) and depend on who asks (confidentiality): no cache may keep one, not
  // even the browser's own, which would otherwise reuse a read by heuristic freshness from its Last-Modified.
  // Conditional reads (If-None-Match → 304) still work; a handler that may be cached sets its own header.
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  for (const router of deps.apiRouters ?? []) app.use(router);
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  app.use((req, res, next) => (hasBody(req) ? rawBody(req, res, next) : next()));
  app.use((req, res, next) => {
    const actor: Actor = res.locals.actor ?? ANONYMOUS;
    handleFhir(requestContext(services, actor), req, res, deps.audit).catch(next);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => sendError(req, res, err));
  return app;
}

/**
 * A handler that may still be being built (an identity provider's metadata or discovery): requests wait for it.
 * When it cannot be built, its requests answer 503 with the reason (the rest of the server works on).
 */
function settled(handler: RequestHandler | Promise<RequestHandler>, logger: Logger, path: string): RequestHandler {
  if (typeof handler === 'function') return handler;
  let ready: RequestHandler | undefined;
  let failed: string | undefined;
  void handler.then(
    (h) => (ready = h),
    (err: Error) => {
      failed = err.message;
      logger.error({ err, path }, 'a sign-in method could not be set up; its requests answer 503');
    },
  );
  return (req, res, next) => {
    if (ready) return ready(req, res, next);
    if (failed !== undefined) return next(new FhirError(503, `${path} is not available: ${failed}`, 'transient'));
    handler.then((h) => h(req, res, next), () => next(new FhirError(503, `${path} is not available: ${failed}`, 'transient')));
  };
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

async function handleFhir(ctx: FhirContext, req: Request, res: Response, audit: AppDeps['audit']): Promise<void> {
  const { query, format, pretty, summary, elements } = parseQuery(req.originalUrl);
  const contentType = responseContentType(req.headers.accept, format);
  res.locals.contentType = contentType;
  if (!FHIR_METHODS.has(req.method)) {
    const err = new FhirError(405, `${req.method} is not a FHIR interaction`, 'not-supported');
    err.headers.Allow = 'GET, HEAD, POST, PUT, PATCH, DELETE';
    throw err;
  }
  const fhirReq: FhirRequest = {
    method: req.method as FhirMethod,
    path: splitPath(req.path),
    query,
    headers: {
      ifMatch: header(req, 'if-match'),
      ifNoneMatch: header(req, 'if-none-match'),
      ifNoneExist: header(req, 'if-none-exist'),
      ifModifiedSince: header(req, 'if-modified-since'),
    },
    body: Buffer.isBuffer(req.body) ? decodeBody(req.headers['content-type'], req.body) : undefined,
    ...parsePrefer(header(req, 'prefer')),
  };
  // What the request is, for the metrics (src/ops/http-metrics.ts): the route's pattern, never the raw URL.
  res.locals.fhirRoute = { ...ctx.routes.describe?.(fhirReq.path), bundleType: bundleTypeOf(fhirReq) };
  const result = await ctx.routes.dispatch(ctx, fhirReq);
  send(ctx, res, fhirReq, result, { contentType, pretty, summary, elements });
  if (audit && (req.method === 'GET' || req.method === 'HEAD') && result.status < 300) {
    audit.readSucceeded(ctx.actor, fhirReq.path.length >= 2 ? 'read' : 'search', req.originalUrl.slice(1, 500));
  }
}

function bundleTypeOf(req: FhirRequest): string | undefined {
  const body = req.body?.kind === 'resource' ? (req.body.value as { resourceType?: unknown; type?: unknown } | null) : undefined;
  return req.path.length === 0 && body?.resourceType === 'Bundle' && typeof body.type === 'string' ? body.type : undefined;
}

interface Presentation {
  contentType: string;
  pretty: boolean;
  summary?: string;
  elements?: string[];
}

function send(ctx: FhirContext, res: Response, req: FhirRequest, result: FhirResponse, p: Presentation): void {
  const v = result.version;
  if (v) {
    res.setHeader('ETag', etag(v.versionId));
    res.setHeader('Last-Modified', httpDate(v.lastUpdated));
  }
  if (result.location) res.setHeader('Location', `${ctx.baseUrl}/${result.location}`);
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.status === 304) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const isWrite = req.method !== 'GET' && req.method !== 'HEAD';
  if (isWrite && req.preferReturn === 'minimal' && (v || result.status === 204)) {
    res.statusCode = result.status;
    res.end();
    return;
  }
  if (isWrite && req.preferReturn === 'OperationOutcome' && v) {
    const what = result.status === 201 ? 'created' : v.deleted ? 'deleted' : 'updated';
    sendOutcome(res, result.status === 204 ? 200 : result.status, informational(`${v.resourceType}/${v.id} ${what}, version ${v.versionId}`), p.contentType, p.pretty);
    return;
  }
  if (result.status === 204 || (v && v.deleted)) {
    res.statusCode = 204;
    res.end();
    return;
  }
  if (v && !p.pretty && !p.summary && !p.elements) {
    sendJson(res, result.status, p.contentType, ctx.view.presentJson(v));
    return;
  }
  if (result.serializable) {
    const s = result.serializable;
    sendJson(res, result.status, p.contentType, p.pretty ? JSON.stringify(s.toResource(), null, 2) : s.toJson());
    return;
  }
  let resource: Resource | undefined = v ? ctx.view.present(JSON.parse(v.json)) : result.resource;
  if (resource && v && (p.summary || p.elements)) resource = applySummary(resource, p.summary, p.elements);
  sendJson(res, result.status, p.contentType, resource === undefined ? '' : JSON.stringify(resource, null, p.pretty ? 2 : undefined));
}

function sendJson(res: Response, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function sendOutcome(res: Response, status: number, oo: Resource, contentType: string, pretty = false): void {
  sendJson(res, status, contentType, JSON.stringify(oo, null, pretty ? 2 : undefined));
}

function sendError(req: Request, res: Response, err: unknown): void {
  const contentType: string = res.locals.contentType ?? 'application/fhir+json; charset=utf-8';
  if (res.headersSent) {
    req.log.error({ err }, 'error after the response started');
    res.destroy();
    return;
  }
  const fe = toFhirError(err);
  if (fe.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.debug({ status: fe.status, msg: fe.message }, 'request refused');
  for (const [k, v] of Object.entries(fe.headers)) res.setHeader(k, v);
  sendOutcome(res, fe.status, fe.outcome, contentType);
}

/** Maps anything thrown to a FhirError; a server fault keeps its details in the log, never in the response. */
function toFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  switch (e?.type) {
    case 'entity.too.large':
      return new FhirError(413, `the request body is larger than the limit of ${e.limit} bytes (ROR_MAX_BODY)`, 'too-costly');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new FhirError(415, `unsupported body encoding: ${e.message}`, 'not-supported');
    case 'request.aborted':
    case 'request.size.invalid':
      return new FhirError(400, `the request body could not be read: ${e.message}`, 'structure');
  }
  return new FhirError(500, 'internal server error: the details are in the server log under this request id', 'exception');
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function splitPath(path: string): string[] {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new FhirError(400, `the URL path ${path.slice(0, 200)} is not correctly percent-encoded`, 'invalid');
  }
}

/** Splits the query into FHIR parameters and the presentation ones (_format, _pretty, _summary, _elements). */
function parseQuery(url: string) {
  const q = url.indexOf('?');
  const query: [string, string][] = [];
  let format: string | undefined;
  let pretty = false;
  let summary: string | undefined;
  let elements: string[] | undefined;
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      if (k === '_format') format = v;
      else if (k === '_pretty') pretty = v === 'true';
      else {
        if (k === '_summary') summary = v;
        if (k === '_elements') elements = v.split(',').map((s) => s.trim()).filter(Boolean);
        query.push([k, v]);
      }
    }
  }
  return { query, format, pretty, summary, elements };
}
