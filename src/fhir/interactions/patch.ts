/**
 * patch: https://hl7.org/fhir/R4/http.html#patch — JSON Patch (application/json-patch+json) or FHIRPath Patch
 * (a Parameters body, https://hl7.org/fhir/R4/fhirpatch.html). The patched resource is validated like any write;
 * a patch may not change the resource type or id.
 */
import type { Parameters, Resource } from '@medplum/fhirtypes';
import type { SearchContext } from '../search/plan';
import type { WriteOutcome, WriteTx } from '../../kernel/write-tx';
import { badRequest, gone, notFound, unprocessable } from '../../errors';
import { assertKnownType } from '../ids';
import { applyFhirPathPatch, applyJsonPatch } from '../patch';
import { conditionQuery, patchBody, type PatchBody } from '../request';
import type { Route } from '../route-table';
import { findSingleMatch } from './conditional';
import { readForChange, written } from './write-common';

/** PATCH /[type]/[id], and PATCH /[type]?criteria (conditional patch). */
export const patchRoutes: Route[] = [
  {
    method: 'PATCH',
    pattern: ':type/:id',
    handler: async (_ctx, req, { type, id }, io) => written(await io.write((tx) => patch(tx, type!, id!, patchBody(req), req.headers))),
  },
  {
    method: 'PATCH',
    pattern: ':type',
    handler: async (ctx, req, { type }, io) =>
      written(await io.write((tx) => conditionalPatch(tx, ctx.kernel, type!, conditionQuery(req), patchBody(req), req.headers))),
  },
];

export async function patch(
  tx: WriteTx,
  type: string,
  id: string,
  body: PatchBody,
  options: { ifMatch?: string } = {},
): Promise<WriteOutcome> {
  const current = await readForChange(tx, type, id, options.ifMatch);
  if (!current) throw notFound(`${type}/${id} does not exist`);
  if (current.deleted) throw gone(`${type}/${id} was deleted: it cannot be patched`);
  const before = JSON.parse(current.json) as Resource;
  const after = applyPatchBody(before, body);
  if (after.resourceType !== type || after.id !== id) {
    throw unprocessable(`a patch may not change the resource type or id of ${type}/${id}`);
  }
  const resource = tx.validate(after, { type, id, current });
  return tx.store(resource, { id, current });
}

export async function conditionalPatch(
  tx: WriteTx,
  search: SearchContext,
  type: string,
  query: string,
  body: PatchBody,
  options: { ifMatch?: string } = {},
): Promise<WriteOutcome> {
  assertKnownType(type);
  const target = await findSingleMatch(tx, search, type, query, 'conditional patch');
  if (!target) throw notFound(`conditional patch '${query}' matches no ${type}`);
  return patch(tx, type, target.id, body, options);
}

function applyPatchBody(resource: Resource, body: PatchBody): Resource {
  if (body.format === 'json-patch') return applyJsonPatch(resource, body.operations);
  const params = body.parameters as Parameters | null;
  if (!params || typeof params !== 'object' || params.resourceType !== 'Parameters') {
    throw badRequest('a FHIRPath Patch body must be a Parameters resource (https://hl7.org/fhir/R4/fhirpatch.html)');
  }
  return applyFhirPathPatch(resource, params);
}
