/**
 * batch and transaction: https://hl7.org/fhir/R4/http.html#transaction
 *
 * - transaction: all entries commit together or none does; entries run in the order FHIR prescribes
 *   (DELETE, POST, PUT/PATCH, GET/HEAD — https://hl7.org/fhir/R4/http.html#trules), `urn:uuid:` full URLs of created
 *   (or conditionally resolved) resources are replaced by their `Type/id` in every reference of the bundle;
 * - batch: each entry is processed alone and reports its own status; one failing entry does not stop the others.
 * Response entries are in the order of the request entries.
 */
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { StoreReader } from '../../store/store';
import type { SearchContext } from '../search/plan';
import { badRequest, FhirError } from '../../errors';
import { newId } from '../ids';
import { findConditionalMatches } from '../search/conditional';
import { stripQuestionMark } from './conditional';
import { etag } from '../versioning';
import { builtResource, type FhirContext, type FhirMethod, type FhirRequest, type FhirResponse } from '../context';
import { resourceBody } from '../request';
import { parseJsonDocument } from '../json-text';
import type { Route } from '../route-table';

export interface BundleOptions {
  /** `Prefer: return=minimal` leaves resources out of response entries. */
  returnMinimal?: boolean;
}

const METHODS: FhirMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Processing order of a transaction's entries. */
const ORDER: Record<FhirMethod, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

interface ParsedEntry {
  index: number;
  fullUrl?: string;
  request: FhirRequest;
}

/** POST / with a Bundle of type batch or transaction. */
export const transactionRoute: Route = {
  method: 'POST',
  pattern: '',
  handler: async (ctx, req) => ({ status: 200, resource: await processBundle(ctx, resourceBody(req), { returnMinimal: req.preferReturn === 'minimal' }) }),
};

export async function processBundle(ctx: FhirContext, body: unknown, options: BundleOptions = {}): Promise<Bundle> {
  const bundle = body as Bundle;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
    throw badRequest('POST to the base URL needs a Bundle of type batch or transaction');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`Bundle.type must be 'batch' or 'transaction' to be processed, got '${String(bundle.type)}'`, ['Bundle.type']);
  }
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  return bundle.type === 'transaction' ? transaction(ctx, entries, options) : batch(ctx, entries, options);
}

async function batch(ctx: FhirContext, entries: BundleEntry[], options: BundleOptions): Promise<Bundle> {
  const responses: BundleEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    try {
      const parsed = parseEntry(ctx, entries[i], i);
      responses.push(toResponseEntry(ctx, await ctx.routes.dispatch(ctx, parsed.request), options));
    } catch (err) {
      responses.push(errorEntry(err));
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: responses };
}

async function transaction(ctx: FhirContext, entries: BundleEntry[], options: BundleOptions): Promise<Bundle> {
  const parsed = entries.map((e, i) => parseEntry(ctx, e, i));
  return ctx.kernel.transaction(ctx.store, ctx.actor, async (tx) => {
    const references = await resolveFullUrls(tx, ctx.kernel, parsed);
    rewriteReferences(parsed, references);
    checkDistinctTargets(parsed);
    const responses: BundleEntry[] = new Array(parsed.length);
    const ordered = [...parsed].sort((a, b) => ORDER[a.request.method] - ORDER[b.request.method] || a.index - b.index);
    for (const entry of ordered) {
      try {
        responses[entry.index] = toResponseEntry(ctx, await ctx.routes.dispatch(ctx, entry.request, tx), options);
      } catch (err) {
        throw entryFailure(err, entry);
      }
    }
    return { resourceType: 'Bundle', type: 'transaction-response', entry: responses } as Bundle;
  });
}

/** Turns one Bundle entry into the request it stands for. */
function parseEntry(ctx: FhirContext, entry: BundleEntry, index: number): ParsedEntry {
  const where = `Bundle.entry[${index}]`;
  const method = entry?.request?.method?.toUpperCase() as FhirMethod | undefined;
  if (!method || !METHODS.includes(method)) {
    throw badRequest(`${where}.request.method must be one of ${METHODS.join(', ')}`, [`${where}.request.method`]);
  }
  let url = entry.request?.url;
  if (!url) throw badRequest(`${where}.request.url is required`, [`${where}.request.url`]);
  if (url.startsWith(ctx.baseUrl + '/')) url = url.slice(ctx.baseUrl.length + 1);
  if (/^[a-z]+:/i.test(url)) throw badRequest(`${where}.request.url must be relative to this server, got '${url}'`, [`${where}.request.url`]);
  const [pathPart, queryPart = ''] = url.replace(/^\/+/, '').split('?', 2);
  const request: FhirRequest = {
    method,
    path: pathPart.split('/').filter(Boolean).map(decodeURIComponent),
    query: [...new URLSearchParams(queryPart)],
    headers: {
      ifMatch: entry.request?.ifMatch,
      ifNoneMatch: entry.request?.ifNoneMatch,
      ifNoneExist: entry.request?.ifNoneExist,
      ifModifiedSince: entry.request?.ifModifiedSince,
    },
  };
  if (!request.path.length && method === 'POST') {
    throw badRequest(`${where}: a batch or transaction cannot contain another one`, [`${where}.request.url`]);
  }
  if (entry.resource !== undefined) request.body = entryBody(method, entry.resource, where);
  return { index, fullUrl: entry.fullUrl, request };
}

