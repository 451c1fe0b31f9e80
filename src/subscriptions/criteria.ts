/**
 * Subscription.criteria (https://hl7.org/fhir/R4/subscription-definitions.html#Subscription.criteria): a search on
 * one resource type, `Type?param=value&…` (or just `Type`: every change of that type). It is parsed and planned by
 * the search layer once, when the Subscription is written (a criteria the server cannot evaluate exactly is refused
 * with a 422), and the plan is reused for every change of that type.
 */
import type { SearchPlan } from '../store/search-plan';
import { FhirError, unprocessable } from '../errors';
import { isKnownResourceType } from '../definitions';
import type { SearchContext } from '../fhir/search/plan';
import { planSearch } from '../fhir/search/plan';

export interface ParsedCriteria {
  resourceType: string;
  /** The search, without paging or sort; match a version by adding its id. */
  plan: SearchPlan;
}

/** Result and control parameters: they shape a search response, they select nothing. */
const RESULT_PARAMS = new Set([
  '_sort', '_count', '_include', '_revinclude', '_summary', '_elements', '_total', '_contained', '_containedType',
  '_cursor', '_format', '_pretty', '_type', '_score', '_since', '_at',
]);

const WHERE = ['Subscription.criteria'];

export function parseCriteria(search: SearchContext, criteria: unknown): ParsedCriteria {
  if (typeof criteria !== 'string' || !criteria.trim()) {
    throw unprocessable('Subscription.criteria is required: a search such as Location?address-city=Lyon', WHERE);
  }
  const q = criteria.indexOf('?');
  const resourceType = (q < 0 ? criteria : criteria.slice(0, q)).trim();
  const query = q < 0 ? '' : criteria.slice(q + 1);
  if (!/^[A-Z][A-Za-z]+$/.test(resourceType) || !isKnownResourceType(resourceType)) {
    throw unprocessable(
      `Subscription.criteria must start with a resource type, as in Location?address-city=Lyon; got '${criteria.slice(0, 100)}'`,
      WHERE,
    );
  }
  if (resourceType === 'Subscription') {
    throw unprocessable('Subscription.criteria cannot watch Subscription resources', WHERE);
  }
  let params: [string, string][];
  try {
    params = [...new URLSearchParams(query).entries()];
  } catch {
    throw unprocessable(`Subscription.criteria: malformed query '${query.slice(0, 100)}'`, WHERE);
  }
  for (const [name] of params) {
    const base = name.split(':')[0];
    if (RESULT_PARAMS.has(base)) {
      throw unprocessable(`Subscription.criteria: '${name}' shapes search results and selects nothing; remove it`, WHERE);
    }
  }
  try {
    const planned = planSearch(search, [resourceType], params, { defaultCount: 1, maxCount: 1, strict: true });
    return { resourceType, plan: { ...planned.plan, sort: [], count: 1, total: 'none' } };
  } catch (err) {
    if (err instanceof FhirError && err.status < 500) throw unprocessable(`Subscription.criteria: ${err.message}`, WHERE);
    throw err;
  }
}

/** The search matching version `id` of the criteria's type when it satisfies the criteria. */
export function matchPlan(parsed: ParsedCriteria, id: string): SearchPlan {
  return { ...parsed.plan, where: [...parsed.plan.where, { kind: 'id', ids: [id] }] };
}
