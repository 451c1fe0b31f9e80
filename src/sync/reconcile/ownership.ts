/**
 * Who owns what (README "Sync: who owns what"). The sync writes only the elements it maps from the referentials;
 * everything else on a resource belongs to the establishment or to analysts (operational names in `alias`,
 * contacts they added, extensions such as capacity, units that point to the resource) and is kept as is.
 *
 * - `elements`: top-level elements the sync owns entirely (set from the file, removed when the file has nothing);
 * - `shared`: repeating elements holding both the sync's items and other people's; a predicate recognises the
 *   sync's items (identifier by system, coding by code system, extension by URL, telecom/address by the
 *   `sync-managed` marker extension), which are replaced, the others kept after them.
 */
import type { Resource } from '@medplum/fhirtypes';
import { EXT, ROLE_IDENTIFIER_SYSTEM, SYNC_TAG_SYSTEM, SYSTEM, TRE } from '../fhir-systems';

type Item = any;
export interface Ownership {
  elements: string[];
  shared: Record<string, (item: Item) => boolean>;
  /** How to mark the resource inactive without touching anything else. */
  deactivate: (r: any) => void;
}

const bySystem = (systems: string[]) => (i: Item) => systems.includes(i?.system);
const byCodingSystem = (systems: string[]) => (i: Item) => systems.includes(i?.coding?.[0]?.system);
const byUrl = (urls: string[]) => (i: Item) => urls.includes(i?.url);
export const isSyncManaged = (i: Item) => Array.isArray(i?.extension) && i.extension.some((e: Item) => e?.url === EXT.syncManaged);

const inactive = (r: any) => {
  r.active = false;
};

export const OWNERSHIP: Record<string, Ownership> = {
  Organization: {
    elements: ['active', 'name', 'partOf'],
    shared: {
      identifier: bySystem([SYSTEM.idNatSt, SYSTEM.finess, SYSTEM.sirene]),
      type: byCodingSystem([TRE.categorieEtablissement, TRE.agregatCategorie, TRE.statutJuridique, TRE.sph, TRE.mft]),
      telecom: isSyncManaged,
      address: isSyncManaged,
      extension: byUrl([EXT.openingDate]),
    },
    deactivate: inactive,
  },
  Location: {
    elements: ['status', 'name', 'mode', 'address', 'position', 'managingOrganization'],
    shared: {
      identifier: bySystem([SYSTEM.finess]),
      telecom: isSyncManaged,
      extension: byUrl([EXT.communeCog]),
    },
    deactivate: (r) => {
      r.status = 'inactive';
    },
  },
  Practitioner: {
    elements: ['active', 'name', 'gender'],
    shared: {
      identifier: bySystem([SYSTEM.idNatPs, SYSTEM.rpps]),
      qualification: (q: Item) => byCodingSystem([TRE.profession, TRE.categorieProfessionnelle, TRE.typeSavoirFaire, TRE.savoirFaire])(q?.code),
    },
    deactivate: inactive,
  },
  PractitionerRole: {
    elements: ['active', 'practitioner', 'organization'],
    shared: {
      identifier: bySystem([ROLE_IDENTIFIER_SYSTEM]),
      code: byCodingSystem([TRE.profession, TRE.fonction, TRE.genreActivite, TRE.secteurActivite]),
      specialty: byCodingSystem([TRE.savoirFaire, TRE.typeSavoirFaire]),
      telecom: isSyncManaged,
      extension: byUrl([EXT.unitExerciseMode]),
    },
    deactivate: inactive,
  },
};

/**
 * The resource to store: `existing` (when there is one) with the sync's part replaced by `mapped`, the sync's tag
 * added to meta.tag. The result lists the sync's items first, so merging twice gives the same resource.
 */
export function mergeOwned(existing: Resource | undefined, mapped: Resource, tag: string): Resource {
  const own = OWNERSHIP[mapped.resourceType];
  if (!own) throw new Error(`no ownership rules for ${mapped.resourceType}`);
  const m = mapped as any;
  const out: any = existing ? { ...existing } : { resourceType: mapped.resourceType };
  for (const el of own.elements) {
    if (m[el] !== undefined) out[el] = m[el];
    else delete out[el];
  }
  for (const [el, ours] of Object.entries(own.shared)) {
    const others = Array.isArray(out[el]) ? out[el].filter((i: Item) => !ours(i)) : [];
    const all = [...(m[el] ?? []), ...others];
    if (all.length) out[el] = all;
    else delete out[el];
  }
  out.meta = withTag(out.meta, tag);
  return out as Resource;
}

function withTag(meta: any, tag: string): any {
  const others = (meta?.tag ?? []).filter((t: Item) => t?.system !== SYNC_TAG_SYSTEM);
  return { ...(meta ?? {}), tag: [{ system: SYNC_TAG_SYSTEM, code: tag }, ...others] };
}

/** Deep equality ignoring key order and meta.versionId / meta.lastUpdated (the store stamps those). */
export function sameContent(a: Resource, b: Resource): boolean {
  return deepEqual(stripVersion(a), stripVersion(b));
}

function stripVersion(r: any): any {
  if (!r.meta) return r;
  const { versionId: _v, lastUpdated: _l, ...meta } = r.meta;
  return { ...r, meta };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as any)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}
