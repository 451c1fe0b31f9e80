/** Small FHIR builders shared by the mappers (ROR telecom extensions, the sync marker, codings). */
import type { Address, CodeableConcept, ContactPoint, Extension, Identifier, Location, Organization } from '@medplum/fhirtypes';
import type { SyncItem } from './types';
import { EXT, SYSTEM, TRE } from './fhir-systems';

export const MANAGED: Extension = { url: EXT.syncManaged, valueCode: 'referential' };

export function cc(system: string, code: string | undefined, display?: string): CodeableConcept | undefined {
  if (!code) return undefined;
  return { coding: [{ system, code, ...(display ? { display } : {}) }] };
}

export function typedIdentifier(system: string, value: string, typeCode: string): Identifier {
  return { use: 'official', type: { coding: [{ system: SYSTEM.identifierType, code: typeCode }] }, system, value };
}

const CHANNEL: Record<ContactPoint['system'] & string, string> = { phone: '2', fax: '6', email: '3', pager: '2', url: '5', sms: '2', other: '5' };

/** A telecom the sync manages: ROR channel (TRE_R200) and confidentiality (TRE_R283, public) extensions. */
export function telecom(system: 'phone' | 'fax' | 'email', value: string | undefined): ContactPoint | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  return {
    extension: [
      MANAGED,
      { url: EXT.telecomChannel, valueCodeableConcept: cc(TRE.canal, CHANNEL[system]) },
      { url: EXT.telecomConfidentiality, valueCodeableConcept: cc(TRE.confidentialite, '1') },
    ],
    system,
    value: v,
    use: 'work',
  };
}

export function compact<T>(list: (T | undefined | false | null | '')[]): T[] {
  return list.filter(Boolean) as T[];
}

export interface AddressParts {
  lines: (string | undefined)[];
  postalCode?: string;
  city?: string;
  district?: string;
  insee?: string;
  communeName?: string;
  country?: string;
}

export function address(p: AddressParts, managed = true): Address {
  const a: Address = {};
  const ext: Extension[] = [];
  if (managed) ext.push(MANAGED);
  if (p.insee) ext.push({ url: EXT.inseeCode, valueCoding: { system: TRE.commune, code: p.insee } });
  if (ext.length) a.extension = ext;
  a.use = 'work';
  a.type = 'both';
  const lines = compact(p.lines.map((l) => l?.replace(/\s+/g, ' ').trim()));
  if (lines.length) a.line = lines;
  if (p.city) a.city = p.city;
  if (p.district) a.district = p.district;
  if (p.postalCode) a.postalCode = p.postalCode;
  a.country = p.country ?? 'FR';
  return a;
}

/** `"01440 VIRIAT"` → postal code and city. */
export function splitAcheminement(v: string): { postalCode?: string; city?: string } {
  const m = /^(\d{5})\s+(.*)$/.exec(v.trim());
  if (!m) return v.trim() ? { city: v.trim() } : {};
  return { postalCode: m[1], city: m[2].trim() || undefined };
}

/**
 * A copy without undefined values, empty strings and empty arrays or objects (FHIR forbids empty elements), so that
 * the same record always serialises to the same JSON (its fingerprint).
 */
export function prune<T>(value: T): T {
  return pruneAny(value) as T;
}

function pruneAny(v: unknown): unknown {
  // Plain loops rather than map/filter/Object.entries: this runs on every element of 3.6 million mapped
  // resources in a national import, and the intermediate arrays were most of its cost.
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const p = pruneAny(x);
      if (p !== undefined) out.push(p);
    }
    return out.length ? out : undefined;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    let empty = true;
    for (const k of Object.keys(v)) {
      const p = pruneAny((v as Record<string, unknown>)[k]);
      if (p !== undefined) {
        out[k] = p;
        empty = false;
      }
    }
    return empty ? undefined : out;
  }
  return v === '' || v === undefined || v === null ? undefined : v;
}

/**
 * The two items of one FINESS establishment (ET): its Organization, `partOf` its legal entity, and the Location
 * of its site, managed by it. Both FINESS formats (etalab CSV, FINESS+ JSON) produce exactly this pair.
 */
export function establishmentItems(finess: string, finessEj: string, org: Organization, location: Location, line: number): SyncItem[] {
  const match = () => ({ system: SYSTEM.finess, value: finess });
  return [
    {
      kind: 'finess-et',
      key: finess,
      resource: prune(org),
      match: match(),
      links: [{ element: 'partOf', kind: 'finess-ej', key: finessEj, identifier: { system: SYSTEM.finess, value: finessEj } }],
      line,
    },
    {
      kind: 'finess-et-location',
      key: finess,
      resource: prune(location),
      match: match(),
      links: [{ element: 'managingOrganization', kind: 'finess-et', key: finess, identifier: match() }],
      line,
    },
  ];
}

