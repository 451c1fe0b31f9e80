/**
 * Turning a resource of the source into the resource written here: its id here, `meta.source` set to the source's
 * base URL (the source's tags, security labels and profiles kept, its versionId and lastUpdated dropped: this store
 * stamps its own), and every reference rewritten to this store's ids (README "Federation").
 *
 * A reference `Type/id` (relative, or absolute on the source's base) to a resource this run imports or matched
 * points to its id here; one to anything else (a type not imported, a resource the source did not send, e.g. one
 * the credential may not see) becomes the absolute URL of the resource at the source, so it is never mistaken for a
 * resource of this store. Contained references (`#id`) and other absolute URLs are left as they are.
 */
import type { Resource } from '@medplum/fhirtypes';

/** Maps a reference of the source (type, remote id) to its id here, or undefined. */
export type Resolve = (type: string, remoteId: string) => string | undefined;

const LOCAL_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export function rewriteReference(ref: string, base: string, resolve: Resolve): string {
  if (ref.startsWith('#')) return ref;
  const relative = ref.startsWith(`${base}/`) ? ref.slice(base.length + 1) : /^[a-z]+:/i.test(ref) ? undefined : ref;
  if (relative === undefined) return ref;
  const m = LOCAL_REF.exec(relative);
  if (!m) return ref;
  const local = resolve(m[1], m[2]);
  return local ? `${m[1]}/${local}` : `${base}/${m[1]}/${m[2]}`;
}

function walk(value: unknown, base: string, resolve: Resolve): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, base, resolve));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'reference' && typeof v === 'string' ? rewriteReference(v, base, resolve) : walk(v, base, resolve);
  }
  return out;
}

/** The resource to write here for `remote`, as `localId`. */
export function transform(remote: Resource, localId: string, base: string, resolve: Resolve): Resource & { id: string } {
  const { id: _id, meta, contained, ...rest } = remote as Resource & { contained?: Resource[] };
  const { versionId: _v, lastUpdated: _l, source: _s, ...keptMeta } = meta ?? {};
  const out = walk(rest, base, resolve) as Record<string, unknown>;
  return {
    resourceType: remote.resourceType,
    id: localId,
    meta: { ...keptMeta, source: base },
    ...(contained ? { contained: walk(contained, base, resolve) } : {}),
    ...out,
  } as Resource & { id: string };
}

/** Identifier systems a resource is matched by, per type; other types: any identifier with a system and value. */
export const MATCH_SYSTEMS: Record<string, string[]> = {
  // idNatSt and FINESS (the official system, and the legacy one some servers still write); never SIREN, shared by
  // the establishments of one legal entity.
  Organization: ['urn:oid:1.2.250.1.71.4.2.2', 'https://finess.esante.gouv.fr', 'http://finess.sante.gouv.fr'],
  // idNatPs and RPPS.
  Practitioner: ['urn:oid:1.2.250.1.71.4.2.1', 'https://rpps.esante.gouv.fr'],
};

/** The business identifiers (`system|value`) `r` is matched by. */
export function matchKeys(r: Resource): string[] {
  const ids = ((r as { identifier?: { system?: string; value?: string }[] }).identifier ?? []).filter((i) => i.system && i.value);
  const systems = MATCH_SYSTEMS[r.resourceType];
  return ids.filter((i) => !systems || systems.includes(i.system!)).map((i) => `${i.system}|${i.value}`);
}

/** How a resource that disappeared from its source is withdrawn here, or undefined when it is deleted instead. */
export function deactivate(r: Record<string, unknown>): boolean {
  switch (r.resourceType) {
    case 'Location':
      r.status = 'inactive';
      return true;
    case 'Endpoint':
      r.status = 'off';
      return true;
    case 'Organization':
    case 'HealthcareService':
    case 'Practitioner':
    case 'PractitionerRole':
      r.active = false;
      return true;
    default:
      return false;
  }
}

export const isInactive = (r: Record<string, unknown>) => r.active === false || (r.resourceType === 'Location' && r.status === 'inactive') || (r.resourceType === 'Endpoint' && r.status === 'off');
