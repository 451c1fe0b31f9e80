/**
 * read and vread: https://hl7.org/fhir/R4/http.html#read, https://hl7.org/fhir/R4/http.html#vread
 * A deleted resource answers 410 Gone; an unknown one 404.
 */
import type { StoredVersion, StoreReader } from '../../store/store';
import { gone, notFound } from '../errors';
import { assertKnownType, assertValidId } from '../ids';

export async function read(reader: StoreReader, type: string, id: string): Promise<StoredVersion> {
  assertKnownType(type);
  assertValidId(id);
  const current = await reader.read(type, id);
  if (!current) throw notFound(`${type}/${id} does not exist`);
  if (current.deleted) throw gone(`${type}/${id} was deleted (version ${current.versionId}, ${current.lastUpdated})`);
  return current;
}

export async function vread(reader: StoreReader, type: string, id: string, versionId: string): Promise<StoredVersion> {
  assertKnownType(type);
  assertValidId(id);
  const version = await reader.vread(type, id, versionId);
  if (!version) throw notFound(`${type}/${id} has no version '${versionId.slice(0, 40)}'`);
  if (version.deleted) throw gone(`version ${versionId} of ${type}/${id} records its deletion`);
  return version;
}
