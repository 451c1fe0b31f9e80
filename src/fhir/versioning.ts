/**
 * Version-aware interactions: ETags and If-Match / If-None-Match.
 * https://hl7.org/fhir/R4/http.html#versioning and https://hl7.org/fhir/R4/http.html#concurrency
 */
import type { StoredVersion } from '../store/store';
import { badRequest, preconditionFailed } from '../errors';

export function etag(versionId: string): string {
  return `W/"${versionId}"`;
}

/** Extracts the version from `W/"3"`, `"3"` or `3`; undefined for a value that names no version. */
export function parseETag(value: string): string | undefined {
  const m = /^\s*(?:W\/)?"?([A-Za-z0-9\-.]{1,64})"?\s*$/.exec(value);
  return m ? m[1] : undefined;
}

/**
 * Checks an If-Match header against the current version: a missing or deleted resource, or another version,
 * is a 412 Precondition Failed.
 */
export function checkIfMatch(ifMatch: string | undefined, current: StoredVersion | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = parseETag(ifMatch);
  if (!wanted) throw badRequest(`If-Match '${ifMatch}' is not a version ETag such as W/"3"`);
  if (!current || current.deleted) {
    throw preconditionFailed(`If-Match ${ifMatch}: the resource does not exist (or was deleted)`);
  }
  if (current.versionId !== wanted) {
    throw preconditionFailed(
      `If-Match ${ifMatch} does not match the current version ${etag(current.versionId)}: read the resource again and retry`,
    );
  }
}

/** True when an If-None-Match header on a read names the current version (answer 304 Not Modified). */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, current: StoredVersion): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((v) => parseETag(v) === current.versionId);
}

/** HTTP-date of a version's lastUpdated, for Last-Modified. */
export function httpDate(lastUpdated: string): string {
  return new Date(lastUpdated).toUTCString();
}
