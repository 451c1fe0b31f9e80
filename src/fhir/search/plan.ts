/**
 * Planning: raw query parameters + the SearchParameter registry → a storage-neutral SearchPlan (and the result
 * parameters the interaction applies itself: includes, _summary, _elements). https://hl7.org/fhir/R4/search.html
 *
 * Repeated parameters are ANDed, comma-separated values ORed. Unknown parameters are ignored and reported
 * (or refused with `strict`); unknown modifiers, prefixes and malformed values are always a 400.
 */
import { badRequest, FhirError } from '../../errors';
import { DEFAULT_SEARCH_LIMITS, type SearchLimits } from '../../config';
import { allResourceTypes, isKnownResourceType } from '../../definitions';
import type { Condition, LeafCondition, ReferenceValue, SearchPlan, SortKey, TokenValue } from '../../store/search-plan';
import { indexTypeOf, type SearchParamDef, type SearchParamRegistry, type SearchParamType } from '../../indexing/registry';
import { componentCode, parseReferenceString } from '../../indexing/extract';
import { normalizeString } from '../../indexing/index-values';
import {
  orValues,
  parseDate,
  parseNear,
  parseNumber,
  parseQuantity,
  parseToken,
  splitUnescaped,
  unescape,
} from './parse';
import type { Terminology } from '../../terminology/terminology';
import { compileFilter } from './filter';

export interface IncludeSpec {
  /** Type holding the reference (for _revinclude, the type included). */
  sourceType: string;
  /** Reference parameter code, or '*' for every reference parameter of sourceType. */
  code: string;
  targetType?: string;
  iterate: boolean;
}

export interface PlannedSearch {
  plan: SearchPlan;
  includes: IncludeSpec[];
  revincludes: IncludeSpec[];
  summary?: 'true' | 'text' | 'data' | 'count' | 'false';
  elements?: string[];
  /** Parameters ignored (unknown or unsupported), with the reason, for an OperationOutcome entry. */
  ignored: string[];
  /** The query to repeat in paging links: every parameter but the cursor. */
  linkParams: [string, string][];
  /** Rounds of include reading: the first, and at most this many more for `:iterate` ones (maxIncludeDepth). */
  includeRounds: number;
}

export interface PlanOptions {
  defaultCount: number;
  maxCount: number;
  strict: boolean;
  /** Absolute base of this server: references given as absolute URLs under it are made relative. */
  baseUrl?: string;
  /** Bounds on the cost of the search (src/config.ts, ROR_MAX_*); each one not given takes its default. */
  limits?: Partial<SearchLimits>;
}

/** What planning reads: the SearchParameters, and the terminology of `:in` / `:not-in` and of ANS short names. */
export interface SearchContext {
  registry: SearchParamRegistry;
  terminology: Terminology;
}

/** Most `_sort` keys: each one is a sort expression (a correlated subquery) and a column of every paging cursor. */
const MAX_SORT_KEYS = 8;

/** Most codes the `:in` / `:not-in` value sets and `:below` / `:above` hierarchies of one search expand to: each is an SQL parameter or two. */
const MAX_EXPANDED_CODES = 5000;

/** A search that asks for more than a limit allows: a 400 naming the parameter and the limit. */
function tooCostly(message: string, expression: string[]): FhirError {
  return new FhirError(400, message, 'too-costly', expression);
}

/** Name of the query parameter carrying our opaque paging cursor. */
export const CURSOR_PARAM = '_cursor';

/** Result parameters and others that are no search criteria. */
const IGNORED_CONTROL = new Set(['_format', '_pretty', '_score']);

/**
 * Parameters of every resource (https://hl7.org/fhir/R4/search.html#all) this server does not implement: reported
 * as such, not as unknown. `_contained` and `_containedType` are accepted at their defaults (`false`, `container`):
 * that is what every search does.
 */
const UNSUPPORTED_COMMON: Record<string, { values?: string[]; ok?: string }> = {
  _query: {},
  _contained: { values: ['false', 'true', 'both'], ok: 'false' },
  _containedType: { values: ['container', 'contained'], ok: 'container' },
};

