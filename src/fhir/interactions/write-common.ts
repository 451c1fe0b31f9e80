/**
 * The shared last step of create, update and patch: validate the proposed content and store it as the next
 * version, unless it is the same as the current one (a no-op update keeps the current version, as FHIR allows).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion, StoreWriter } from '../../store/store';
import { validateResourceForWrite } from '../validation';
import { afterWrite, prepareForWrite } from '../hooks';
import { assertKnownType, assertValidId } from '../ids';
import { checkIfMatch } from '../versioning';

export interface WriteOutcome {
  version: StoredVersion;
  /** 201 when the resource was created, 200 otherwise. */
  status: 200 | 201;
}

/**
 * The first step of update, patch and delete on `type/id`: check the address, read the current version inside
 * the transaction and hold it to If-Match (https://hl7.org/fhir/R4/http.html#concurrency).
 */
export async function readForChange(
  tx: StoreWriter,
  type: string,
  id: string,
  ifMatch: string | undefined,
): Promise<StoredVersion | undefined> {
  assertKnownType(type);
  assertValidId(id);
  const current = await tx.read(type, id);
  checkIfMatch(ifMatch, current);
  return current;
}

/** Content of a resource without the server-managed meta fields, for change detection (key order is ignored). */
function comparable(resource: Resource): Resource {
  const { meta, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta ?? {};
  return Object.keys(keptMeta).length ? ({ ...rest, meta: keptMeta } as Resource) : (rest as Resource);
}

export async function storeResource(
  tx: StoreWriter,
  resource: Resource & { id: string },
  current: StoredVersion | undefined,
): Promise<WriteOutcome> {
  if (current && !current.deleted && isDeepStrictEqual(comparable(JSON.parse(current.json)), comparable(resource))) {
    return { version: current, status: 200 };
  }
  const [version] = await tx.write([{ kind: 'put', resource }]);
  await afterWrite(tx, version, current);
  return { version, status: current && !current.deleted ? 200 : 201 };
}

/**
 * Validates a body for a write to `type` (and `id` on update) once the write hooks have prepared it (they see the
 * current version, if any, and must tolerate any JSON shape: validation comes after them); returns it typed.
 */
export function validateBody(body: unknown, type: string, id: string | undefined, current: StoredVersion | undefined): Resource {
  const isOfType = !!body && typeof body === 'object' && (body as Resource).resourceType === type;
  const prepared = isOfType ? prepareForWrite(body as Resource, current) : body;
  return validateResourceForWrite(prepared, { expectedType: type, expectedId: id, requireId: id !== undefined });
}
