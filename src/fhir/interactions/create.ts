/**
 * create: https://hl7.org/fhir/R4/http.html#create — the server assigns the id (any id in the body is ignored).
 * Conditional create (If-None-Exist): https://hl7.org/fhir/R4/http.html#ccreate — no match creates, one match
 * returns it unchanged (200), several matches are a 412.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoreWriter } from '../../store/store';
import { assertKnownType, newId } from '../ids';
import { findSingleMatch } from './conditional';
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
    const existing = await findSingleMatch(tx, type, options.ifNoneExist, 'If-None-Exist');
    if (existing) return { version: existing, status: 200 };
  }
  const id = options.assignedId ?? newId();
  return storeResource(tx, { ...(resource as Resource), id }, undefined);
}