/** A PATCH entry carries a FHIRPath Patch Parameters, or a JSON Patch inside a Binary. */
function entryBody(method: FhirMethod, resource: Resource, where: string): FhirRequest['body'] {
  if (method === 'PATCH' && resource.resourceType === 'Binary') {
    if (resource.contentType !== 'application/json-patch+json' || !resource.data) {
      throw badRequest(`${where}: a Binary PATCH body must hold a JSON Patch (contentType application/json-patch+json, base64 data)`);
    }
    return { kind: 'json-patch', value: parseJsonDocument(Buffer.from(resource.data, 'base64'), `${where}: the Binary data`) };
  }
  return { kind: 'resource', value: resource };
}

/**
 * Decides the `Type/id` each `urn:uuid:` (or other) full URL stands for: a POST gets a new id, or the id of the
 * resource its If-None-Exist matches; a conditional PUT gets the matching id or a new one.
 */
async function resolveFullUrls(tx: StoreReader, search: SearchContext, entries: ParsedEntry[]): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const e of entries) {
    const { method, path, query, headers } = e.request;
    const type = path[0];
    if (!e.fullUrl || !type || path.length > 2) continue;
    let id: string | undefined;
    if (method === 'POST' && path.length === 1) {
      if (headers.ifNoneExist) {
        const matches = await findConditionalMatches(tx, search, type, stripQuestionMark(headers.ifNoneExist), 2);
        if (matches.length === 1) id = matches[0].id;
      }
      id ??= newId();
      e.request.assignedId = id;
    } else if (method === 'PUT' && path.length === 1 && query.length) {
      const matches = await findConditionalMatches(tx, search, type, new URLSearchParams(query).toString(), 2);
      if (matches.length === 1) id = matches[0].id;
    } else if (method === 'PUT' && path.length === 2) {
      id = path[1];
    }
    if (id) refs.set(e.fullUrl, `${type}/${id}`);
  }
  return refs;
}

/** Replaces every `reference` naming a full URL of the bundle by the `Type/id` it resolved to. */
function rewriteReferences(entries: ParsedEntry[], refs: Map<string, string>): void {
  if (!refs.size) return;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(obj)) {
        if (key === 'reference' && typeof value === 'string') {
          const [target, fragment] = value.split('#', 2);
          const resolved = refs.get(target);
          if (resolved) obj[key] = fragment === undefined ? resolved : `${resolved}#${fragment}`;
        } else {
          visit(value);
        }
      }
    }
  };
  for (const e of entries) {
    if (e.request.body?.kind === 'resource') visit(e.request.body.value);
    // Conditional URLs may name a resource created earlier in the bundle (e.g. `?organization=urn:uuid:…`).
    e.request.query = e.request.query.map(([k, v]) => [k, refs.get(v) ?? v]);
    if (e.request.headers.ifNoneExist) {
      e.request.headers.ifNoneExist = e.request.headers.ifNoneExist.replace(/urn:uuid:[0-9a-fA-F-]{36}/g, (u) => refs.get(u) ?? u);
    }
  }
}

/** FHIR: a transaction must not touch the same resource twice (https://hl7.org/fhir/R4/http.html#trules). */
function checkDistinctTargets(entries: ParsedEntry[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    const { method, path } = e.request;
    if (method === 'GET' || method === 'HEAD' || path.length !== 2) continue;
    const key = `${path[0]}/${path[1]}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw badRequest(`Bundle.entry[${earlier}] and Bundle.entry[${e.index}] both change ${key}: a transaction may change a resource only once`);
    }
    seen.set(key, e.index);
  }
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified' };

function toResponseEntry(ctx: FhirContext, res: FhirResponse, options: BundleOptions): BundleEntry {
  const entry: BundleEntry = { response: { status: `${res.status} ${STATUS_TEXT[res.status] ?? ''}`.trim() } };
  const v = res.version;
  if (v) {
    entry.response!.etag = etag(v.versionId);
    entry.response!.lastModified = v.lastUpdated;
    if (!v.deleted) entry.fullUrl = `${ctx.baseUrl}/${v.resourceType}/${v.id}`;
    if (res.location) entry.response!.location = res.location;
    if (!v.deleted && res.status !== 204 && res.status !== 304 && !options.returnMinimal) entry.resource = ctx.view.present(JSON.parse(v.json));
  } else if (!options.returnMinimal) {
    const resource = builtResource(res);
    if (resource) entry.resource = resource;
  }
  return entry;
}

function errorEntry(err: unknown): BundleEntry {
  const fe = err instanceof FhirError ? err : new FhirError(500, 'internal error while processing this entry', 'exception');
  return { response: { status: String(fe.status), outcome: fe.outcome } };
}

/** The whole transaction fails with the entry's own status, its message prefixed with the entry it came from. */
function entryFailure(err: unknown, entry: ParsedEntry): unknown {
  if (!(err instanceof FhirError)) return err;
  const prefix = `Bundle.entry[${entry.index}] (${entry.request.method} /${entry.request.path.join('/')})`;
  const oo: OperationOutcome = {
    ...err.outcome,
    issue: (err.outcome.issue ?? []).map((i) => ({ ...i, diagnostics: `${prefix}: ${i.diagnostics ?? i.code}` })),
  };
  return new FhirError(err.status, oo);
}
