/**
 * The `deleted` part of an export with `_since` (https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status):
 * what a consumer holding the previous export must remove, as Bundles of DELETE requests.
 *
 * - Deleted: a resource whose deletion is its newest version, recorded after `_since` (read from the type's history;
 *   a resource deleted then created again is not listed, its new version is in the output). A deleted resource is
 *   listed only when the caller could see its last version (a sensitive unit deleted stays unknown below profile 4).
 * - Deactivated: an Organization, HealthcareService, Practitioner or PractitionerRole now `active: false`, or a
 *   Location now `status: inactive`, changed after `_since` and matching the type's `_typeFilter` queries. With
 *   `_since` these are listed here and left out of the output: the consumer's copy converges on the active directory.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context';
import type { StoredVersion } from '../store/store';
import { DEACTIVATION, exportPages } from './reader';

export interface DeletedQuery {
  type: string;
  since: string;
  filters: [string, string][][];
  pageSize: number;
}

/** The references (`Type/id`) to delete, page by page: deletions first, then deactivations. */
export async function* deletedPages(ctx: FhirContext, q: DeletedQuery, signal?: AbortSignal): AsyncGenerator<string[]> {
  let cursor: string | undefined;
  do {
    signal?.throwIfAborted();
    const page = await ctx.store.history({ resourceType: q.type, since: q.since, count: q.pageSize, cursor });
    const refs: string[] = [];
    for (const v of page.entries) {
      if (v.deleted && v.lastUpdated > q.since && (await stillDeleted(ctx, v)) && (await sawLast(ctx, v))) refs.push(`${v.resourceType}/${v.id}`);
    }
    if (refs.length) yield refs;
    cursor = page.next;
    await new Promise((resolve) => setImmediate(resolve));
  } while (cursor);
  const deactivated = DEACTIVATION[q.type];
  if (!deactivated) return;
  const extra: [string, string][] = [['_lastUpdated', `gt${q.since}`], [deactivated[0], deactivated[1]]];
  for await (const page of exportPages(ctx, { type: q.type, filters: q.filters, extra, pageSize: q.pageSize }, signal)) {
    yield page.map((v) => `${v.resourceType}/${v.id}`);
  }
}

/** The deletion is the resource's newest version (it was not created again since). */
async function stillDeleted(ctx: FhirContext, v: StoredVersion): Promise<boolean> {
  const current = await ctx.store.read(v.resourceType, v.id);
  return current !== undefined && current.deleted && current.versionId === v.versionId;
}

/** The caller could see the version the deletion removed (and the deletion itself). */
async function sawLast(ctx: FhirContext, v: StoredVersion): Promise<boolean> {
  if (ctx.view.hides(v)) return false;
  const previous = Number(v.versionId) - 1;
  if (previous < 1) return true;
  const last = await ctx.store.vread(v.resourceType, v.id, String(previous));
  return last === undefined || last.deleted || !ctx.view.hides(last);
}

/** One NDJSON line: a transaction Bundle deleting `refs`. */
export function deleteBundle(refs: string[]): Bundle {
  const entry: BundleEntry[] = refs.map((url) => ({ request: { method: 'DELETE', url } }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
