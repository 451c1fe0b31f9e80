/**
 * The FHIR REST router, storage- and framework-agnostic: a FhirRequest in, a FhirResponse out.
 * The HTTP layer (src/http) and the batch/transaction processor both go through it, so an entry of a transaction
 * behaves exactly like the same request sent alone. https://hl7.org/fhir/R4/http.html
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore, StoredVersion, StoreReader, StoreWriter } from '../store/store';
import { badRequest, FhirError, notFound, notSupported } from './errors';
import { assertKnownType } from './ids';
import { read, vread } from './interactions/read';
import { create } from './interactions/create';
import { conditionalUpdate, update } from './interactions/update';
import { conditionalRemove, remove } from './interactions/delete';
import { conditionalPatch, patch, type PatchBody } from './interactions/patch';
import { history } from './interactions/history';
import { searchset } from './interactions/search';
import { capabilityStatement } from './interactions/capabilities';
import { processBundle } from './interactions/transaction';
import type { WriteOutcome } from './interactions/write-common';
import { runOperation } from './operations';
import { matchesIfNoneMatch } from './versioning';

export interface FhirLimits {
  defaultCount: number;
  maxCount: number;
}

export interface FhirContext {
  store: ResourceStore;
  baseUrl: string;
  limits: FhirLimits;
}

export type FhirMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface FhirRequest {
  method: FhirMethod;
  /** Decoded path segments after the base, e.g. ['Location', '123', '_history', '2']. */
  path: string[];
  /** Query parameters in order; repeated names are kept. */
  query: [string, string][];
  headers: {
    ifMatch?: string;
    ifNoneMatch?: string;
    ifNoneExist?: string;
    ifModifiedSince?: string;
  };
  /** Parsed body: a resource, a JSON Patch document, or search parameters from a form. */
  body?:
    | { kind: 'resource'; value: unknown }
    | { kind: 'json-patch'; value: unknown }
    | { kind: 'form'; value: [string, string][] }
    /** Plain text bodies some operations accept, e.g. a CSV upload (`text/csv`). */
    | { kind: 'text'; contentType: string; value: string };
  /** Prefer: return=… (https://hl7.org/fhir/R4/http.html#ops). */
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
  /** Prefer: handling=strict. */
  strict?: boolean;
  /** Id a transaction assigned beforehand to the resource this POST creates (its `urn:uuid:` was resolved to it). */
  assignedId?: string;
}

export interface FhirResponse {
  status: number;
  /** A stored version, served byte for byte with its ETag and Last-Modified. */
  version?: StoredVersion;
  /** A resource built for this response (Bundle, OperationOutcome, CapabilityStatement, Parameters…). */
  resource?: Resource;
  /** A resource built for this response that writes its own JSON (a searchset); see builtResource for the object. */
  serializable?: SerializableResource;
  /** Location header (create, and update that created). */
  location?: string;
}

/** A response resource whose compact JSON is written without building the object first (src/fhir/search/bundle.ts). */
export interface SerializableResource {
  /** The resource as an object, built on each call. */
  toResource(): Resource;
  /** Its compact JSON: byte for byte JSON.stringify(toResource()). */
  toJson(): string;
}

/** The resource built for a response, as an object (undefined when it serves a stored version, or nothing). */
export function builtResource(res: FhirResponse): Resource | undefined {
  return res.resource ?? res.serializable?.toResource();
}

