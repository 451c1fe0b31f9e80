/**
 * Expansion of one ValueSet from its definition (https://hl7.org/fhir/R4/valueset.html#expansion), with the code
 * systems and other value sets a Terminology holds:
 * - a stored `expansion.contains` is used as is (nested entries included, abstract ones skipped), unless it is
 *   only a page of the expansion;
 * - otherwise `compose`: each include selects either enumerated concepts, or a whole code system narrowed by its
 *   filters (only from a code system held locally with `content` complete: a fragment would give a partial list);
 *   when an include also names value sets, or names several, its codes are those in all of them (intersection);
 *   the includes add up, and the excludes (same forms) are subtracted; `inactive: false` drops the inactive codes
 *   of the code systems held locally.
 * Anything else throws NotExpandable: the result is every code of the value set or nothing.
 */
import type { CodeSystem, ValueSet, ValueSetComposeInclude, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { allCodes, isInactive } from './code-system';
import type { CodeSet } from './code-set';
import { filterCodes } from './filters';
import { NotExpandable } from './not-expandable';

/** Codes by code system. */
export type CodeMap = Map<string, Set<string>>;
type ReadonlyCodeMap = ReadonlyMap<string, ReadonlySet<string>>;

export interface ExpansionContext {
  /** A CodeSystem held locally, by URL (and version, when an include names one). */
  codeSystem(url: string, version?: string): CodeSystem | undefined;
  /** The codes of a value set an include or exclude names; throws NotExpandable when it cannot be expanded. */
  valueSet(canonical: string): CodeSet;
}

export function expandDefinition(vs: ValueSet, ctx: ExpansionContext): CodeMap {
  if (vs.expansion?.contains?.length) return fromExpansion(vs);
  const compose = vs.compose;
  if (!compose?.include?.length) throw new NotExpandable(`value set ${vs.url} has neither an expansion nor compose.include`);
  const out: CodeMap = new Map();
  for (const include of compose.include) addAll(out, entryCodes(include, ctx));
  for (const exclude of compose.exclude ?? []) subtract(out, exclude, ctx);
  if (compose.inactive === false) dropInactive(out, ctx);
  for (const [system, codes] of out) if (!codes.size) out.delete(system);
  return out;
}

/** The stored expansion; a page of it (offset, or fewer codes than its total) is not the value set. */
function fromExpansion(vs: ValueSet): CodeMap {
  const { contains = [], total, offset } = vs.expansion ?? {};
  const out: CodeMap = new Map();
  let count = 0;
  const visit = (items: readonly ValueSetExpansionContains[]) => {
    for (const c of items) {
      count++;
      if (!c.abstract && c.system && c.code) add(out, c.system, c.code);
      if (c.contains?.length) visit(c.contains);
    }
  };
  visit(contains);
  if ((offset ?? 0) > 0 || (total !== undefined && total > count)) {
    throw new NotExpandable(`the expansion stored in value set ${vs.url} is partial (${count} of ${total ?? '?'} codes)`);
  }
  return out;
}

/** The codes one include (or exclude) selects: its system part and every value set it names, intersected. */
function entryCodes(entry: ValueSetComposeInclude, ctx: ExpansionContext): ReadonlyCodeMap {
  const parts: ReadonlyCodeMap[] = [];
  if (entry.system) parts.push(systemCodes(entry.system, entry, ctx));
  else if (entry.concept?.length || entry.filter?.length) {
    throw new NotExpandable('an include or exclude lists concepts or filters without a system (vsd-2)');
  }
  for (const canonical of entry.valueSet ?? []) parts.push(ctx.valueSet(canonical).bySystem);
  if (!parts.length) throw new NotExpandable('an include or exclude names neither a system nor a value set (vsd-1)');
  return parts.length === 1 ? parts[0] : intersection(parts);
}

function systemCodes(system: string, entry: ValueSetComposeInclude, ctx: ExpansionContext): ReadonlyCodeMap {
  if (entry.concept?.length && entry.filter?.length) {
    throw new NotExpandable(`an include of ${system} has both concepts and filters (vsd-3)`);
  }
  if (entry.concept?.length) return new Map([[system, new Set(entry.concept.map((c) => c.code))]]);
  const cs = completeCodeSystem(system, entry.version, ctx);
  const codes = allCodes(cs);
  if (!entry.filter?.length) return new Map([[system, new Set(codes)]]);
  // Filters are ANDed; the codes keep the code system's order.
  const selected = entry.filter.map((f) => filterCodes(cs, f));
  return new Map([[system, new Set(codes.filter((code) => selected.every((s) => s.has(code))))]]);
}

function completeCodeSystem(system: string, version: string | undefined, ctx: ExpansionContext): CodeSystem {
  const cs = ctx.codeSystem(system, version);
  const name = version ? `${system} version ${version}` : system;
  if (!cs) throw new NotExpandable(`code system ${name} is not known to this server`);
  if (cs.content !== 'complete') {
    throw new NotExpandable(`code system ${name} is not held complete by this server (content: ${cs.content ?? 'not given'})`);
  }
  return cs;
}

function subtract(out: CodeMap, exclude: ValueSetComposeInclude, ctx: ExpansionContext): void {
  const wholeSystem = exclude.system && !exclude.concept?.length && !exclude.filter?.length && !exclude.valueSet?.length;
  // Excluding a whole code system needs no list of its codes.
  if (wholeSystem) {
    out.delete(exclude.system as string);
    return;
  }
  for (const [system, codes] of entryCodes(exclude, ctx)) {
    const kept = out.get(system);
    if (kept) for (const code of codes) kept.delete(code);
  }
}

function dropInactive(out: CodeMap, ctx: ExpansionContext): void {
  for (const [system, codes] of out) {
    const cs = ctx.codeSystem(system);
    if (cs) for (const code of codes) if (isInactive(cs, code)) codes.delete(code);
  }
}

function intersection(parts: readonly ReadonlyCodeMap[]): CodeMap {
  const [first, ...rest] = parts;
  const out: CodeMap = new Map();
  for (const [system, codes] of first) {
    for (const code of codes) if (rest.every((p) => p.get(system)?.has(code))) add(out, system, code);
  }
  return out;
}

function addAll(out: CodeMap, codes: ReadonlyCodeMap): void {
  for (const [system, set] of codes) for (const code of set) add(out, system, code);
}

function add(out: CodeMap, system: string, code: string): void {
  let codes = out.get(system);
  if (!codes) out.set(system, (codes = new Set()));
  codes.add(code);
}
