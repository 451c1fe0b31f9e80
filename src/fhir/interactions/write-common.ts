/**
 * The first step of update, patch and delete on `type/id`: check the address, read the current version inside
 * the transaction and hold it to If-Match (https://hl7.org/fhir/R4/http.html#concurrency). The rest of every
 * write (hooks, validation, storing, notifications) is the kernel's write path (src/kernel/write-path.ts).
 */
import type { StoredVersion, StoreReader } from '../../store/store';
import type { WriteOutcome } from '../../kernel/write-tx';
import type { FhirResponse } from '../context';
import { assertKnownType, assertValidId } from '../ids';
import { checkIfMatch } from '../versioning';

export async function readForChange(
  tx: StoreReader,
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

/** The response to a create, update or patch: 201 with a Location when it created the resource. */
export function written(outcome: WriteOutcome): FhirResponse {
  const v = outcome.version;
  return {
    status: outcome.status,
    version: v,
    location: outcome.status === 201 ? `${v.resourceType}/${v.id}/_history/${v.versionId}` : undefined,
  };
}
