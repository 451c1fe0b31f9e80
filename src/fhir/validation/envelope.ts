/**
 * Checks on the envelope of a resource sent for a write, before its content is looked at: a JSON object, a known
 * resourceType matching the URL, and an id fit for the interaction. Each failure is a 400 with a single issue.
 */
import { isKnownResourceType } from '../../definitions';
import { badRequest } from '../../errors';
import { FHIR_ID } from './walk';

export interface EnvelopeOptions {
  /** The type in the URL ([base]/Organization): the body must be of this type. */
  expectedType?: string;
  /** The id in the URL of an update ([base]/Organization/123): the body must carry the same id. */
  expectedId?: string;
  /** The body must carry an id (implied by expectedId). */
  requireId?: boolean;
}

export type JsonObject = Record<string, unknown>;

/** Returns the resource as a JSON object whose resourceType is a known R4 resource type; throws a 400 otherwise. */
export function checkEnvelope(resource: unknown, opts: EnvelopeOptions): JsonObject {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    throw badRequest(`Expected a FHIR resource (a JSON object), received ${received(resource)}`);
  }
  const obj = resource as JsonObject;
  const type = checkResourceType(obj.resourceType, opts.expectedType);
  checkId(obj.id, type, opts);
  return obj;
}

function checkResourceType(type: unknown, expected: string | undefined): string {
  if (type === undefined) throw badRequest('The resource has no resourceType');
  if (typeof type !== 'string' || !isKnownResourceType(type)) {
    throw badRequest(`Unknown resourceType: received ${received(type)}, which is not a FHIR R4 resource type`);
  }
  if (expected !== undefined && type !== expected) {
    throw badRequest(`resourceType ${type} in the body does not match ${expected} in the URL`);
  }
  return type;
}

/**
 * Ids: https://hl7.org/fhir/R4/datatypes.html#id. Update: "the resource SHALL contain an id element that has an
 * identical value to the [id] in the URL"; no id or a different one is a 400 (https://hl7.org/fhir/R4/http.html#update).
 */
function checkId(id: unknown, type: string, opts: EnvelopeOptions): void {
  const path = [`${type}.id`];
  if (id !== undefined && (typeof id !== 'string' || !FHIR_ID.test(id))) {
    throw badRequest(`Invalid id ${received(id)}: an id is 1 to 64 characters among A-Z, a-z, 0-9, '-' and '.'`, path);
  }
  if (opts.expectedId !== undefined) {
    if (id === undefined) {
      throw badRequest(`The resource has no id; an update must carry the id of the URL (${opts.expectedId})`, path);
    }
    if (id !== opts.expectedId) {
      const expected = JSON.stringify(opts.expectedId);
      throw badRequest(`id ${received(id)} in the body does not match ${expected} in the URL`, path);
    }
  } else if (opts.requireId && id === undefined) {
    throw badRequest('The resource has no id', path);
  }
}

/** A short rendering of what the client sent, for messages. */
function received(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
