/**
 * delete: https://hl7.org/fhir/R4/http.html#delete — soft: a deletion is a new version, later reads answer 410
 * and history keeps it. Deleting an already deleted resource succeeds without a new version.
 * Conditional delete: https://hl7.org/fhir/R4/http.html#2.21.0.13.1 — no match succeeds, one is deleted,
 * several are a 412 (this server deletes a single match only).
 */
import type { StoredVersion, StoreWriter } from '../../store/store';
import { notFound } from '../errors';
import { assertKnownType } from '../ids';
import { afterWrite } from '../hooks';
import { findSingleMatch } from './conditional';
import { readForChange } from './write-common';

/** Returns the deletion version, or the current one when the resource was already deleted. */
export async function remove(
  tx: StoreWriter,
  type: string,
  id: string,
  options: { ifMatch?: string } = {},
): Promise<StoredVersion> {
  const current = await readForChange(tx, type, id, options.ifMatch);
  if (!current) throw notFound(`${type}/${id} does not exist`);
  if (current.deleted) return current;
  const [version] = await tx.write([{ kind: 'delete', resourceType: type, id }]);
  await afterWrite(tx, version, current);
  return version;
}

/** Returns the deletion version, or undefined when nothing matched. */
export async function conditionalRemove(
  tx: StoreWriter,
  type: string,
  query: string,
  options: { ifMatch?: string } = {},
): Promise<StoredVersion | undefined> {
  assertKnownType(type);
  const target = await findSingleMatch(tx, type, query, 'conditional delete');
  return target ? remove(tx, type, target.id, options) : undefined;
}
