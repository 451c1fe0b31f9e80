/**
 * update: https://hl7.org/fhir/R4/http.html#update — create-on-update with a client id is allowed (201).
 * Conditional update: https://hl7.org/fhir/R4/http.html#cond-update — no match creates (with the body id when it
 * has one), one match updates it, several are a 412.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoreWriter } from '../../store/store';
import { badRequest } from '../errors';
import { assertKnownType, assertValidId, newId } from '../ids';
import { findSingleMatch } from './conditional';
import { readForChange, storeResource, validateBody, type WriteOutcome } from './write-common';

export async function update(
  tx: StoreWriter,
  type: string,
  id: string,
  body: unknown,
  options: { ifMatch?: string } = {},
): Promise<WriteOutcome> {
  const current = await readForChange(tx, type, id, options.ifMatch);
  const resource = validateBody(body, type, id, current) as Resource & { id: string };
  return storeResource(tx, resource, current);
}

export async function conditionalUpdate(
  tx: StoreWriter,
  type: string,
  query: string,
  body: unknown,
  options: { ifMatch?: string } = {},
): Promise<WriteOutcome> {
  assertKnownType(type);
  const target = await findSingleMatch(tx, type, query, 'conditional update');
  const bodyId = (body as { id?: unknown } | null)?.id;
  if (target) {
    if (bodyId !== undefined && bodyId !== target.id) {
      throw badRequest(`the body id '${String(bodyId)}' differs from ${type}/${target.id}, the resource matching '${query}'`);
    }
    return update(tx, type, target.id, { ...(body as object), id: target.id }, options);
  }
  if (typeof bodyId === 'string') {
    assertValidId(bodyId);
    return update(tx, type, bodyId, body, options);
  }
  const id = newId();
  return update(tx, type, id, { ...(body as object), id }, options);
}
