/**
 * What the unit page shows, read from the FHIR resources the server serves (HealthcareService, its Organization
 * and its Locations, already redacted for the caller): French labels of the codings (their `display`, else the
 * code), contacts, address, patient types and age range, and each bed zone's current capacity through the
 * server's own capacity model (src/ror/capacity, shared with the web application). Pure: tested without a browser.
 */
import { displayOf } from '../../../src/ror/capacity/codes';
import { capacityEntries, type CapacityRecord } from '../../../src/ror/capacity/model';

/** Loosely typed FHIR JSON (what the server answered). */
export type Json = Record<string, any>;

const ROR = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/';
const PATIENT_TYPE_URL = `${ROR}ror-healthcareservice-patient-type`;
const SENSITIVE_URL = `${ROR}ror-healthcareservice-sensitive-unit`;

export interface CodeLabel {
  code: string;
  label: string;
}

/** The codings of CodeableConcepts as code + French label (their display, else the code). */
export function labelsOf(concepts: unknown): CodeLabel[] {
  const out: CodeLabel[] = [];
  for (const c of Array.isArray(concepts) ? concepts : concepts ? [concepts] : []) {
    for (const coding of (c as Json)?.coding ?? []) {
      if (typeof coding?.code !== 'string') continue;
      out.push({ code: coding.code, label: typeof coding.display === 'string' && coding.display ? coding.display : (c as Json).text ?? coding.code });
    }
    if (!(c as Json)?.coding?.length && typeof (c as Json)?.text === 'string') out.push({ code: '', label: (c as Json).text });
  }
  return out;
}

export interface Contact {
  system: string;
  value: string;
  use?: string;
  href?: string;
}

const TELECOM_LABELS: Record<string, string> = { phone: 'Téléphone', fax: 'Fax', email: 'Courriel', url: 'Site', sms: 'SMS', pager: 'Bip', other: 'Autre' };

/** Telecoms (of the resource and of its `contact`s), as the server let the caller see them. */
export function contactsOf(resource: Json | undefined): (Contact & { label: string })[] {
  if (!resource) return [];
  const telecoms: Json[] = [...(resource.telecom ?? []), ...(resource.contact ?? []).flatMap((c: Json) => c.telecom ?? [])];
  return telecoms
    .filter((t) => typeof t?.value === 'string' && t.value)
    .map((t) => {
      const system = typeof t.system === 'string' ? t.system : 'other';
      const href = system === 'phone' ? `tel:${t.value.replace(/[^\d+]/g, '')}` : system === 'email' ? `mailto:${t.value}` : system === 'url' && /^https?:\/\//.test(t.value) ? t.value : undefined;
      return { system, value: t.value, label: TELECOM_LABELS[system] ?? system, ...(t.use ? { use: t.use } : {}), ...(href ? { href } : {}) };
    });
}

/** "10 rue X, 01440 Viriat" from a FHIR Address. */
export function addressLine(address: Json | undefined): string | undefined {
  if (!address) return undefined;
  if (typeof address.text === 'string' && address.text) return address.text;
  const street = (address.line ?? []).filter((l: unknown) => typeof l === 'string' && l).join(' ');
  const town = [address.postalCode, address.city].filter(Boolean).join(' ');
  const s = [street, town].filter(Boolean).join(', ');
  return s || undefined;
}

/** The FINESS number of an establishment (its identifier in a FINESS system: finess.esante.gouv.fr, or the older finess.sante.gouv.fr). */
export function finessOf(organization: Json | undefined): string | undefined {
  return (organization?.identifier ?? []).find((i: Json) => typeof i?.system === 'string' && /\/\/finess\.e?sante\.gouv\.fr/.test(i.system) && typeof i.value === 'string')?.value;
}

export interface Patientele {
  types: CodeLabel[];
  ageRange?: { low?: number; high?: number };
}

