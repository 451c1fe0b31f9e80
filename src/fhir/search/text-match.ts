/**
 * `_text` and `_content` answered by a full-text matcher instead of the store's own text condition (a normalized
 * "contains" over the narrative or all text). The composition root plugs one in for the resource type it knows
 * (HealthcareService: the offer index and its French analyser, src/offer/fhir-text.ts); this module only rewrites
 * a plan: each `text` condition on resources of that type becomes an `id` condition on the ids it matches, which the
 * store then ANDs with the rest of the plan, pages and counts as usual. Wherever the condition sits: at the top, in
 * `_filter` (and / or / not), in a chain to that type or a `_has` from it.
 *
 * Confidentiality is not the matcher's business: it is asked for every matching resource, and the plan it narrows
 * is the one the caller's view already restricted (sensitive units excluded there), so what the caller may not see
 * stays out of entries and totals alike.
 */
import type { Condition, SearchPlan } from '../../store/search-plan';
import { FhirError } from '../../errors';

/** Most ids one `_text` / `_content` value may match; beyond, the search is refused as too broad. */
export const MAX_TEXT_MATCHES = 10_000;

export interface TextMatcher {
  /** The resource type whose `_text` / `_content` it answers. */
  readonly resourceType: string;
  /**
   * The ids of the resources of `resourceType` whose text matches `text` (in any order), at most `max` + 1 of them
   * (more than `max` tells the search is too broad); undefined when it cannot answer this text (no word left to
   * search on): the store's own text condition answers it then.
   */
  matchIds(text: string, max: number): Promise<string[] | undefined>;
}

/** The plan with its `text` conditions on the matcher's type replaced by the ids the matcher gives. */
export async function matchTextConditions(plan: SearchPlan, matcher: TextMatcher | undefined, max = MAX_TEXT_MATCHES): Promise<SearchPlan> {
  if (!matcher || !plan.where.some(hasText)) return plan;
  const found = new Map<string, Promise<string[] | undefined>>();
  const lookup = (text: string) => {
    let ids = found.get(text);
    if (!ids) {
      ids = matcher.matchIds(text, max);
      found.set(text, ids);
    }
    return ids;
  };
  const onType = (types: string[]) => types.length === 1 && types[0] === matcher.resourceType;

  const rewrite = async (c: Condition, types: string[]): Promise<Condition> => {
    switch (c.kind) {
      case 'and':
      case 'or':
        return { ...c, conditions: await Promise.all(c.conditions.map((x) => rewrite(x, types))) };
      case 'not':
        return { ...c, condition: await rewrite(c.condition, types) };
      case 'chain':
        return { ...c, where: await Promise.all(c.where.map((x) => rewrite(x, c.targetTypes))) };
      case 'has':
        return { ...c, where: await Promise.all(c.where.map((x) => rewrite(x, [c.sourceType]))) };
      case 'text':
        return onType(types) ? textCondition(c, lookup, max) : c;
      default:
        return c;
    }
  };
  const where = await Promise.all(plan.where.map((c) => rewrite(c, plan.resourceTypes)));
  return { ...plan, where };
}

async function textCondition(
  c: Extract<Condition, { kind: 'text' }>,
  lookup: (text: string) => Promise<string[] | undefined>,
  max: number,
): Promise<Condition> {
  if (!c.values.length) return c;
  const name = c.field === 'text' ? '_text' : '_content';
  const ids = new Set<string>();
  const unanswered: string[] = [];
  for (const value of c.values) {
    const matched = await lookup(value);
    if (!matched) {
      unanswered.push(value);
      continue;
    }
    for (const id of matched) ids.add(id);
    if (ids.size > max) {
      throw new FhirError(
        400,
        `${name}: '${value.slice(0, 100)}' matches more than ${max} resources; search with more specific words`,
        'too-costly',
        [name],
      );
    }
  }
  // Sorted: the same matches give the same plan, so a page's cursor stays valid for the next request.
  const byId: Condition = { kind: 'id', ids: [...ids].sort() };
  if (!unanswered.length) return byId;
  const rest: Condition = { ...c, values: unanswered };
  return ids.size ? { kind: 'or', conditions: [byId, rest] } : rest;
}

function hasText(c: Condition): boolean {
  switch (c.kind) {
    case 'text':
      return true;
    case 'and':
    case 'or':
      return c.conditions.some(hasText);
    case 'not':
      return hasText(c.condition);
    case 'chain':
    case 'has':
      return c.where.some(hasText);
    default:
      return false;
  }
}
