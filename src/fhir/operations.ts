/**
 * FHIR operations ($name): https://hl7.org/fhir/R4/operations.html
 * Each operation declares where it applies (system, type, instance) and its HTTP methods; the CapabilityStatement
 * is generated from this list.
 */
import type { Parameters, Resource } from '@medplum/fhirtypes';
import type { StoreReader, StoreWriter } from '../store/store';
import { badRequest, FhirError, notFound } from './errors';
import type { FhirContext, FhirRequest, FhirResponse } from './router';
import { validationOutcome } from './validation';

export interface OperationCall {
  level: 'system' | 'type' | 'instance';
  name: string;
  resourceType?: string;
  id?: string;
  req: FhirRequest;
  reader: StoreReader;
  write: <T>(fn: (w: StoreWriter) => Promise<T>) => Promise<T>;
}

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

const operations = new Map<string, OperationDefinitionSummary>();

export function registerOperation(op: OperationDefinitionSummary): void {
  operations.set(op.name, op);
}

export function listOperations(): OperationDefinitionSummary[] {
  return [...operations.values()];
}

export async function runOperation(ctx: FhirContext, call: OperationCall): Promise<FhirResponse> {
  const op = operations.get(call.name);
  const where = call.level === 'system' ? 'the system' : call.resourceType;
  if (!op || !op.levels.includes(call.level) || (call.resourceType && op.resourceTypes && !op.resourceTypes.includes(call.resourceType))) {
    const known = listOperations()
      .filter((o) => o.levels.includes(call.level))
      .map((o) => `$${o.name}`);
    throw notFound(`operation $${call.name} is not supported on ${where}${known.length ? ` (supported: ${known.join(', ')})` : ''}`);
  }
  const method = call.req.method === 'HEAD' ? 'GET' : call.req.method;
  if (!op.methods.includes(method as 'GET' | 'POST')) {
    const err = new FhirError(405, `$${op.name} accepts ${op.methods.join(' or ')}, not ${call.req.method}`, 'not-supported');
    err.headers.Allow = op.methods.join(', ');
    throw err;
  }
  return op.run(ctx, call);
}

/** Reads a named parameter of a Parameters body. */
export function parameter(params: Parameters | undefined, name: string) {
  return params?.parameter?.find((p) => p.name === name);
}

/**
 * $validate: https://hl7.org/fhir/R4/resource-operation-validate.html — the body is the resource itself or a
 * Parameters with `resource` (and optional `profile`); `?profile=` also names a profile. Always 200 with an
 * OperationOutcome: the outcome, not the status, says whether the resource is valid.
 */
registerOperation({
  name: 'validate',
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  levels: ['type', 'instance'],
  methods: ['POST'],
  run: async (_ctx, call) => {
    if (call.req.body?.kind !== 'resource') throw badRequest('$validate needs a resource or Parameters body');
    const body = call.req.body.value as Resource;
    let resource: unknown = body;
    const profiles = call.req.query.filter(([k]) => k === 'profile').map(([, v]) => v);
    if (body?.resourceType === 'Parameters' && call.resourceType !== 'Parameters') {
      const params = body as Parameters;
      resource = parameter(params, 'resource')?.resource;
      if (!resource) throw badRequest('$validate Parameters must carry the resource to check in a `resource` parameter');
      const profile = parameter(params, 'profile')?.valueUri ?? parameter(params, 'profile')?.valueCanonical;
      if (profile) profiles.push(profile);
    }
    const oo = validationOutcome(resource, {
      expectedType: call.resourceType,
      expectedId: call.level === 'instance' ? call.id : undefined,
      profiles: profiles.length ? profiles : undefined,
    });
    return { status: 200, resource: oo };
  },
});
