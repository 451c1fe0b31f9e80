/**
 * The shapes the FHIR layer works with, storage- and framework-agnostic: a FhirRequest in, a FhirResponse out, in
 * a FhirContext that carries the services built by the composition root (the kernel, the store, the operations,
 * the route table) and the actor of the request. https://hl7.org/fhir/R4/http.html
 *
 * Kept in a file of their own so that the router, the operations and the transaction processor, which call one
 * another through the context, do not import one another.
 */
import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import type { ResourceStore, StoredVersion, StoreReader } from '../store/store';
import type { Actor } from '../kernel/actor';
import type { Kernel } from '../kernel/kernel';
import type { Validator } from './validation';
import type { WriteTx } from '../kernel/write-tx';
import type { Presenter } from '../kernel/hooks';
import type { SearchPlan } from '../store/search-plan';
import type { SearchLimits } from '../config';
import type { TextMatcher } from './search/text-match';

export interface FhirLimits {
  defaultCount: number;
  maxCount: number;
  /** Bounds on the cost of a search (ROR_MAX_PARAMS, ROR_MAX_OR_VALUES…); those not given take their defaults. */
  search?: Partial<SearchLimits>;
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
  /** Prefer: respond-async (https://hl7.org/fhir/R4/async.html), which bulk `$export` requires. */
  respondAsync?: boolean;
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
  /** Other headers of the response (e.g. the `Content-Location` of an asynchronous request's status). */
  headers?: Record<string, string>;
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

/** The parameters of a route's path (src/fhir/route-table.ts). */
export interface RouteParams {
  type?: string;
  id?: string;
  vid?: string;
  /** The operation name, without its `$`. */
  operation?: string;
}

/**
 * What one caller may see and do, built per request from its actor by the security layer (src/security/access.ts).
 * Every read path serves stored versions through it (it is the Presenter of the request), leaves out what it
 * hides, and runs its searches on the plan it restricts.
 */
export interface ReadView extends Presenter {
  /** Throws (401 without a credential, 403 with one) when the caller may not make this request at all. */
  admit(req: FhirRequest, route: { pattern: string; params: RouteParams }): void;
  /** The version is not served to this caller: a read answers as if it did not exist; searches leave it out. */
  hides(version: StoredVersion): boolean;
  /** The plan with everything the caller may not see or search on excluded, wherever it could match. */
  restrict(plan: SearchPlan): SearchPlan;
  /** False when histories and searches may leave entries out, so totals counted without the view are not given. */
  readonly seesAll: boolean;
}

/** Who may see what: the composition root plugs the security layer in here. */
export interface AccessControl {
  viewFor(actor: Actor): ReadView;
}

/** The services of the FHIR layer, built once by the composition root (src/main.ts). */
export interface FhirServices {
  kernel: Kernel<Validator>;
  store: ResourceStore;
  /** Absolute base URL of this server, for links, `Location` headers and `fullUrl`s. */
  baseUrl: string;
  limits: FhirLimits;
  operations: OperationCatalog;
  routes: Dispatcher;
  capabilities: CapabilitySource;
  access: AccessControl;
  /**
   * Answers `_text` / `_content` of searches on its resource type (the offer index for HealthcareService); without
   * it, or for other types, the store's own text condition does.
   */
  textMatcher?: TextMatcher;
}

/** One request: the services, who is calling, and what it may see. */
export interface FhirContext extends FhirServices {
  actor: Actor;
  view: ReadView;
}

/** The context of a request made by `actor`. */
export function requestContext(services: FhirServices, actor: Actor): FhirContext {
  return { ...services, actor, view: services.access.viewFor(actor) };
}

/** Answers a request; `tx` is given when it runs inside a transaction bundle (its reads and writes join it). */
export interface Dispatcher {
  dispatch(ctx: FhirContext, req: FhirRequest, tx?: WriteTx): Promise<FhirResponse>;
  /**
   * The pattern the path matches (e.g. `:type/:id`, `$op`) and its operation name, without running anything: a
   * label from a finite set, for the metrics. Undefined when no pattern fits.
   */
  describe?(path: string[]): { pattern: string; operation?: string } | undefined;
}

/** Where an interaction reads, and how it writes: alone, or inside the transaction of a bundle. */
export interface RequestIO {
  reader: StoreReader;
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
}

export interface OperationCall extends RequestIO {
  level: 'system' | 'type' | 'instance';
  name: string;
  resourceType?: string;
  id?: string;
  req: FhirRequest;
}

/** A FHIR operation ($name, https://hl7.org/fhir/R4/operations.html) and where it applies. */
export interface OperationDefinitionSummary {
  name: string;
  /** Canonical URL of the OperationDefinition, for the CapabilityStatement. */
  definition: string;
  levels: OperationCall['level'][];
  /** Resource types it applies to at type/instance level; undefined means every type. */
  resourceTypes?: string[];
  methods: ('GET' | 'POST')[];
  run: (ctx: FhirContext, call: OperationCall) => Promise<FhirResponse>;
}

export interface OperationCatalog {
  list(): OperationDefinitionSummary[];
  run(ctx: FhirContext, call: OperationCall): Promise<FhirResponse>;
}

export interface CapabilitySource {
  /** The CapabilityStatement of this server, answered at GET /metadata. */
  statement(baseUrl: string): CapabilityStatement;
}
