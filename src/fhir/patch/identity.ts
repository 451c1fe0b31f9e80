/**
 * A patch edits a resource; it cannot turn it into another one. Both patch formats check their result here.
 * (https://hl7.org/fhir/R4/http.html#patch: the result is the new version of the same resource.)
 */
import type { Resource } from '@medplum/fhirtypes';
import { unprocessable } from '../../errors';

export function assertSameIdentity(before: Resource, after: unknown, format: string): asserts after is Resource {
  if (after === null || typeof after !== 'object' || Array.isArray(after)) {
    throw unprocessable(`the ${format} leaves no resource (the result is not a JSON object)`);
  }
  const result = after as Partial<Resource>;
  if (result.resourceType !== before.resourceType) {
    throw unprocessable(`a ${format} may not change resourceType (${before.resourceType})`);
  }
  if (result.id !== before.id) {
    throw unprocessable(`a ${format} may not change the id of ${before.resourceType}/${before.id ?? ''}`);
  }
}