export function planSearch(
  search: SearchContext,
  resourceTypes: string[] | undefined,
  params: [string, string][],
  options: PlanOptions,
): PlannedSearch {
  const limits: SearchLimits = { ...DEFAULT_SEARCH_LIMITS, ...options.limits };
  if (params.length > limits.maxParams) {
    throw tooCostly(`this search has ${params.length} parameters, more than the limit of ${limits.maxParams} (ROR_MAX_PARAMS)`, []);
  }
  const includeCount = params.filter(([k]) => k.startsWith('_include') || k.startsWith('_revinclude')).length;
  if (includeCount > limits.maxIncludes) {
    throw tooCostly(`this search has ${includeCount} _include and _revinclude parameters, more than the limit of ${limits.maxIncludes} (ROR_MAX_INCLUDES)`, ['_include']);
  }
  const ctx = new Planner(search.registry, search.terminology, options, limits);
  let types = resourceTypes;
  const typeParam = params.filter(([k]) => k === '_type');
  if (!types) {
    const listed = typeParam.flatMap(([, v]) => v.split(',')).map((t) => t.trim()).filter(Boolean);
    for (const t of listed) if (!isKnownResourceType(t)) throw badRequest(`_type: unknown resource type '${t}'`, ['_type']);
    types = listed.length ? [...new Set(listed)] : [...allResourceTypes()];
  }

  const out: PlannedSearch = {
    plan: { resourceTypes: types, where: [], sort: [], count: options.defaultCount, total: 'none' },
    includes: [],
    revincludes: [],
    ignored: [],
    linkParams: params.filter(([k]) => k !== CURSOR_PARAM),
    includeRounds: 1 + limits.maxIncludeDepth,
  };
  let sortParam: string | undefined;

  for (const [name, value] of params) {
    const [base, modifier] = splitName(name);
    switch (base) {
      case CURSOR_PARAM:
        out.plan.cursor = value;
        continue;
      case '_type':
        continue;
      case '_count': {
        if (!/^\d+$/.test(value)) throw badRequest(`_count must be a non-negative integer, got '${value}'`, ['_count']);
        out.plan.count = Math.min(Number(value), options.maxCount);
        continue;
      }
      case '_sort':
        sortParam = value;
        continue;
      case '_total':
        if (!['none', 'estimate', 'accurate'].includes(value)) {
          throw badRequest(`_total must be none, estimate or accurate, got '${value}'`, ['_total']);
        }
        out.plan.total = value as SearchPlan['total'];
        continue;
      case '_summary':
        if (!['true', 'text', 'data', 'count', 'false'].includes(value)) {
          throw badRequest(`_summary must be true, text, data, count or false, got '${value}'`, ['_summary']);
        }
        out.summary = value as PlannedSearch['summary'];
        continue;
      case '_elements':
        out.elements = [...(out.elements ?? []), ...value.split(',').map((e) => e.trim()).filter(Boolean)];
        continue;
      case '_filter':
        if (modifier !== undefined) throw badRequest(`'${name}': _filter takes no modifier`, [name]);
        out.plan.where.push(ctx.filter(types, value));
        continue;
      case '_include':
      case '_revinclude':
        (base === '_include' ? out.includes : out.revincludes).push(ctx.include(name, base, modifier, value));
        continue;
      default:
        if (IGNORED_CONTROL.has(base)) continue;
        if (Object.hasOwn(UNSUPPORTED_COMMON, base)) {
          ctx.unsupportedCommon(name, base, value);
          continue;
        }
    }
    ctx.countOrValues(name, value);
    const condition = ctx.condition(types, name, value);
    if (condition) out.plan.where.push(condition);
  }
  out.plan.where = ctx.mergeGroups(types, out.plan.where);
  out.ignored = ctx.ignored;
  if (out.summary === 'count') {
    out.plan.count = 0;
    out.plan.total = 'accurate';
  }
  out.plan.sort = sortParam !== undefined ? ctx.sort(types, sortParam) : ctx.defaultSort(out.plan.where);
  return out;
}

function splitName(name: string): [string, string | undefined] {
  const i = name.indexOf(':');
  return i < 0 ? [name, undefined] : [name.slice(0, i), name.slice(i + 1)];
}

