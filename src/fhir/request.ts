/**
 * What interactions read off a request: its resource body, its patch body, the criteria of a conditional write.
 * Each failure says what the request should have carried.
 */
import { badRequest, FhirError } from '../errors';
import type { FhirRequest } from './context';

export type PatchBody = { format: 'json-patch'; operations: unknown } | { format: 'fhirpath-patch'; parameters: unknown };

export function resourceBody(req: FhirRequest): unknown {
  if (req.body?.kind === 'text') {
    throw new FhirError(415, `${req.body.contentType} is accepted by some operations only: send application/fhir+json`, 'not-supported');
  }
  if (req.body?.kind !== 'resource') {
    throw badRequest(`${req.method} needs a FHIR resource body (Content-Type: application/fhir+json)`);
  }
  return req.body.value;
}

export function patchBody(req: FhirRequest): PatchBody {
  if (req.body?.kind === 'json-patch') return { format: 'json-patch', operations: req.body.value };
  if (req.body?.kind === 'resource') return { format: 'fhirpath-patch', parameters: req.body.value };
  throw badRequest('PATCH needs a JSON Patch (application/json-patch+json) or a FHIRPath Patch Parameters body (application/fhir+json)');
}

/** The search part of a conditional update/patch/delete (`PUT /Type?identifier=…`). */
export function conditionQuery(req: FhirRequest): string {
  const criteria = req.query.filter(([k]) => !k.startsWith('_format') && k !== '_pretty');
  if (!criteria.length) {
    throw badRequest(`${req.method} on a resource type needs search criteria (conditional ${req.method.toLowerCase()}) or an id in the URL`);
  }
  return new URLSearchParams(criteria).toString();
}
