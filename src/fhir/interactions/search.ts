/**
 * The search interaction (type and system level): https://hl7.org/fhir/R4/http.html#search
 * parse → plan (src/fhir/search/plan.ts) → execute (the store adapter) → includes → searchset Bundle.
 */
import type { Bundle, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { StoreReader } from '../../store/store';
import { InvalidCursorError } from '../../store/errors';
import { badRequest } from '../../errors';
import type { Presenter } from '../../kernel/hooks';
import { planSearch, type SearchContext } from '../search/plan';
import { resolveIncludes } from '../search/include';
import { matchTextConditions, type TextMatcher } from '../search/text-match';
import { Searchset } from '../search/bundle';
import { applySummary, isSubsetting } from '../summary';
import type { FhirContext, FhirRequest, ReadView } from '../context';
import type { Route } from '../route-table';
import type { SearchLimits as PlanLimits } from '../../config';

/** What a search needs of the kernel: what it plans with (parameters, terminology), how results are served. */
export interface SearchServices extends SearchContext {
  hooks: Presenter;
}

/** GET / (system level, with `_type`), GET /[type], POST /[type]/_search (form body). */
export const searchRoutes: Route[] = [
  { method: 'GET', pattern: '', handler: async (ctx, req, _p, io) => ({ status: 200, serializable: await searchset(io.reader, ctx.kernel, searchInput(ctx, req, undefined), ctx.limits, ctx.view, ctx.textMatcher) }) },
  { method: 'GET', pattern: ':type', handler: async (ctx, req, { type }, io) => ({ status: 200, serializable: await searchset(io.reader, ctx.kernel, searchInput(ctx, req, type), ctx.limits, ctx.view, ctx.textMatcher) }) },
  {
    method: 'POST',
    pattern: ':type/_search',
    handler: async (ctx, req, { type }, io) => {
      const form = req.body?.kind === 'form' ? req.body.value : [];
      const merged = { ...req, query: [...req.query, ...form] };
      return { status: 200, serializable: await searchset(io.reader, ctx.kernel, searchInput(ctx, merged, type), ctx.limits, ctx.view, ctx.textMatcher) };
    },
  },
];

function searchInput(ctx: FhirContext, req: FhirRequest, type: string | undefined): SearchInteractionInput {
  return { resourceTypes: type ? [type] : undefined, params: req.query, baseUrl: ctx.baseUrl, strict: !!req.strict };
}

export interface SearchInteractionInput {
  /** [type] for GET /[type]; undefined for system-level search (GET /?_type=...): then _type decides, or all types. */
  resourceTypes: string[] | undefined;
  /** Raw query parameters in order (repeated keys = AND), from the URL or a form body. */
  params: [string, string][];
  /** Absolute base for links and fullUrl, e.g. http://localhost:8080 */
  baseUrl: string;
  /** Prefer: handling=strict → unknown/unsupported params are a 400. */
  strict: boolean;
}

export interface SearchLimits {
  defaultCount: number;
  maxCount: number;
  /** Most resources added by _include/_revinclude on one page (default 1000); beyond, an outcome entry says so. */
  maxIncludes?: number;
  /** Bounds on the cost of a search (src/config.ts); those not given take their defaults. */
  search?: Partial<PlanLimits>;
}

/** The searchset Bundle of a search, as an object. */
export async function searchInteraction(
  reader: StoreReader,
  services: SearchServices,
  input: SearchInteractionInput,
  limits: SearchLimits,
): Promise<Bundle> {
  return (await searchset(reader, services, input, limits)).toResource();
}

/**
 * The searchset of a search, kept as its parts: an object on demand, or compact JSON written around the stored
 * entries. With a caller's `view`, the plan is restricted to what it may see and the entries are served through it.
 * With a `textMatcher`, `_text` / `_content` on its resource type are answered by it (src/fhir/search/text-match.ts).
 */
export async function searchset(
  reader: StoreReader,
  services: SearchServices,
  input: SearchInteractionInput,
  limits: SearchLimits,
  view?: ReadView,
  textMatcher?: TextMatcher,
): Promise<Searchset> {
  const { registry } = services;
  const planned = planSearch(services, input.resourceTypes, input.params, {
    defaultCount: limits.defaultCount,
    maxCount: limits.maxCount,
    strict: input.strict,
    baseUrl: input.baseUrl,
    limits: limits.search,
  });
  const plan = await matchTextConditions(view ? view.restrict(planned.plan) : planned.plan, textMatcher);
  let result;
  try {
    result = await reader.search(plan);
    // The restricted plan already leaves hidden resources out; this also covers a store not yet reindexed.
    if (view && !view.seesAll) result = { ...result, entries: result.entries.filter((v) => !view.hides(v)) };
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badRequest(`_cursor: ${err.message}`, ['_cursor']);
    throw err;
  }
  const issues: OperationOutcomeIssue[] = planned.ignored.map((d) => ({
    severity: 'warning',
    code: 'not-supported',
    diagnostics: d,
  }));
  let included: Awaited<ReturnType<typeof resolveIncludes>>['included'] = [];
  if ((planned.includes.length || planned.revincludes.length) && result.entries.length) {
    const inc = await resolveIncludes(
      reader,
      registry,
      result.entries,
      planned.includes,
      planned.revincludes,
      limits.maxIncludes ?? 1000,
      planned.includeRounds,
    );
    included = view && !view.seesAll ? inc.included.filter((v) => !view.hides(v)) : inc.included;
    if (inc.truncated) issues.push({ severity: 'warning', code: 'too-costly', diagnostics: inc.truncated });
  }
  const outcome: OperationOutcome | undefined = issues.length ? { resourceType: 'OperationOutcome', issue: issues } : undefined;
  const types = input.resourceTypes;
  const { summary, elements } = planned;
  return new Searchset({
    baseUrl: input.baseUrl,
    resourceType: types && types.length === 1 ? types[0] : undefined,
    linkParams: planned.linkParams,
    result,
    included,
    outcome,
    render: isSubsetting(summary, elements) ? (r) => applySummary(r, summary, elements) : undefined,
    presenter: view ?? services.hooks,
  });
}