/** Resolves a request against the store; `tx` is given when the request runs inside a transaction bundle. */
export async function route(ctx: FhirContext, req: FhirRequest, tx?: StoreWriter): Promise<FhirResponse> {
  const reader: StoreReader = tx ?? ctx.store;
  const write = <T>(fn: (w: StoreWriter) => Promise<T>): Promise<T> => (tx ? fn(tx) : ctx.store.transaction(fn));
  const [first, second, third, fourth, ...rest] = req.path;
  const m = req.method === 'HEAD' ? 'GET' : req.method;

  if (rest.length) throw notFound(`no FHIR endpoint at /${req.path.join('/')}`);

  // System level: /, /metadata, /_history, /$operation
  if (first === undefined) {
    if (m === 'GET') return { status: 200, serializable: await searchset(reader, searchInput(ctx, req, undefined), ctx.limits) };
    if (m === 'POST') {
      return { status: 200, resource: await processBundle(ctx, resourceBody(req), { returnMinimal: req.preferReturn === 'minimal' }) };
    }
    throw methodNotAllowed(req, 'GET, POST');
  }
  if (first === 'metadata' && second === undefined) {
    if (m !== 'GET') throw methodNotAllowed(req, 'GET');
    return { status: 200, resource: capabilityStatement(ctx.baseUrl) };
  }
  if (first === '_history' && second === undefined) {
    if (m !== 'GET') throw methodNotAllowed(req, 'GET');
    return { status: 200, serializable: await history(reader, { params: req.query, baseUrl: ctx.baseUrl }, ctx.limits) };
  }
  if (first.startsWith('$') && second === undefined) {
    return runOperation(ctx, { level: 'system', name: first.slice(1), req, reader, write });
  }

  const type = first;
  assertKnownType(type);

  // Type level: /Type, /Type/_search, /Type/_history, /Type/$operation
  if (second === undefined) {
    switch (m) {
      case 'GET':
        return { status: 200, serializable: await searchset(reader, searchInput(ctx, req, type), ctx.limits) };
      case 'POST':
        return written(
          type,
          await write((w) => create(w, type, resourceBody(req), { ifNoneExist: req.headers.ifNoneExist, assignedId: req.assignedId })),
        );
      case 'PUT':
        return written(type, await write((w) => conditionalUpdate(w, type, conditionQuery(req), resourceBody(req), req.headers)));
      case 'PATCH':
        return written(type, await write((w) => conditionalPatch(w, type, conditionQuery(req), patchBody(req), req.headers)));
      case 'DELETE': {
        const deleted = await write((w) => conditionalRemove(w, type, conditionQuery(req), req.headers));
        return deleted ? { status: 204, version: deleted } : { status: 204 };
      }
    }
  }
  if (second === '_search' && third === undefined) {
    if (m !== 'POST') throw methodNotAllowed(req, 'POST');
    const form = req.body?.kind === 'form' ? req.body.value : [];
    const merged = { ...req, query: [...req.query, ...form] };
    return { status: 200, serializable: await searchset(reader, searchInput(ctx, merged, type), ctx.limits) };
  }
  if (second === '_history' && third === undefined) {
    if (m !== 'GET') throw methodNotAllowed(req, 'GET');
    return { status: 200, serializable: await history(reader, { resourceType: type, params: req.query, baseUrl: ctx.baseUrl }, ctx.limits) };
  }
  if (second.startsWith('$') && third === undefined) {
    return runOperation(ctx, { level: 'type', resourceType: type, name: second.slice(1), req, reader, write });
  }

  // Instance level: /Type/id, /Type/id/_history[/vid], /Type/id/$operation
  const id = second;
  if (third === undefined) {
    switch (m) {
      case 'GET': {
        const current = await read(reader, type, id);
        if (matchesIfNoneMatch(req.headers.ifNoneMatch, current)) return { status: 304, version: current };
        if (notModifiedSince(req.headers.ifModifiedSince, current)) return { status: 304, version: current };
        return { status: 200, version: current };
      }
      case 'PUT':
        return written(type, await write((w) => update(w, type, id, resourceBody(req), req.headers)));
      case 'PATCH':
        return written(type, await write((w) => patch(w, type, id, patchBody(req), req.headers)));
      case 'DELETE':
        return { status: 204, version: await write((w) => remove(w, type, id, req.headers)) };
      case 'POST':
        throw methodNotAllowed(req, 'GET, PUT, PATCH, DELETE');
    }
  }
  if (third === '_history') {
    if (m !== 'GET') throw methodNotAllowed(req, 'GET');
    if (fourth === undefined) {
      return { status: 200, serializable: await history(reader, { resourceType: type, id, params: req.query, baseUrl: ctx.baseUrl }, ctx.limits) };
    }
    return { status: 200, version: await vread(reader, type, id, fourth) };
  }
  if (third.startsWith('$') && fourth === undefined) {
    return runOperation(ctx, { level: 'instance', resourceType: type, id, name: third.slice(1), req, reader, write });
  }
  throw notFound(`no FHIR endpoint at /${req.path.join('/')}`);
}

function written(type: string, outcome: WriteOutcome): FhirResponse {
  const v = outcome.version;
  return {
    status: outcome.status,
    version: v,
    location: outcome.status === 201 ? `${type}/${v.id}/_history/${v.versionId}` : undefined,
  };
}

function searchInput(ctx: FhirContext, req: FhirRequest, type: string | undefined) {
  return { resourceTypes: type ? [type] : undefined, params: req.query, baseUrl: ctx.baseUrl, strict: !!req.strict };
}

/** The search part of a conditional update/patch/delete (`PUT /Type?identifier=…`). */
function conditionQuery(req: FhirRequest): string {
  const criteria = req.query.filter(([k]) => !k.startsWith('_format') && k !== '_pretty');
  if (!criteria.length) {
    throw badRequest(`${req.method} on a resource type needs search criteria (conditional ${req.method.toLowerCase()}) or an id in the URL`);
  }
  return new URLSearchParams(criteria).toString();
}

function resourceBody(req: FhirRequest): unknown {
  if (req.body?.kind === 'text') {
    throw new FhirError(415, `${req.body.contentType} is accepted by some operations only: send application/fhir+json`, 'not-supported');
  }
  if (req.body?.kind !== 'resource') {
    throw badRequest(`${req.method} needs a FHIR resource body (Content-Type: application/fhir+json)`);
  }
  return req.body.value;
}

function patchBody(req: FhirRequest): PatchBody {
  if (req.body?.kind === 'json-patch') return { format: 'json-patch', operations: req.body.value };
  if (req.body?.kind === 'resource') return { format: 'fhirpath-patch', parameters: req.body.value };
  throw badRequest('PATCH needs a JSON Patch (application/json-patch+json) or a FHIRPath Patch Parameters body (application/fhir+json)');
}

function notModifiedSince(header: string | undefined, current: StoredVersion): boolean {
  if (!header) return false;
  const since = Date.parse(header);
  // HTTP dates have a one-second resolution.
  return !Number.isNaN(since) && Math.floor(Date.parse(current.lastUpdated) / 1000) * 1000 <= since;
}

function methodNotAllowed(req: FhirRequest, allowed: string): FhirError {
  const err = notSupported(`${req.method} is not allowed on /${req.path.join('/')} (allowed: ${allowed})`);
  err.headers.Allow = allowed;
  return err;
}