const TYPE_MODIFIERS: Partial<Record<SearchParamType, string[]>> = {
  string: ['exact', 'contains', 'missing'],
  token: ['text', 'not', 'missing', 'of-type', 'in', 'not-in', 'above', 'below'],
  uri: ['above', 'below', 'missing'],
  reference: ['missing', 'identifier'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  composite: ['missing'],
  special: ['missing'],
};

class Planner {
  readonly ignored: string[] = [];
  /** OR-ed values read so far, over every parameter (maxTotalOrValues). */
  private orTotal = 0;
  /** Codes the `:in` / `:not-in` value sets expanded to so far (MAX_EXPANDED_CODES). */
  private expandedCodes = 0;
  /** Planning a test of a `_filter`: nothing unknown may be ignored. */
  private inFilter = false;
  constructor(
    private readonly registry: SearchParamRegistry,
    private readonly terminology: Terminology,
    private readonly options: PlanOptions,
    private readonly limits: SearchLimits,
  ) {}

  /**
   * Counts the OR-ed values of a criterion (a chain, `_has`, a composite value split the same way) against the
   * limits per parameter and per search, before any of them is parsed.
   */
  countOrValues(name: string, value: string): void {
    const n = orValues(value).length;
    const { maxOrValues, maxTotalOrValues } = this.limits;
    if (n > maxOrValues) {
      throw tooCostly(`search parameter '${name.slice(0, 200)}' has ${n} comma-separated values, more than the limit of ${maxOrValues} (ROR_MAX_OR_VALUES)`, [name]);
    }
    this.orTotal += n;
    if (this.orTotal > maxTotalOrValues) {
      throw tooCostly(`this search has more than ${maxTotalOrValues} comma-separated values over all its parameters (ROR_MAX_TOTAL_OR_VALUES); '${name.slice(0, 200)}' goes past it`, [name]);
    }
  }

  private readonly systemForAlias = (name: string) => this.terminology.codeSystemForAlias(name);

  /** `_query`, `_contained=true`…: refused under strict handling, else reported (UNSUPPORTED_COMMON). */
  unsupportedCommon(name: string, base: string, value: string): void {
    const { values, ok } = UNSUPPORTED_COMMON[base];
    if (values && !values.includes(value)) throw badRequest(`${name}: '${value.slice(0, 80)}' is not one of ${values.join(', ')}`, [name]);
    if (ok !== undefined && value === ok) return;
    const what = base === '_contained' || base === '_containedType' ? 'searching contained resources is' : `${base} is`;
    this.unknown(name, `${what} not supported by this server`);
  }

  /** `_filter=…`: one condition, each of its tests planned as the plain criterion that means the same (filter.ts). */
  filter(types: string[], text: string): Condition {
    return compileFilter(text, types, {
      param: (scope, code) => this.def(scope, code),
      criterion: (scope, name, value) => {
        this.countOrValues('_filter', value);
        this.inFilter = true;
        try {
          const c = this.condition(scope, name, value);
          // unreachable while inFilter makes unknown() throw; kept so a filter never loses a test silently
          if (!c) throw badRequest(`_filter: '${name}' cannot be searched on`, ['_filter']);
          return c;
        } finally {
          this.inFilter = false;
        }
      },
      and: (scope, conditions) => this.mergeGroups(scope, conditions),
      maxChainDepth: this.limits.maxChainDepth,
      maxTests: this.limits.maxTotalOrValues,
    });
  }

  private unknown(name: string, why: string): undefined {
    // Ignoring a test inside a filter would change what the rest of it means (`not (…)`, `or`): always a 400 there.
    if (this.options.strict || this.inFilter) throw badRequest(`search parameter '${name}': ${why}`, [name]);
    this.ignored.push(`search parameter '${name}' ignored: ${why}`);
    return undefined;
  }

  /** The definition of `code` on the first of `types` that has it. */
  private def(types: string[], code: string): SearchParamDef | undefined {
    for (const t of types) {
      const d = this.registry.get(t, code);
      if (d) return d;
    }
    return undefined;
  }

  condition(types: string[], name: string, value: string): Condition | undefined {
    const depth = name.split('.').length - 1 + (name.match(/_has:/g)?.length ?? 0);
    const maxDepth = this.limits.maxChainDepth;
    if (depth > maxDepth) {
      throw tooCostly(`search parameter '${name.slice(0, 200)}': chains and _has nest at most ${maxDepth} levels (ROR_MAX_CHAIN_DEPTH)`, [name]);
    }
    if (name.startsWith('_has:')) return this.has(types, name, value);
    const dot = name.indexOf('.');
    if (dot > 0) return this.chain(types, name, name.slice(0, dot), name.slice(dot + 1), value);
    const [code, modifier] = splitName(name);
    if (code === '_id') return this.ids(name, modifier, value);
    if (code === '_list') {
      if (modifier) throw badRequest(`'${name}': _list takes no modifier`, [name]);
      return this.list(value);
    }
    if (code === '_text' || code === '_content') {
      const values = orValues(value).map((v) => normalizeString(unescape(v))).filter(Boolean);
      return { kind: 'text', field: code === '_text' ? 'text' : 'content', values };
    }
    const def = this.def(types, code);
    if (!def) return this.unknown(name, `unknown for ${types.length > 3 ? 'these types' : types.join(', ')}`);
    // Parameters with no expression (`_query`…) have no index rows: never pretend to filter on them.
    if (!def.atom && !def.group) return this.unknown(name, 'not supported by this server');
    return this.leaf(def, name, code, modifier, value);
  }

  private ids(name: string, modifier: string | undefined, value: string): Condition {
    if (modifier === 'missing') throw badRequest(`'${name}': every resource has an id`, [name]);
    if (modifier && modifier !== 'not') throw badRequest(`'${name}': unsupported modifier '${modifier}'`, [name]);
    const cond: Condition = { kind: 'id', ids: orValues(value).map(unescape) };
    return modifier === 'not' ? { kind: 'not', condition: cond } : cond;
  }

  private leaf(def: SearchParamDef, name: string, code: string, modifier: string | undefined, value: string): Condition | undefined {
    const allowed = TYPE_MODIFIERS[def.type] ?? [];
    const isTypeModifier = def.type === 'reference' && !!modifier && isKnownResourceType(modifier);
    if (modifier && !allowed.includes(modifier) && !isTypeModifier) {
      throw badRequest(`search parameter '${name}': modifier ':${modifier}' is not supported on ${def.type} parameters`, [name]);
    }
    if (modifier === 'missing') {
      if (value !== 'true' && value !== 'false') throw badRequest(`'${name}' expects true or false, got '${value}'`, [name]);
      if (def.type === 'composite') return this.compositeMissing(def, name, value === 'true');
      if (!def.index) return this.unknown(name, ':missing is not supported on this parameter');
      return { kind: 'missing', code, index: def.index, missing: value === 'true' };
    }
    const raw = orValues(value);
    switch (def.type) {
      case 'string': {
        const mode = modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'starts';
        const values = raw.map(unescape).map((v) => (mode === 'exact' ? v : normalizeString(v)));
        return { kind: 'string', code, mode, values };
      }
      case 'token':
        return this.token(name, code, modifier, raw);
      case 'uri': {
        const mode = modifier === 'above' ? 'above' : modifier === 'below' ? 'below' : 'eq';
        return { kind: 'uri', code, mode, values: raw.map(unescape) };
      }
      case 'reference':
        if (modifier === 'identifier') return { kind: 'reference-identifier', code, values: raw.map((v) => parseToken(v, this.systemForAlias)) };
        return { kind: 'reference', code, values: raw.map((v) => this.reference(name, unescape(v), modifier)) };
      case 'date':
        return this.withNe({ kind: 'date', code, values: raw.map((v) => parseDate(name, v)) });
      case 'number':
        return this.withNe({ kind: 'number', code, values: raw.map((v) => parseNumber(name, v)) });
      case 'quantity':
        return this.withNe({ kind: 'quantity', code, values: raw.map((v) => parseQuantity(name, v)) });
      case 'special':
        if (def.index !== 'geo') return this.unknown(name, 'this special parameter is not supported');
        return { kind: 'near', code, values: raw.map((v) => parseNear(name, v)) };
      case 'composite':
        return this.composite(def, name, raw);
      default:
        return this.unknown(name, `parameters of type ${def.type} are not supported`);
    }
  }

  private token(name: string, code: string, modifier: string | undefined, raw: string[]): Condition {
    switch (modifier) {
      case 'text':
        return { kind: 'token-text', code, values: raw.map((v) => normalizeString(unescape(v))) };
      case 'of-type':
        return {
          kind: 'of-type',
          code,
          values: raw.map((v) => {
            const parts = splitUnescaped(v, '|').map(unescape);
            if (parts.length !== 3 || parts.some((p) => !p)) {
              throw badRequest(`'${name}' expects type-system|type-code|value, got '${v}'`, [name]);
            }
            return { system: parts[0], code: parts[1], value: parts[2] };
          }),
        };
      case 'in':
      case 'not-in': {
        const values = raw.flatMap((v) => {
          const expansion = this.terminology.expand(unescape(v));
          if (expansion.kind === 'unknown') throw badRequest(`'${name}': value set '${v}' is not known to this server`, [name]);
          if (expansion.kind === 'not-expandable') {
            throw badRequest(`'${name}': value set '${v}' cannot be expanded by this server: ${expansion.reason}`, [name]);
          }
          const pairs = expansion.codes.pairs();
          this.countExpanded(name, pairs.length);
          return pairs;
        });
        const cond: Condition = { kind: 'token', code, values };
        return modifier === 'in' ? cond : { kind: 'not', condition: cond };
      }
      case 'above':
      case 'below':
        return { kind: 'token', code, values: raw.flatMap((v) => this.subsumption(name, v, modifier)) };
      case 'not':
        return { kind: 'not', condition: { kind: 'token', code, values: raw.map((v) => parseToken(v, this.systemForAlias)) } };
      default:
        return { kind: 'token', code, values: raw.map((v) => parseToken(v, this.systemForAlias)) };
    }
  }

  /**
   * Token `:below` / `:above` (https://hl7.org/fhir/R4/search.html#token): `system|code` and the codes below it
   * (descendants) or above it (ancestors) in the code system's is-a hierarchy, as an OR of codes of that system.
   */
  private subsumption(name: string, value: string, direction: 'above' | 'below'): TokenValue[] {
    const token = parseToken(value, this.systemForAlias);
    if (!token.system || token.code === undefined) {
      throw badRequest(`'${name}' expects system|code (the hierarchy is that of a code system), got '${value}'`, [name]);
    }
    const answer = this.terminology.subsumption(token.system, token.code, direction);
    if (answer.kind === 'refused') throw badRequest(`'${name}': ${answer.reason}`, [name]);
    this.countExpanded(name, answer.codes.length);
    const system = token.system;
    return answer.codes.map((code) => ({ system, code }));
  }

  private countExpanded(name: string, n: number): void {
    this.expandedCodes += n;
    if (this.expandedCodes > MAX_EXPANDED_CODES) {
      throw tooCostly(`'${name}': the value sets and hierarchies of this search expand to more than ${MAX_EXPANDED_CODES} codes`, [name]);
    }
  }

  private reference(name: string, value: string, typeModifier: string | undefined): ReferenceValue {
    let v = value;
    const base = this.options.baseUrl?.replace(/\/$/, '');
    if (base && v.startsWith(`${base}/`)) v = v.slice(base.length + 1);
    if (/^[a-z][a-z0-9+.-]*:/i.test(v)) return { url: v.split('|')[0] };
    const parsed = parseReferenceString(v);
    if (parsed.type && parsed.id) {
      if (typeModifier && typeModifier !== parsed.type) {
        throw badRequest(`'${name}': '${value}' is not a ${typeModifier} reference`, [name]);
      }
      return { type: parsed.type, id: parsed.id };
    }
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(v)) throw badRequest(`'${name}': '${value}' is not a valid reference`, [name]);
    return typeModifier ? { type: typeModifier, id: v } : { id: v };
  }

  /** `ne` is "not equal", i.e. the negation of `eq` over all of a resource's values. */
  private withNe(c: Extract<LeafCondition, { kind: 'date' | 'number' | 'quantity' }>): Condition {
    const ne = c.values.filter((v) => v.prefix === 'ne');
    if (!ne.length) return c;
    const pos = c.values.filter((v) => v.prefix !== 'ne');
    const negated: Condition[] = ne.map((v) => ({
      kind: 'not',
      condition: { ...c, values: [{ ...v, prefix: 'eq' }] } as LeafCondition,
    }));
    const parts: Condition[] = pos.length ? [{ ...c, values: pos } as LeafCondition, ...negated] : negated;
    return parts.length === 1 ? parts[0] : { kind: 'or', conditions: parts };
  }

  /** Composite: `a$b`, each component on the same element instance. https://hl7.org/fhir/R4/search.html#composite */
  private composite(def: SearchParamDef, name: string, raw: string[]): Condition {
    const comps = def.components ?? [];
    const alternatives: Condition[] = raw.map((v) => {
      const parts = splitUnescaped(v, '$');
      if (parts.length !== comps.length) {
        throw badRequest(`'${name}' expects ${comps.length} components separated by '$', got '${v}'`, [name]);
      }
      const leaves = parts.map((p, i) => {
        const fake: SearchParamDef = { ...def, type: comps[i].type, code: componentCode(def.code, i), components: undefined };
        const c = this.leaf(fake, name, fake.code, undefined, p);
        if (!c || !isLeaf(c)) throw badRequest(`'${name}': unsupported component value '${p}'`, [name]);
        return c;
      });
      return { kind: 'same-element', conditions: leaves };
    });
    return alternatives.length === 1 ? alternatives[0] : { kind: 'or', conditions: alternatives };
  }

  /**
   * `:missing` on a composite: it has a value when one element selected by its expression has a value for every
   * component (the tuple a composite search compares), i.e. component rows sharing one element ordinal.
   */
  private compositeMissing(def: SearchParamDef, name: string, missing: boolean): Condition | undefined {
    const comps = def.components ?? [];
    const indexes = comps.map((c) => indexTypeOf(c.type, ''));
    if (!comps.length || indexes.some((i) => !i)) return this.unknown(name, ':missing is not supported on this parameter');
    const present: Condition = {
      kind: 'same-element',
      conditions: indexes.map((index, i) => ({ kind: 'missing', code: componentCode(def.code, i), index: index!, missing: false })),
    };
    return missing ? { kind: 'not', condition: present } : present;
  }

  /**
   * `_list=id`: the resources referenced by `List/id`'s `entry.item` (https://hl7.org/fhir/R4/search.html#list),
   * i.e. `_has:List:item:_id=id`. Functional lists (`$current-allergies`…) are not supported: a 400 says so.
   */
  list(value: string): Condition {
    const ids = orValues(value).map((v) => unescape(v).trim().replace(/^List\//, ''));
    for (const id of ids) {
      if (id.startsWith('$')) throw badRequest(`_list: functional list '${id}' is not supported by this server`, ['_list']);
      if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw badRequest(`_list: '${id}' is not a List id`, ['_list']);
    }
    return { kind: 'has', sourceType: 'List', code: 'item', where: [{ kind: 'id', ids }] };
  }

  /** Chained parameters: `subject:Patient.name=x`, any depth. https://hl7.org/fhir/R4/search.html#chaining */
  private chain(types: string[], name: string, head: string, rest: string, value: string): Condition | undefined {
    const [code, typeModifier] = splitName(head);
    const def = this.def(types, code);
    if (!def) return this.unknown(name, `unknown parameter '${code}'`);
    if (def.type !== 'reference') throw badRequest(`'${name}': '${code}' is not a reference parameter and cannot be chained`, [name]);
    if (typeModifier && !isKnownResourceType(typeModifier)) throw badRequest(`'${name}': unknown type '${typeModifier}'`, [name]);
    let targets = typeModifier ? [typeModifier] : def.targets.length ? def.targets : [...allResourceTypes()];
    // Keep the targets on which the rest of the chain means something.
    const [nextCode] = splitName(rest.split('.')[0]);
    const withParam = targets.filter((t) => nextCode === '_id' || nextCode.startsWith('_has') || this.registry.get(t, nextCode));
    if (!withParam.length) return this.unknown(name, `'${nextCode}' is not a parameter of ${targets.join(', ')}`);
    targets = withParam;
    const inner = this.condition(targets, rest, value);
    if (!inner) return undefined;
    return { kind: 'chain', code, targetTypes: targets, where: [inner] };
  }

  /** `_has:Type:reference:param=value`, nestable. https://hl7.org/fhir/R4/search.html#has */
  private has(types: string[], name: string, value: string): Condition | undefined {
    const parts = name.split(':');
    if (parts.length < 4) throw badRequest(`'${name}': expected _has:Type:reference:parameter`, [name]);
    const [, sourceType, refCode] = parts;
    const rest = parts.slice(3).join(':');
    if (!isKnownResourceType(sourceType)) throw badRequest(`'${name}': unknown resource type '${sourceType}'`, [name]);
    const def = this.registry.get(sourceType, refCode);
    if (!def || def.type !== 'reference') {
      throw badRequest(`'${name}': '${refCode}' is not a reference parameter of ${sourceType}`, [name]);
    }
    const inner = this.condition([sourceType], rest, value);
    if (!inner) return undefined;
    return { kind: 'has', sourceType, code: refCode, where: [inner] };
  }

  include(name: string, base: string, modifier: string | undefined, value: string): IncludeSpec {
    if (modifier && modifier !== 'iterate' && modifier !== 'recurse') {
      throw badRequest(`'${name}': unsupported modifier '${modifier}'`, [name]);
    }
    const [sourceType, code, targetType] = value.split(':');
    if (value === '*') return { sourceType: '*', code: '*', iterate: !!modifier };
    if (!sourceType || !code || !isKnownResourceType(sourceType)) {
      throw badRequest(`${base}: expected Type:parameter[:targetType] or *, got '${value}'`, [base]);
    }
    if (code !== '*') {
      const def = this.registry.get(sourceType, code);
      if (!def || def.type !== 'reference') throw badRequest(`${base}: '${code}' is not a reference parameter of ${sourceType}`, [base]);
    }
    if (targetType && !isKnownResourceType(targetType)) throw badRequest(`${base}: unknown type '${targetType}'`, [base]);
    return { sourceType, code, targetType, iterate: !!modifier };
  }

  /**
   * Conditions on parameters of one element group (see ElementGroup in registry.ts) must hold on the same
   * element: they become one `same-element` condition. Chains through the same reference whose conditions are
   * grouped merge too (`location.capacity-type=…&location.capacity-status=…` means one capacity entry of one
   * Location), as the ROR intends; other chains stay independent, as the spec says.
   */
  mergeGroups(types: string[], conditions: Condition[]): Condition[] {
    const groupOf = (c: Condition, scope: string[]): string | undefined =>
      isLeaf(c) && c.kind !== 'missing' && c.kind !== 'near' ? this.def(scope, c.code)?.group?.key : undefined;
    const out: Condition[] = [];
    const groups = new Map<string, LeafCondition[]>();
    const chains = new Map<string, Extract<Condition, { kind: 'chain' }>[]>();
    for (const c of conditions) {
      const g = groupOf(c, types);
      if (g) groups.set(g, [...(groups.get(g) ?? []), c as LeafCondition]);
      else if (c.kind === 'chain' && c.where.length === 1 && groupOf(c.where[0], c.targetTypes)) {
        const key = `${c.code}|${c.targetTypes.join(',')}`;
        chains.set(key, [...(chains.get(key) ?? []), c]);
      } else out.push(c);
    }
    for (const leaves of groups.values()) out.push({ kind: 'same-element', conditions: leaves });
    for (const list of chains.values()) {
      const first = list[0];
      out.push({ ...first, where: this.mergeGroups(first.targetTypes, list.flatMap((c) => c.where)) });
    }
    return out;
  }

  /** `_sort=a,-b`: https://hl7.org/fhir/R4/search.html#sort */
  sort(types: string[], value: string): SortKey[] {
    const keys = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (keys.length > MAX_SORT_KEYS) throw tooCostly(`_sort has ${keys.length} keys, more than the limit of ${MAX_SORT_KEYS}`, ['_sort']);
    return keys.map((s): SortKey => {
        const descending = s.startsWith('-');
        const code = descending ? s.slice(1) : s;
        if (code === '_id') return { kind: 'id', descending };
        if (code === '_lastUpdated') return { kind: 'lastUpdated', descending };
        const def = this.def(types, code);
        if (!def || !def.index || def.index === 'geo') {
          throw badRequest(`_sort: '${code}' is not a sortable parameter of ${types.length > 3 ? 'these types' : types.join(', ')}`, ['_sort']);
        }
        return { kind: 'param', code, index: def.index, descending };
      });
  }

  /**
   * Without `_sort`: nearest first with `near`; oldest change first with `_lastUpdated` (what a client syncing
   * changes wants, and the order of the store's lastUpdated index); else the adapter's own stable order.
   */
  defaultSort(where: Condition[]): SortKey[] {
    const near = where.find((c): c is Extract<Condition, { kind: 'near' }> => c.kind === 'near');
    if (!near || near.values.length !== 1) {
      return where.some((c) => c.kind === 'date' && c.code === '_lastUpdated') ? [{ kind: 'lastUpdated', descending: false }] : [];
    }
    const { lat, lon } = near.values[0];
    return [{ kind: 'distance', code: near.code, lat, lon, descending: false }];
  }
}

function isLeaf(c: Condition): c is LeafCondition {
  return !['and', 'or', 'not', 'id', 'same-element', 'chain', 'has', 'text'].includes(c.kind);
}
