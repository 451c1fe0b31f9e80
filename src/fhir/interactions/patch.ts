/**
 * patch: https://hl7.org/fhir/R4/http.html#patch — JSON Patch (application/json-patch+json) or FHIRPath Patch
 * (a Parameters body, https://hl7.org/fhir/R4/fhirpatch.html). The patched resource is validated like any write;
 * a patch may not change the resource type or id.
 */
import type { Parameters, Resource } from '@medplum/fhirtypes';
import type { StoreWriter } from '../../store/store';
import { badRequest, gone, notFound, unprocessable } from '../errors';
import { assertKnownType } from '../ids';
import { applyFhirPathPatch, applyJsonPatch } from '../patch';
import { findSingleMatch } from './conditional';
import { readForChange, storeResource, validateBody, type WriteOutcome } from './write-common';

export type PatchBody = { format: 'json-patch'; operations: unknown } | { format: 'fhirpath-patch'; parameters: unknown };

export async function patch(
  tx: StoreWriter,
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
  const resource = validateBody(after, type, id, current) as Resource & { id: string };
  return storeResource(tx, resource, current);
}

export async function conditionalPatch(
  tx: StoreWriter,
  type: string,
  query: string,
  body: PatchBody,
  options: { ifMatch?: string } = {},
): Promise<WriteOutcome> {
  assertKnownType(type);
  const target = await findSingleMatch(tx, type, query, 'conditional patch');
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
