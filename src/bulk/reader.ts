/**
 * What an export reads, page by page, through the caller's view (https://hl7.org/fhir/uv/bulkdata/export.html):
 * each type's resources are found with the server's own search (parse → plan → the view's restriction → the
 * store), so a `_typeFilter` means what the same search means at `GET /[type]?…`, and nothing the caller may not
 * see by searching is exported. Pages follow the store's keyset cursor: memory holds one page, whatever the size.
 *
 * Several `_typeFilter` queries of one type are ORed: a resource found by a later query is left out of its page
 * when an earlier query also finds it (one `_id` search of the page per earlier query), so each resource is written
 * once without remembering the ones already written.
 */
import type { FhirContext } from '../fhir/context';
import { planSearch } from '../fhir/search/plan';
import { matchTextConditions } from '../fhir/search/text-match';
import type { SearchPlan } from '../store/search-plan';
import type { StoredVersion } from '../store/store';

/**
 * The types whose deactivation a consumer must see, and how a deactivated resource says so: `active` false, or a
 * Location's `status` inactive (what the referential sync writes when a record disappears).
 */
export const DEACTIVATION: Record<string, [string, string]> = {
  Organization: ['active', 'false'],
  HealthcareService: ['active', 'false'],
  Practitioner: ['active', 'false'],
  PractitionerRole: ['active', 'false'],
  Location: ['status', 'inactive'],
};

/** Plans one query of an export on `type` through the caller's view (a 400 or 403 is thrown as for a search). */
export function exportPlan(ctx: FhirContext, type: string, params: [string, string][], pageSize: number): SearchPlan {
  const planned = planSearch(ctx.kernel, [type], params, {
    defaultCount: pageSize,
    maxCount: Math.max(pageSize, ctx.limits.maxCount),
    strict: true,
    baseUrl: ctx.baseUrl,
    limits: { ...ctx.limits.search, maxOrValues: Math.max(pageSize, ctx.limits.search?.maxOrValues ?? 0), maxTotalOrValues: Math.max(pageSize * 2, ctx.limits.search?.maxTotalOrValues ?? 0) },
  });
  return { ...ctx.view.restrict(planned.plan), count: pageSize, total: 'none' };
}

export interface PageQuery {
  type: string;
  /** The `_typeFilter` queries of the type (ORed); empty: every resource of the type. */
  filters: [string, string][][];
  /** Conditions added to each query (`_lastUpdated`, the deactivation condition). */
  extra: [string, string][];
  pageSize: number;
}

/** The pages of resources the caller sees that match the query, each resource once, yielding to the event loop between pages. */
export async function* exportPages(ctx: FhirContext, q: PageQuery, signal?: AbortSignal): AsyncGenerator<StoredVersion[]> {
  const queries = q.filters.length ? q.filters.map((f) => [...f, ...q.extra]) : [q.extra];
  for (let k = 0; k < queries.length; k++) {
    let plan: SearchPlan | undefined = await matchTextConditions(exportPlan(ctx, q.type, queries[k], q.pageSize), ctx.textMatcher);
    while (plan) {
      signal?.throwIfAborted();
      const result = await ctx.store.search(plan);
      let page = ctx.view.seesAll ? result.entries : result.entries.filter((v) => !ctx.view.hides(v));
      for (let j = 0; j < k && page.length; j++) page = await withoutFoundBy(ctx, q, queries[j], page);
      if (page.length) yield page;
      plan = result.next ? { ...plan, cursor: result.next } : undefined;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** The page without the resources an earlier query of the type also finds. */
async function withoutFoundBy(ctx: FhirContext, q: PageQuery, earlier: [string, string][], page: StoredVersion[]): Promise<StoredVersion[]> {
  const ids = page.map((v) => v.id);
  const plan = await matchTextConditions(exportPlan(ctx, q.type, [...earlier, ['_id', ids.join(',')]], ids.length), ctx.textMatcher);
  const found = new Set((await ctx.store.search(plan)).entries.map((v) => v.id));
  return found.size ? page.filter((v) => !found.has(v.id)) : page;
}
