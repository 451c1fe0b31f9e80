/**
 * Applies a Visibility to resources on their way out (reads, searches, includes, histories, bundles, exports):
 * `hidden` says a resource is not served at all, `redact` removes what the caller may not see from one that is.
 * Both work on the resource's JSON, whatever the profile it claims, so a resource written without the ROR
 * profile is filtered the same way.
 */
import type { Resource } from '@medplum/fhirtypes';
import { CODE_LISTS, SUPPORTED_CAPACITY_URL } from '../ror/capacity/codes';
import type { Visibility } from './visibility';

const ROR_SD = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/';
export const SENSITIVE_UNIT_URL = `${ROR_SD}ror-healthcareservice-sensitive-unit`;
/** The extensions that carry a confidentiality level (JDV_J222, TRE_R283 codes 1 to 3) on the element they sit on. */
const CONFIDENTIALITY_URLS = new Set(
  ['ror-confidentiality-level', 'ror-telecom-confidentiality-level', 'ror-contact-confidentiality-level', 'ror-contact-telecom-confidentiality-level'].map(
    (id) => ROR_SD + id,
  ),
);
const INSTALLED = '01';
const STATUS_SYSTEM = CODE_LISTS.capacityStatus.system;

type Json = Record<string, unknown>;

/** A sensitive unit the caller may not see. */
export function hidden(resource: Resource, vis: Visibility): boolean {
  if (vis.all || vis.sensitiveUnits || resource.resourceType !== 'HealthcareService') return false;
  return isSensitiveUnit(resource);
}

export function isSensitiveUnit(resource: Resource): boolean {
  return (((resource as unknown) as Json).extension as Json[] | undefined)?.some((e) => e.url === SENSITIVE_UNIT_URL && e.valueBoolean === true) ?? false;
}

/**
 * A cheap test on stored JSON: false promises `redact` leaves it as it is, so the stored bytes are served
 * without parsing (most resources carry no confidentiality level and no availability).
 */
export function mayRedact(json: string, vis: Visibility): boolean {
  if (vis.all) return false;
  if (json.includes('confidentiality-level')) return true;
  return !vis.availability && json.includes(SUPPORTED_CAPACITY_URL);
}

/** The resource as the caller may see it: the same object when nothing is removed, else a copy. */
export function redact(resource: Resource, vis: Visibility): Resource {
  if (vis.all) return resource;
  const out = prune(resource, vis) as Resource;
  return out;
}

/** A copy of `node` without the elements above the caller's level; the same object when nothing changes. */
function prune(node: unknown, vis: Visibility): unknown {
  if (Array.isArray(node)) {
    let changed = false;
    const kept: unknown[] = [];
    for (const item of node) {
      if (isObject(item) && !allowed(item, vis)) {
        changed = true;
        continue;
      }
      const next = prune(item, vis);
      if (next !== item) changed = true;
      kept.push(next);
    }
    return changed ? kept : node;
  }
  if (!isObject(node)) return node;
  let copy: Json | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (value === null || typeof value !== 'object') continue;
    const next = prune(value, vis);
    if (next !== value) {
      copy ??= { ...node };
      if (Array.isArray(next) && next.length === 0) delete copy[key];
      else copy[key] = next;
    }
  }
  return copy ?? node;
}

/** Whether an element (a ContactPoint, a contact, an extension) may be served: its levels and, for profile 0, capacity. */
function allowed(element: Json, vis: Visibility): boolean {
  if (!vis.availability && element.url === SUPPORTED_CAPACITY_URL && capacityStatus(element) !== INSTALLED) return false;
  const exts = element.extension;
  if (!Array.isArray(exts)) return true;
  for (const e of exts) {
    if (isObject(e) && typeof e.url === 'string' && CONFIDENTIALITY_URLS.has(e.url) && level(e) > vis.maxConfidentiality) return false;
  }
  return true;
}

/** The level of a confidentiality extension; unreadable counts as the most restricted. */
function level(ext: Json): number {
  const coding = ((ext.valueCodeableConcept as Json | undefined)?.coding as Json[] | undefined) ?? [];
  const n = Number(coding.find((c) => typeof c.code === 'string')?.code);
  return Number.isInteger(n) && n >= 1 ? n : 3;
}

/** The capacity status code of a capacity entry (undefined: none, which is not "installed"). */
function capacityStatus(entry: Json): string | undefined {
  const sub = (entry.extension as Json[] | undefined)?.find((e) => e.url === 'capacityStatus');
  const coding = ((sub?.valueCodeableConcept as Json | undefined)?.coding as Json[] | undefined) ?? [];
  return coding.find((c) => c.system === STATUS_SYSTEM || c.system === undefined)?.code as string | undefined;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
