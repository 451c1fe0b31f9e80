/**
 * Code lists for the required bindings of loaded profiles (https://hl7.org/fhir/R4/terminologies.html#required),
 * from CodeSystems and ValueSets registered at start (the ROR JDV value sets and TRE code systems) - no terminology
 * server. A value set is checkable when it expands locally: `expansion.contains`, or `compose.include` entries that
 * enumerate concepts, take a whole registered complete code system, or import checkable value sets. Anything else
 * (filters, excludes, unknown systems) makes it uncheckable: its codes are then accepted, never wrongly rejected.
 */
import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';

/** Allowed codes, by code system URL. */
export type CodeList = ReadonlyMap<string, ReadonlySet<string>>;

const valueSets = new Map<string, ValueSet>();
const codeSystems = new Map<string, CodeSystem>();
/** Expansions by value set URL; null = not checkable locally. */
const expansions = new Map<string, CodeList | null>();

/** Registers (or replaces, by URL) code systems and value sets. */
export function registerTerminology(resources: readonly (ValueSet | CodeSystem)[]): void {
  for (const r of resources) {
    if (!r.url) continue;
    if (r.resourceType === 'ValueSet') valueSets.set(unversioned(r.url), r);
    else if (r.resourceType === 'CodeSystem') codeSystems.set(unversioned(r.url), r);
  }
  expansions.clear();
}

/** The codes of a value set, or undefined when it is not known or not checkable locally. */
export function valueSetCodes(url: string): CodeList | undefined {
  return expand(unversioned(url), new Set()) ?? undefined;
}

/** Whether a URL names a registered value set (used to explain a value set URL misused as a coding system). */
export function isRegisteredValueSet(url: string): boolean {
  return valueSets.has(unversioned(url).replace(/\/$/, ''));
}

function expand(url: string, seen: Set<string>): CodeList | null {
  const cached = expansions.get(url);
  if (cached !== undefined) return cached;
  if (seen.has(url)) return null;
  seen.add(url);
  const result = computeExpansion(url, seen);
  expansions.set(url, result);
  return result;
}

function computeExpansion(url: string, seen: Set<string>): CodeList | null {
  const vs = valueSets.get(url);
  if (!vs) return null;
  const out = new Map<string, Set<string>>();
  const add = (system: string | undefined, code: string | undefined) => {
    if (!system || !code) return;
    let set = out.get(system);
    if (!set) out.set(system, (set = new Set()));
    set.add(code);
  };
  if (vs.expansion?.contains?.length) {
    addContains(vs.expansion.contains, add);
    return out;
  }
  const include = vs.compose?.include;
  if (!include?.length || vs.compose?.exclude?.length) return null;
  for (const inc of include) {
    if (inc.filter?.length) return null;
    for (const imported of inc.valueSet ?? []) {
      const sub = expand(unversioned(imported), seen);
      if (!sub) return null;
      for (const [system, codes] of sub) for (const code of codes) add(system, code);
    }
    if (!inc.system) continue;
    if (inc.concept?.length) {
      for (const c of inc.concept) add(inc.system, c.code);
      continue;
    }
    const cs = codeSystems.get(unversioned(inc.system));
    if (!cs?.concept?.length || (cs.content && cs.content !== 'complete')) return null;
    addConcepts(cs.concept, (code) => add(inc.system, code));
  }
  return out;
}

type Contains = NonNullable<NonNullable<ValueSet['expansion']>['contains']>;

function addContains(contains: Contains, add: (system?: string, code?: string) => void): void {
  for (const c of contains) {
    if (!c.abstract) add(c.system, c.code);
    if (c.contains?.length) addContains(c.contains, add);
  }
}

function addConcepts(concepts: readonly CodeSystemConcept[], add: (code: string) => void): void {
  for (const c of concepts) {
    add(c.code as string);
    if (c.concept?.length) addConcepts(c.concept, add);
  }
}

function unversioned(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}
