/**
 * `_include` and `_revinclude` (with `:iterate` and `*`): https://hl7.org/fhir/R4/search.html#include
 * Storage-neutral: includes read references out of the matched resources and fetch targets by id; revincludes
 * are reference searches. Past `limit` included resources we stop and say so (never a silent truncation).
 */
import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { StoreReader, StoredVersion } from '../../store/store';
import type { SearchParamRegistry } from '../../indexing/registry';
import type { IncludeSpec } from './plan';
import { parseReferenceString } from '../../indexing/extract';

export interface IncludeResult {
  included: StoredVersion[];
  /** Set when `limit` was reached: what was left out, for an OperationOutcome. */
  truncated?: string;
}

/** Default bound on include rounds (the first, then `:iterate` ones): the planner's is ROR_MAX_INCLUDE_DEPTH + 1. */
const MAX_ROUNDS = 5;

/** Most reference values in one `_revinclude` search: the targets of a page are looked up in slices of this size. */
const REVINCLUDE_SLICE = 200;

const key = (type: string, id: string) => `${type}/${id}`;

export async function resolveIncludes(
  reader: StoreReader,
  registry: SearchParamRegistry,
  matches: StoredVersion[],
  includes: IncludeSpec[],
  revincludes: IncludeSpec[],
  limit: number,
  maxRounds = MAX_ROUNDS,
): Promise<IncludeResult> {
  const seen = new Set(matches.map((m) => key(m.resourceType, m.id)));
  const included: StoredVersion[] = [];
  let truncated: string | undefined;
  const add = (v: StoredVersion): boolean => {
    const k = key(v.resourceType, v.id);
    if (seen.has(k)) return false;
    if (included.length >= limit) {
      truncated ??= `more than ${limit} resources to include: the included resources are incomplete; narrow the search or page with a smaller _count`;
      return false;
    }
    seen.add(k);
    included.push(v);
    return true;
  };

  let sources = matches.map(parse);
  const iterates = [...includes, ...revincludes].some((s) => s.iterate);
  for (let round = 0; sources.length && !truncated; round++) {
    if (round >= maxRounds) {
      // More to follow: say so rather than return an include set that looks complete.
      if (iterates) truncated = `:iterate stopped after ${maxRounds - 1} rounds (ROR_MAX_INCLUDE_DEPTH): the included resources may be incomplete`;
      break;
    }
    const specsNow = (specs: IncludeSpec[]) => specs.filter((s) => round === 0 || s.iterate);
    const added: StoredVersion[] = [];
    for (const spec of specsNow(includes)) {
      for (const v of await includeTargets(reader, registry, sources, spec)) if (add(v)) added.push(v);
    }
    for (const spec of specsNow(revincludes)) {
      for (const v of await revincludeSources(reader, registry, sources, spec, limit + 1)) if (add(v)) added.push(v);
    }
    sources = added.map(parse);
  }
  return { included, truncated };
}

function parse(v: StoredVersion): Resource {
  return JSON.parse(v.json) as Resource;
}

async function includeTargets(
  reader: StoreReader,
  registry: SearchParamRegistry,
  sources: Resource[],
  spec: IncludeSpec,
): Promise<StoredVersion[]> {
  const byType = new Map<string, Set<string>>();
  for (const r of sources) {
    if (spec.sourceType !== '*' && r.resourceType !== spec.sourceType) continue;
    const defs = [...registry.paramsOf(r.resourceType).values()].filter(
      (d) => d.type === 'reference' && d.atom && (spec.code === '*' || d.code === spec.code),
    );
    for (const def of defs) {
      const values = def.fast ? def.fast(r) : evalFhirPathTyped(def.atom!, [toTypedValue(r)]);
      for (const tv of values) {
        const ref = (tv.value as { reference?: string })?.reference;
        if (typeof ref !== 'string') continue;
        const { type, id } = parseReferenceString(ref);
        if (!type || !id || (spec.targetType && type !== spec.targetType)) continue;
        if (!byType.has(type)) byType.set(type, new Set());
        byType.get(type)!.add(id);
      }
    }
  }
  const out: StoredVersion[] = [];
  for (const [type, ids] of byType) {
    const res = await reader.search({
      resourceTypes: [type],
      where: [{ kind: 'id', ids: [...ids] }],
      sort: [],
      count: ids.size,
      total: 'none',
    });
    out.push(...res.entries);
  }
  return out;
}

async function revincludeSources(
  reader: StoreReader,
  registry: SearchParamRegistry,
  targets: Resource[],
  spec: IncludeSpec,
  max: number,
): Promise<StoredVersion[]> {
  const values = targets
    .filter((t) => !spec.targetType || t.resourceType === spec.targetType)
    .map((t) => ({ type: t.resourceType, id: t.id as string }));
  if (!values.length || spec.sourceType === '*') return [];
  const codes =
    spec.code === '*'
      ? [...registry.paramsOf(spec.sourceType).values()].filter((d) => d.type === 'reference').map((d) => d.code)
      : [spec.code];
  const out: StoredVersion[] = [];
  for (let i = 0; i < values.length && out.length < max; i += REVINCLUDE_SLICE) {
    const slice = values.slice(i, i + REVINCLUDE_SLICE);
    const res = await reader.search({
      resourceTypes: [spec.sourceType],
      where: [{ kind: 'or', conditions: codes.map((code) => ({ kind: 'reference' as const, code, values: slice })) }],
      sort: [],
      count: max - out.length,
      total: 'none',
    });
    out.push(...res.entries);
  }
  return out;
}