/** Patient types and age range of the unit (`ror-healthcareservice-patient-type`). */
export function patienteleOf(service: Json): Patientele {
  const types: CodeLabel[] = [];
  let ageRange: Patientele['ageRange'];
  for (const ext of service.extension ?? []) {
    if (ext?.url !== PATIENT_TYPE_URL) continue;
    for (const sub of ext.extension ?? []) {
      if (sub.url === 'supportedPatientInfo') types.push(...labelsOf(sub.valueCodeableConcept));
      if (sub.url === 'ageRange' && sub.valueRange) {
        const low = sub.valueRange.low?.value;
        const high = sub.valueRange.high?.value;
        ageRange = { ...(typeof low === 'number' ? { low } : {}), ...(typeof high === 'number' ? { high } : {}) };
      }
    }
  }
  return { types, ...(ageRange ? { ageRange } : {}) };
}

/** "de 18 à 120 ans", "à partir de 75 ans", "jusqu’à 17 ans", "tous âges". */
export function describeAgeRange(range: { low?: number; high?: number } | undefined): string {
  const low = range?.low;
  const high = range?.high;
  if (low !== undefined && high !== undefined) return `de ${low} à ${high} ans`;
  if (low !== undefined) return `à partir de ${low} ans`;
  if (high !== undefined) return `jusqu’à ${high} ans`;
  return 'tous âges';
}

export function isSensitive(service: Json): boolean {
  return (service.extension ?? []).some((e: Json) => e?.url === SENSITIVE_URL && e.valueBoolean === true);
}

/** One capacity entry of a bed zone, in words. */
export interface CapacityRow {
  type: string;
  status: string;
  statusCode?: string;
  temporality: string;
  gender: string;
  count?: number;
  updatedAt?: string;
  qualifiers: string[];
  record: CapacityRecord;
}

const label = (field: Parameters<typeof displayOf>[0], code: string | undefined) => (code ? (displayOf(field, code) ?? code) : '—');

/** The capacity entries of a Location, current ones first, then by status and gender codes. */
export function capacityRows(location: Json): CapacityRow[] {
  return capacityEntries(location)
    .map(({ record: r }) => ({
      type: label('capacityType', r.capacityType),
      status: label('capacityStatus', r.capacityStatus),
      ...(r.capacityStatus ? { statusCode: r.capacityStatus } : {}),
      temporality: label('temporalityCapacity', r.temporalityCapacity),
      gender: r.genderCapacityAvailable ? label('genderCapacityAvailable', r.genderCapacityAvailable) : '—',
      ...(r.nbCapacity !== undefined ? { count: r.nbCapacity } : {}),
      ...(r.capacityUpdateDate ? { updatedAt: r.capacityUpdateDate } : {}),
      qualifiers: [
        r.capacityClosingType && label('capacityClosingType', r.capacityClosingType),
        r.additionalBedType && label('additionalBedType', r.additionalBedType),
        r.crisisType && label('crisisType', r.crisisType),
        r.temporaryAssignement && r.temporaryAssignement !== '01' && label('temporaryAssignement', r.temporaryAssignement),
      ].filter((q): q is string => !!q),
      record: r,
    }))
    .sort(
      (a, b) =>
        (a.record.temporalityCapacity ?? '').localeCompare(b.record.temporalityCapacity ?? '') ||
        (a.record.capacityStatus ?? '').localeCompare(b.record.capacityStatus ?? '') ||
        (a.record.genderCapacityAvailable ?? '').localeCompare(b.record.genderCapacityAvailable ?? ''),
    );
}

/** The most recent capacityUpdateDate of a Location's entries. */
export function lastCapacityUpdate(location: Json): string | undefined {
  return capacityEntries(location)
    .map((e) => e.record.capacityUpdateDate)
    .filter((d): d is string => !!d)
    .sort((a, b) => Date.parse(b) - Date.parse(a))[0];
}

/** Resources of a searchset by type and id. */
export function resourcesOf(bundle: Json): Json[] {
  return (bundle?.entry ?? []).map((e: Json) => e.resource).filter(Boolean);
}
