/**
 * create: https://hl7.org/fhir/R4/http.html#create — the server assigns the id (any id in the body is ignored).
 * Conditional create (If-None-Exist): https://hl7.org/fhir/R4/http.html#ccreate — no match creates, one match
 * returns it unchanged (200), several matches are a 412.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoreWriter } from '../../store/store';
import { preconditionFailed } from '../errors';
import { assertKnownType, newId } from '../ids';
import { findConditionalMatches } from '../search/conditional';
import { storeResource, validateBody, type WriteOutcome } from './write-common';

export interface CreateOptions {
  /** The If-None-Exist header: a search query such as `identifier=http://x|1`. */
  ifNoneExist?: string;
  /** Id to use instead of a new one (transactions assign ids to `urn:uuid:` entries before processing). */
  assignedId?: string;
}

export async function create(tx: StoreWriter, type: string, body: unknown, options: CreateOptions = {}): Promise<WriteOutcome> {
  assertKnownType(type);
  const resource = validateBody(body, type, undefined, undefined);
  if (options.ifNoneExist !== undefined) {
    const matches = await findConditionalMatches(tx, type, stripQuestionMark(options.ifNoneExist), 2);
    if (matches.length > 1) {
      throw preconditionFailed(`If-None-Exist '${options.ifNoneExist}' matches several ${type} resources: make the criteria selective`);
    }
    if (matches.length === 1) return { version: matches[0], status: 200 };
  }
  const id = options.assignedId ?? newId();
  return storeResource(tx, { ...(resource as Resource), id }, undefined);
}

export function stripQuestionMark(query: string): string {
  return query.startsWith('?') ? query.slice(1) : query;
}
