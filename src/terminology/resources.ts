/**
 * The CodeSystems and ValueSets a Terminology holds: compact copies (what expansion reads, nothing else) indexed by
 * canonical URL and version.
 */
import type {
  CodeSystem,
  CodeSystemConcept,
  CodeSystemConceptProperty,
  ValueSet,
  ValueSetComposeInclude,
  ValueSetExpansionContains,
} from '@medplum/fhirtypes';

export type TerminologyResource = CodeSystem | ValueSet;

/** `url|version` → its parts (https://hl7.org/fhir/R4/references.html#canonical). */
export function splitCanonical(canonical: string): { url: string; version?: string } {
  const bar = canonical.indexOf('|');
  return bar < 0 ? { url: canonical } : { url: canonical.slice(0, bar), version: canonical.slice(bar + 1) || undefined };
}

/**
 * A copy of a CodeSystem or ValueSet without what expansion never reads (narrative, displays, definitions,
 * designations, metadata): the R4 base terminology shrinks from ~9 MB of JSON to its codes, hierarchy and compose
 * rules. The copy is still a CodeSystem or ValueSet, so it can be handed to another Terminology (another thread).
 */
export function compact<T extends TerminologyResource>(resource: T): T {
  if (resource.resourceType === 'CodeSystem') return compactCodeSystem(resource) as T;
  return compactValueSet(resource as ValueSet) as T;
}

function compactCodeSystem(cs: CodeSystem): CodeSystem {
  const out: CodeSystem = { resourceType: 'CodeSystem', url: cs.url, status: cs.status, content: cs.content };
  if (cs.version !== undefined) out.version = cs.version;
  if (cs.hierarchyMeaning !== undefined) out.hierarchyMeaning = cs.hierarchyMeaning;
  if (cs.property?.length) out.property = cs.property.map((p) => ({ code: p.code, type: p.type }));
  if (cs.concept?.length) out.concept = cs.concept.map(compactConcept);
  return out;
}

function compactConcept(c: CodeSystemConcept): CodeSystemConcept {
  const out: CodeSystemConcept = { code: c.code };
  if (c.property?.length) out.property = c.property.map(compactProperty);
  if (c.concept?.length) out.concept = c.concept.map(compactConcept);
  return out;
}

function compactProperty(p: CodeSystemConceptProperty): CodeSystemConceptProperty {
  const out: Record<string, unknown> = { code: p.code };
  for (const [key, value] of Object.entries(p)) if (key.startsWith('value')) out[key] = value;
  return out as unknown as CodeSystemConceptProperty;
}

function compactValueSet(vs: ValueSet): ValueSet {
  const out: ValueSet = { resourceType: 'ValueSet', url: vs.url, status: vs.status };
  if (vs.version !== undefined) out.version = vs.version;
  if (vs.compose) {
    out.compose = { include: (vs.compose.include ?? []).map(compactInclude) };
    if (vs.compose.exclude?.length) out.compose.exclude = vs.compose.exclude.map(compactInclude);
    if (vs.compose.inactive !== undefined) out.compose.inactive = vs.compose.inactive;
  }
  if (vs.expansion) {
    const { timestamp, total, offset, contains } = vs.expansion;
    out.expansion = { timestamp };
    if (total !== undefined) out.expansion.total = total;
    if (offset !== undefined) out.expansion.offset = offset;
    if (contains?.length) out.expansion.contains = contains.map(compactContains);
  }
  return out;
}

function compactInclude(inc: ValueSetComposeInclude): ValueSetComposeInclude {
  const out: ValueSetComposeInclude = {};
  if (inc.system !== undefined) out.system = inc.system;
  if (inc.version !== undefined) out.version = inc.version;
  if (inc.concept?.length) out.concept = inc.concept.map((c) => ({ code: c.code }));
  if (inc.filter?.length) out.filter = inc.filter.map((f) => ({ property: f.property, op: f.op, value: f.value }));
  if (inc.valueSet?.length) out.valueSet = [...inc.valueSet];
  return out;
}

function compactContains(c: ValueSetExpansionContains): ValueSetExpansionContains {
  const out: ValueSetExpansionContains = {};
  if (c.system !== undefined) out.system = c.system;
  if (c.code !== undefined) out.code = c.code;
  if (c.abstract) out.abstract = true;
  if (c.inactive) out.inactive = true;
  if (c.contains?.length) out.contains = c.contains.map(compactContains);
  return out;
}

/** Resources of one kind by canonical URL; several versions of one URL can be held. */
export class ResourceIndex<T extends TerminologyResource> {
  private readonly byUrl = new Map<string, T[]>();

  /** Adds a resource; it replaces one with the same URL and version, and becomes the latest of its URL. */
  add(resource: T): void {
    if (!resource.url) return;
    const { url } = splitCanonical(resource.url);
    const versions = (this.byUrl.get(url) ?? []).filter((r) => r.version !== resource.version);
    versions.push(resource);
    this.byUrl.set(url, versions);
  }

  /**
   * The resource with this URL and version; without a version, the latest added. A resource that has no version
   * answers for any version (nothing tells it apart).
   */
  find(url: string, version?: string): T | undefined {
    const versions = this.byUrl.get(url);
    if (!versions) return undefined;
    if (version === undefined) return versions[versions.length - 1];
    return versions.find((r) => r.version === version) ?? versions.find((r) => r.version === undefined);
  }

  has(url: string): boolean {
    return this.byUrl.has(url);
  }

  /** The versions held for a URL (for messages). */
  versions(url: string): string[] {
    return (this.byUrl.get(url) ?? []).map((r) => r.version ?? '(no version)');
  }

  *values(): IterableIterator<T> {
    for (const versions of this.byUrl.values()) yield* versions;
  }
}

/** The ValueSets and CodeSystems of one source (the R4 base, or what a Terminology was given). */
export class TerminologyIndex {
  readonly valueSets = new ResourceIndex<ValueSet>();
  readonly codeSystems = new ResourceIndex<CodeSystem>();

  constructor(resources: Iterable<TerminologyResource> = []) {
    for (const r of resources) this.add(r);
  }

  /** Adds a compact copy of a ValueSet or CodeSystem; other resources are ignored. */
  add(resource: TerminologyResource): void {
    if (resource.resourceType === 'ValueSet') this.valueSets.add(compact(resource));
    else if (resource.resourceType === 'CodeSystem') this.codeSystems.add(compact(resource));
  }

  *resources(): IterableIterator<TerminologyResource> {
    yield* this.codeSystems.values();
    yield* this.valueSets.values();
  }
}
