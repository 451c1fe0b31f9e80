/**
 * read and vread: https://hl7.org/fhir/R4/http.html#read, https://hl7.org/fhir/R4/http.html#vread
 * A deleted resource answers 410 Gone; an unknown one 404, and so does one the caller may not see (its existence is
 * not revealed). A read whose If-None-Match names the current version,
 * or whose If-Modified-Since is not older than it, answers 304 (https://hl7.org/fhir/R4/http.html#cread).
 */
import type { StoredVersion, StoreReader } from '../../store/store';
import { gone, notFound } from '../../errors';
import { assertKnownType, assertValidId } from '../ids';
import { matchesIfNoneMatch } from '../versioning';
import type { Route } from '../route-table';

export const readRoutes: Route[] = [
  {
    method: 'GET',
    pattern: ':type/:id',
    handler: async (ctx, req, { type, id }, io) => {
      const current = await read(io.reader, type!, id!);
      if (ctx.view.hides(current)) throw notFound(`${type}/${id} does not exist`);
      if (matchesIfNoneMatch(req.headers.ifNoneMatch, current)) return { status: 304, version: current };
      if (notModifiedSince(req.headers.ifModifiedSince, current)) return { status: 304, version: current };
      return { status: 200, version: current };
    },
  },
  {
    method: 'GET',
    pattern: ':type/:id/_history/:vid',
    handler: async (ctx, _req, { type, id, vid }, io) => {
      const version = await vread(io.reader, type!, id!, vid!);
      if (ctx.view.hides(version)) throw notFound(`${type}/${id} has no version '${vid}'`);
      return { status: 200, version };
    },
  },
];

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

function notModifiedSince(header: string | undefined, current: StoredVersion): boolean {
  if (!header) return false;
  const since = Date.parse(header);
  // HTTP dates have a one-second resolution.
  return !Number.isNaN(since) && Math.floor(Date.parse(current.lastUpdated) / 1000) * 1000 <= since;
}
