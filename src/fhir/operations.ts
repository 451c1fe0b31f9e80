/**
 * FHIR operations ($name): https://hl7.org/fhir/R4/operations.html
 * The composition root registers each operation on one OperationRegistry; the router runs them and the
 * CapabilityStatement lists them, so neither can drift from the other.
 */
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { badRequest, FhirError, notFound } from '../errors';
import type { FhirContext, FhirResponse, OperationCall, OperationCatalog, OperationDefinitionSummary } from './context';
import type { Route } from './route-table';

export type { OperationCall, OperationDefinitionSummary } from './context';

export class OperationRegistry implements OperationCatalog {
  private readonly operations = new Map<string, OperationDefinitionSummary>();

  register(op: OperationDefinitionSummary): void {
    if (this.operations.has(op.name)) throw new Error(`operation $${op.name} is registered twice`);
    this.operations.set(op.name, op);
  }

  list(): OperationDefinitionSummary[] {
    return [...this.operations.values()];
  }

  async run(ctx: FhirContext, call: OperationCall): Promise<FhirResponse> {
    const op = this.operations.get(call.name);
    const where = call.level === 'system' ? 'the system' : call.resourceType;
    if (!op || !op.levels.includes(call.level) || (call.resourceType && op.resourceTypes && !op.resourceTypes.includes(call.resourceType))) {
      const known = this.list()
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
}

/** /$op, /[type]/$op, /[type]/[id]/$op: every method reaches the operation, which accepts its own. */
export const operationRoutes: Route[] = [
  { method: 'ANY', pattern: '$op', handler: (ctx, req, p, io) => ctx.operations.run(ctx, { level: 'system', name: p.operation!, req, ...io }) },
  {
    method: 'ANY',
    pattern: ':type/$op',
    handler: (ctx, req, p, io) => ctx.operations.run(ctx, { level: 'type', resourceType: p.type, name: p.operation!, req, ...io }),
  },
  {
    method: 'ANY',
    pattern: ':type/:id/$op',
    handler: (ctx, req, p, io) => ctx.operations.run(ctx, { level: 'instance', resourceType: p.type, id: p.id, name: p.operation!, req, ...io }),
  },
];

/** Reads a named parameter of a Parameters body. */
export function parameter(params: Parameters | undefined, name: string) {
  return params?.parameter?.find((p) => p.name === name);
}

/**
 * $validate: https://hl7.org/fhir/R4/resource-operation-validate.html — the body is the resource itself or a
 * Parameters with `resource` (and optional `profile`); `?profile=` also names a profile. Always 200 with an
 * OperationOutcome: the outcome, not the status, says whether the resource is valid.
 */
export function validateOperation(): OperationDefinitionSummary {
  return {
    name: 'validate',
    definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
    levels: ['type', 'instance'],
    methods: ['POST'],
    run: async (ctx, call) => {
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
      const oo = ctx.kernel.validator.outcome(resource, {
        expectedType: call.resourceType,
        expectedId: call.level === 'instance' ? call.id : undefined,
        profiles: profiles.length ? profiles : undefined,
      });
      return { status: 200, resource: oo };
    },
  };
}
