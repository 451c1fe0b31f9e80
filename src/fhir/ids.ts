import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../errors';
import { isKnownResourceType } from '../definitions';

/** FHIR logical id: https://hl7.org/fhir/R4/datatypes.html#id */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function assertValidId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw badRequest(`'${id.slice(0, 80)}' is not a valid FHIR id: 1 to 64 characters among A-Z a-z 0-9 - .`);
  }
}

export function assertKnownType(type: string): void {
  if (!isKnownResourceType(type)) throw notFound(`unknown resource type '${type.slice(0, 80)}'`);
}

/** Server-assigned ids are UUIDs: unguessable and unique across instances without coordination. */
export function newId(): string {
  return randomUUID();
}
