/**
 * Reading a CodeSystem held by a Terminology: its codes, their is-a hierarchy (nested concepts) and properties.
 * https://hl7.org/fhir/R4/codesystem.html
 */
import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';

interface ConceptIndex {
  /** The distinct codes, depth first in the order the code system lists them. */
  codes: string[];
  /** Where each code appears (a concept can be listed under several parents). */
  byCode: Map<string, CodeSystemConcept[]>;
  /** The codes each code is nested under, built on first use (ancestors). */
  parents?: Map<string, string[]>;
}

/** Built once per CodeSystem; a Terminology never modifies the (compact) CodeSystems it holds. */
const indexes = new WeakMap<CodeSystem, ConceptIndex>();

function conceptIndex(cs: CodeSystem): ConceptIndex {
  let index = indexes.get(cs);
  if (index) return index;
  index = { codes: [], byCode: new Map() };
  const visit = (concepts: readonly CodeSystemConcept[] | undefined, into: ConceptIndex) => {
    for (const c of concepts ?? []) {
      if (typeof c.code !== 'string') continue;
      const seen = into.byCode.get(c.code);
      if (seen) seen.push(c);
      else {
        into.byCode.set(c.code, [c]);
        into.codes.push(c.code);
      }
      visit(c.concept, into);
    }
  };
  visit(cs.concept, index);
  indexes.set(cs, index);
  return index;
}

/** Every code of the code system, nested ones included (each level of a hierarchy is a valid code). */
export function allCodes(cs: CodeSystem): readonly string[] {
  return conceptIndex(cs).codes;
}

export function hasCode(cs: CodeSystem, code: string): boolean {
  return conceptIndex(cs).byCode.has(code);
}

/** The codes below `code` in the hierarchy, not `code` itself (unless the hierarchy loops back to it). */
export function descendants(cs: CodeSystem, code: string): Set<string> {
  const out = new Set<string>();
  const visit = (concepts: readonly CodeSystemConcept[] | undefined) => {
    for (const c of concepts ?? []) {
      if (out.has(c.code)) continue;
      out.add(c.code);
      visit(c.concept);
    }
  };
  for (const occurrence of conceptIndex(cs).byCode.get(code) ?? []) visit(occurrence.concept);
  return out;
}

/** The codes above `code` in the hierarchy (its parents, theirs…), not `code` itself (unless the hierarchy loops). */
export function ancestors(cs: CodeSystem, code: string): Set<string> {
  const index = conceptIndex(cs);
  let parents = index.parents;
  if (!parents) {
    parents = new Map();
    const visit = (concepts: readonly CodeSystemConcept[] | undefined, parent: string | undefined) => {
      for (const c of concepts ?? []) {
        if (typeof c.code !== 'string') continue;
        if (parent !== undefined) parents!.set(c.code, [...(parents!.get(c.code) ?? []), parent]);
        visit(c.concept, c.code);
      }
    };
    visit(cs.concept, undefined);
    index.parents = parents;
  }
  const out = new Set<string>();
  const climb = (c: string) => {
    for (const p of parents!.get(c) ?? []) {
      if (out.has(p)) continue;
      out.add(p);
      climb(p);
    }
  };
  climb(code);
  return out;
}

/** Whether some concept of the code system is nested under another (an is-a hierarchy, see hierarchyProblem). */
export function hasNestedConcepts(cs: CodeSystem): boolean {
  return (cs.concept ?? []).some((c) => (c.concept?.length ?? 0) > 0);
}

/**
 * Why the is-a hierarchy of a code system cannot be read from its nested concepts, if it cannot: nesting means
 * something else (`hierarchyMeaning` part-of, grouped-by...), or parents are given as concept properties.
 */
export function hierarchyProblem(cs: CodeSystem): string | undefined {
  if (cs.hierarchyMeaning && cs.hierarchyMeaning !== 'is-a') {
    return `the hierarchy of code system ${cs.url} is ${cs.hierarchyMeaning}, not is-a`;
  }
  const concepts = [...conceptIndex(cs).byCode.values()].flat();
  if ((cs.property ?? []).some(isHierarchyProperty) || concepts.some((c) => (c.property ?? []).some(isHierarchyProperty))) {
    return `code system ${cs.url} gives its hierarchy as parent/child properties`;
  }
  return undefined;
}

function isHierarchyProperty(p: { code?: string }): boolean {
  return p.code === 'parent' || p.code === 'child';
}

function conceptsOf(cs: CodeSystem, code: string): CodeSystemConcept[] {
  return conceptIndex(cs).byCode.get(code) ?? [];
}

/**
 * Whether a code is inactive (https://hl7.org/fhir/R4/codesystem-concept-properties.html): its `inactive` property
 * is true, or its `status` is retired or inactive. Deprecated codes are still active.
 */
export function isInactive(cs: CodeSystem, code: string): boolean {
  return conceptsOf(cs, code).some((c) =>
    (c.property ?? []).some(
      (p) => (p.code === 'inactive' && p.valueBoolean === true) || (p.code === 'status' && (p.valueCode === 'retired' || p.valueCode === 'inactive')),
    ),
  );
}

/** The codes whose concept property `property` has the value `value` (compared as text: `true`, `42`, a code). */
export function codesWithProperty(cs: CodeSystem, property: string, value: string): Set<string> {
  const out = new Set<string>();
  for (const code of allCodes(cs)) {
    const matches = conceptsOf(cs, code).some((c) => (c.property ?? []).some((p) => p.code === property && propertyText(p) === value));
    if (matches) out.add(code);
  }
  return out;
}

function propertyText(p: NonNullable<CodeSystemConcept['property']>[number]): string | undefined {
  if (p.valueCode !== undefined) return p.valueCode;
  if (p.valueString !== undefined) return p.valueString;
  if (p.valueBoolean !== undefined) return String(p.valueBoolean);
  if (p.valueInteger !== undefined) return String(p.valueInteger);
  if (p.valueDecimal !== undefined) return String(p.valueDecimal);
  if (p.valueDateTime !== undefined) return p.valueDateTime;
  return p.valueCoding?.code;
}
