/**
 * The value sets and code systems this server knows, and their expansion - the only one: validation checks required
 * bindings with it (base R4 `code` elements and profile bindings), token search `:in` / `:not-in` matches with it,
 * and the search parser reads the ANS short names of code systems (`TRE_R330`) from it. No terminology server:
 * a value set is expanded from what is held here (rules in expand.ts), or declared not expandable with a reason.
 *
 * The is-a hierarchy of the code systems held complete (nested concepts) answers token `:below` / `:above`.
 *
 * One rule for callers: validation accepts unchecked a code bound to a value set that is unknown or not expandable
 * (it never rejects wrongly); a search on such a value set is a 400 that gives the reason.
 */
import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { CodeSet } from './code-set';
import { allCodes, ancestors, descendants, hasCode, hasNestedConcepts, hierarchyProblem } from './code-system';
import { expandDefinition, type ExpansionContext } from './expand';
import { NotExpandable } from './not-expandable';
import { r4BaseTerminology } from './r4-base';
import { splitCanonical, TerminologyIndex, type TerminologyResource } from './resources';

export type { TerminologyResource } from './resources';

export type Expansion =
  | { readonly kind: 'expanded'; readonly codes: CodeSet }
  /** No value set (nor code system, see expand) has this canonical. */
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'not-expandable'; readonly reason: string };

/** A code with those below or above it in its code system's hierarchy, or why that cannot be answered here. */
export type Subsumption =
  | { readonly kind: 'codes'; readonly codes: readonly string[] }
  | { readonly kind: 'refused'; readonly reason: string };

export interface TerminologyOptions {
  /** CodeSystems and ValueSets (other resources are ignored); a later one replaces an earlier one of the same URL and version. */
  resources?: readonly TerminologyResource[];
  /** Also hold the FHIR R4 value sets and code systems (default true); the resources above take precedence. */
  r4Base?: boolean;
}

/** ANS code system URLs: `https://mos.esante.gouv.fr/NOS/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-…` → TRE_R330. */
const ANS_SHORT_NAME = /\/NOS\/((?:TRE|ASS)_[A-Z0-9]+)-[^/]+\/FHIR\//;
const MAX_CANONICALS = 10_000;

export class Terminology {
  private readonly own: TerminologyIndex;
  private readonly withBase: boolean;
  /** By the ValueSet (or CodeSystem) expanded: each is computed once; as many as the resources held. */
  private readonly expansions = new Map<TerminologyResource, Expansion>();
  /**
   * The same by canonical as asked, for the write path (bindings are looked up at every write: one Map read instead
   * of resolving the canonical, ~10x faster); bounded, since `:in` values are client input.
   */
  private readonly byCanonical = new Map<string, Expansion>();
  /** The value sets being expanded, outermost first, to detect import cycles. */
  private readonly stack: { resource: TerminologyResource; canonical: string }[] = [];
  private aliases: Map<string, string> | undefined;
  /** The resources as given (the index keeps compact copies, without displays): read once by `display`. */
  private readonly given: readonly TerminologyResource[];
  private displays: Map<string, Map<string, string>> | undefined;

  constructor(options: TerminologyOptions = {}) {
    this.given = options.resources ?? [];
    this.own = new TerminologyIndex(this.given);
    this.withBase = options.r4Base ?? true;
  }

  /**
   * The display of a code in the code systems and value sets this terminology was given (the ANS nomenclatures:
   * a CodeSystem's concepts, else the concepts a ValueSet lists for that system), e.g. the French label of an
   * activity for offer search. Undefined when none of them gives one (the R4 base is not searched).
   */
  display(system: string, code: string): string | undefined {
    if (!this.displays) this.displays = collectDisplays(this.given);
    return this.displays.get(system)?.get(code);
  }

  /**
   * The codes of a value set (`url` or `url|version`). A code system URL used as a value set stands for all its
   * codes (https://hl7.org/fhir/R4/codesystem-definitions.html#CodeSystem.valueSet).
   */
  expand(canonical: string): Expansion {
    const known = this.byCanonical.get(canonical);
    if (known) return known;
    const expansion = this.resolveAndExpand(canonical);
    // Inside an expansion, a result can be a cycle still being unwound: only outermost answers are final.
    if (this.stack.length === 0) {
      if (this.byCanonical.size >= MAX_CANONICALS) this.byCanonical.clear();
      this.byCanonical.set(canonical, expansion);
    }
    return expansion;
  }

  private resolveAndExpand(canonical: string): Expansion {
    const { url, version } = splitCanonical(canonical);
    const resource = this.valueSet(url, version) ?? this.codeSystem(url, version);
    if (!resource) return { kind: 'unknown', reason: `value set ${canonical} is not known to this server${this.versionsNote(url)}` };
    const cached = this.expansions.get(resource);
    if (cached) return cached;
    const at = this.stack.findIndex((e) => e.resource === resource);
    if (at >= 0) {
      // Not cached: the value sets of the cycle are answered when their own expansion fails.
      const cycle = [...this.stack.slice(at).map((e) => e.canonical), canonical].join(' → ');
      return { kind: 'not-expandable', reason: `value sets import each other: ${cycle}` };
    }
    this.stack.push({ resource, canonical });
    let expansion: Expansion;
    try {
      expansion = resource.resourceType === 'ValueSet' ? this.expandValueSet(resource) : implicitValueSet(resource, canonical);
    } finally {
      this.stack.pop();
    }
    this.expansions.set(resource, expansion);
    return expansion;
  }

  /** The codes of a value set, or undefined when it is unknown or not expandable: what validation checks against. */
  codes(canonical: string): CodeSet | undefined {
    const expansion = this.expand(canonical);
    return expansion.kind === 'expanded' ? expansion.codes : undefined;
  }

  /** Whether a URL (no version) names a value set held here. */
  isValueSet(url: string): boolean {
    return this.own.valueSets.has(url) || (this.withBase && r4BaseTerminology().valueSets.has(url));
  }

  /**
   * The canonical URL of an ANS code system given its short name (`TRE_R330`), as the ROR IG writes token
   * searches; read off the URLs of the code systems held here and of the systems their value sets include.
   */
  codeSystemForAlias(shortName: string): string | undefined {
    if (!this.aliases) {
      this.aliases = new Map();
      const urls = [
        ...[...this.own.codeSystems.values()].map((cs) => cs.url),
        ...[...this.own.valueSets.values()].flatMap((vs) => (vs.compose?.include ?? []).map((inc) => inc.system)),
      ];
      for (const url of urls) {
        const m = url ? ANS_SHORT_NAME.exec(url) : null;
        if (m && url) this.aliases.set(m[1], url);
      }
    }
    return this.aliases.get(shortName);
  }

  /**
   * `code` and the codes it subsumes (`below`: its descendants) or that subsume it (`above`: its ancestors) in the
   * is-a hierarchy of the code system `system` (its latest version held here), read from nested concepts. Refused,
   * with the reason, when the system is unknown or not held complete, has no hierarchy or one not read here
   * (see hierarchyProblem), or does not have the code.
   */
  subsumption(system: string, code: string, direction: 'above' | 'below'): Subsumption {
    const cs = this.codeSystem(system);
    if (!cs) return { kind: 'refused', reason: `code system ${system} is not known to this server` };
    if (cs.content !== 'complete') {
      return { kind: 'refused', reason: `code system ${system} is not held complete by this server (content: ${cs.content ?? 'not given'})` };
    }
    const problem = hierarchyProblem(cs);
    if (problem) return { kind: 'refused', reason: problem };
    if (!hasNestedConcepts(cs)) return { kind: 'refused', reason: `code system ${system} has no hierarchy here` };
    if (!hasCode(cs, code)) return { kind: 'refused', reason: `code '${code}' is not in code system ${system}` };
    const related = direction === 'below' ? descendants(cs, code) : ancestors(cs, code);
    related.delete(code);
    return { kind: 'codes', codes: [code, ...related] };
  }

  /** What this terminology was built from, in a form another thread can rebuild it from (compact resources). */
  options(): Required<TerminologyOptions> {
    return { resources: [...this.own.resources()], r4Base: this.withBase };
  }

  private expandValueSet(vs: ValueSet): Expansion {
    try {
      return { kind: 'expanded', codes: new CodeSet(expandDefinition(vs, this.context)) };
    } catch (e) {
      if (e instanceof NotExpandable) return { kind: 'not-expandable', reason: e.message };
      throw e;
    }
  }

  private readonly context: ExpansionContext = {
    codeSystem: (url, version) => this.codeSystem(url, version),
    valueSet: (canonical) => {
      const expansion = this.expand(canonical);
      if (expansion.kind !== 'expanded') throw new NotExpandable(expansion.reason);
      return expansion.codes;
    },
  };

  private valueSet(url: string, version?: string): ValueSet | undefined {
    return this.own.valueSets.find(url, version) ?? (this.withBase ? r4BaseTerminology().valueSets.find(url, version) : undefined);
  }

  private codeSystem(url: string, version?: string): CodeSystem | undefined {
    return this.own.codeSystems.find(url, version) ?? (this.withBase ? r4BaseTerminology().codeSystems.find(url, version) : undefined);
  }

  /** ` (versions held: 1.0, 2.0)` when the URL is held in other versions than the one asked. */
  private versionsNote(url: string): string {
    const held = [...this.own.valueSets.versions(url), ...this.own.codeSystems.versions(url)];
    return held.length ? ` (versions held: ${held.join(', ')})` : '';
  }
}

/** system → code → display; a CodeSystem's own display wins over a ValueSet's copy of it. */
function collectDisplays(resources: readonly TerminologyResource[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const put = (system: string, code: string | undefined, display: string | undefined, replace: boolean) => {
    if (!code || !display) return;
    let codes = out.get(system);
    if (!codes) out.set(system, (codes = new Map()));
    if (replace || !codes.has(code)) codes.set(code, display);
  };
  const visit = (system: string, concepts: CodeSystemConcept[] | undefined) => {
    for (const c of concepts ?? []) {
      put(system, c.code, c.display, true);
      visit(system, c.concept);
    }
  };
  for (const r of resources) if (r.resourceType === 'CodeSystem' && r.url) visit(splitCanonical(r.url).url, r.concept);
  for (const r of resources) {
    if (r.resourceType !== 'ValueSet') continue;
    for (const inc of r.compose?.include ?? []) {
      if (inc.system) for (const c of inc.concept ?? []) put(inc.system, c.code, c.display, false);
    }
  }
  return out;
}

/** All the codes of a code system, when it is held complete. */
function implicitValueSet(cs: CodeSystem, canonical: string): Expansion {
  if (cs.content !== 'complete') {
    return { kind: 'not-expandable', reason: `code system ${canonical} is not held complete by this server (content: ${cs.content ?? 'not given'})` };
  }
  return { kind: 'expanded', codes: new CodeSet(new Map([[cs.url as string, new Set(allCodes(cs))]])) };
}
