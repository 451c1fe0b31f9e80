/**
 * The offer document of one HealthcareService (src/store/offer-index.ts), denormalised from the store: the unit
 * itself, the establishment that provides it (`providedBy`) and that establishment's legal entity (`partOf`), the
 * Locations where its beds are (position, commune, capacity), with the French labels of every code.
 *
 * Where each field comes from (ROR IG 0.7.0, RORHealthcareService):
 * - activities: `specialty` codings of TRE_R211 ActiviteOperationnelle (slice operationalActivity);
 * - care modes: `characteristic` codings of TRE_R213 ModePriseEnCharge (slice careMode);
 * - specialties: `characteristic` codings of TRE_R245 SpecialisationDePriseEnCharge (slice takingCareSpeciality,
 *   "spécialisation de prise en charge"): the IG has no element for medical specialties of a unit, this is the
 *   nearest one it has;
 * - unit categories: `category` (TRE_R244, type d'offre) and `type` (TRE_R227, champ d'activité);
 * - patient types and age range: the `ror-healthcareservice-patient-type` extension (TRE_R239 and a UCUM Range);
 * - capacity, summed over the unit's Locations: free = `Disponible` (TRE_R330 02) entries of the current
 *   temporality (TRE_R331 01), by gender (TRE_R332: 01 female, 02 male, 03 indifférencié and 04 indéterminé or no
 *   gender: undetermined); installed = `Installé` (01) entries of the current temporality; updatedAt = the newest
 *   capacityUpdateDate of any entry;
 * - department: the establishment's postal code, else its FINESS number (./territory.ts); region: the TRE_R30 tag
 *   of the establishment (or its legal entity), else the department's region.
 * A unit is active when it is and the establishment providing it is. A unit whose HealthcareService is missing or
 * deleted has no document. Confidential telecoms are never copied into documents (no telecom is).
 */
import type { CodeableConcept, Coding, Extension, HealthcareService, Location, Organization, Reference, Resource } from '@medplum/fhirtypes';
import type { StoredVersion, StoreReader } from '../store/store';
import type { OfferCode, OfferDocument } from '../store/offer-index';
import type { Terminology } from '../terminology/terminology';
import { capacityEntries } from '../ror/capacity/model';
import { EXT, SYSTEM, TRE } from '../sync/fhir-systems';
import { SENSITIVE_UNIT_URL } from '../security/redact';
import { departmentOfFiness, departmentOfPostalCode, regionOfDepartment } from './territory';

/** The French label of a code of a nomenclature, when known. */
export type OfferLabels = (system: string, code: string) => string | undefined;

const NOS = (name: string) => `https://mos.esante.gouv.fr/NOS/${name}/FHIR/${name.replace('_', '-')}`;

export const OFFER_SYSTEMS = {
  activity: NOS('TRE_R211-ActiviteOperationnelle'),
  careMode: NOS('TRE_R213-ModePriseEnCharge'),
  specialty: NOS('TRE_R245-SpecialisationDePriseEnCharge'),
  unitCategory: NOS('TRE_R244-CategorieOrganisation'),
  activityField: NOS('TRE_R227-ChampActivite'),
  patientType: NOS('TRE_R239-PublicPrisEnCharge'),
  region: NOS('TRE_R30-RegionOM'),
  establishmentCategory: TRE.categorieEtablissement,
  legalStatus: TRE.statutJuridique,
  espic: TRE.sph,
} as const;

const PATIENT_TYPE_URL = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice-patient-type';
const STATUS = { installed: '01', available: '02' } as const;
const CURRENT = '01';
const GENDER = { female: '01', male: '02' } as const;
/** UCUM time units of JDV_J37 → years. */
const YEARS_PER_UNIT: Readonly<Record<string, number>> = { a: 1, mo: 1 / 12, wk: 7 / 365.25, d: 1 / 365.25, h: 1 / 8766, min: 1 / 525960 };

/** The labels of the nomenclatures the kernel's terminology holds (src/terminology/terminology.ts `display`). */
export function terminologyLabels(terminology: Pick<Terminology, 'display'>): OfferLabels {
  return (system, code) => terminology.display(system, code);
}

/**
 * Builds the document of HealthcareService `hs` (its current version) from what it references, read through
 * `reader` (inside a write's transaction or outside). Staleness is not part of the document: it is judged at query
 * time against the capacity's `updatedAt`.
 */
export async function buildOfferDocument(hs: StoredVersion | undefined, reader: StoreReader, labels: OfferLabels): Promise<OfferDocument | undefined> {
  if (!hs || hs.deleted || hs.resourceType !== 'HealthcareService') return undefined;
  const unit = JSON.parse(hs.json) as HealthcareService;
  const stamps = [hs.lastUpdated];
  const read = async <T extends Resource>(ref: Reference | undefined, type: string): Promise<T | undefined> => {
    const id = idOf(ref, type);
    if (!id) return undefined;
    const v = await reader.read(type, id);
    if (!v || v.deleted) return undefined;
    stamps.push(v.lastUpdated);
    return JSON.parse(v.json) as T;
  };
  const org = await read<Organization>(unit.providedBy, 'Organization');
  const parent = org ? await read<Organization>(org.partOf, 'Organization') : undefined;
  const locations: { id: string; resource: Location }[] = [];
  for (const ref of unit.location ?? []) {
    const id = idOf(ref, 'Location');
    const loc = await read<Location>(ref, 'Location');
    if (id && loc && !locations.some((l) => l.id === id)) locations.push({ id, resource: loc });
  }
  const code = (coding: Coding): OfferCode | undefined =>
    coding.system && coding.code ? { system: coding.system, code: coding.code, label: labels(coding.system, coding.code) ?? coding.display ?? coding.code } : undefined;
  const codes = (concepts: CodeableConcept[] | undefined, ...systems: string[]): OfferCode[] => {
    const out: OfferCode[] = [];
    for (const cc of concepts ?? []) {
      for (const coding of cc.coding ?? []) {
        if (!systems.includes(coding.system ?? '')) continue;
        const c = code(coding);
        if (c && !out.some((o) => o.system === c.system && o.code === c.code)) out.push(c);
      }
    }
    return out;
  };
  const patient = patientType(unit.extension);

  return {
    id: hs.id,
    name: unit.name ?? '',
    aliases: [],
    active: unit.active !== false && org?.active !== false,
    sensitive: unit.extension?.some((e) => e.url === SENSITIVE_UNIT_URL && e.valueBoolean === true) ?? false,
    organization: organizationPart(org, parent, idOf(unit.providedBy, 'Organization'), (cc, ...s) => codes(cc, ...s)[0]),
    locations: locations.map(({ id, resource }) => locationPart(id, resource)),
    activities: codes(unit.specialty, OFFER_SYSTEMS.activity),
    careModes: codes(unit.characteristic, OFFER_SYSTEMS.careMode),
    specialties: codes(unit.characteristic, OFFER_SYSTEMS.specialty),
    unitCategories: [...codes(unit.category, OFFER_SYSTEMS.unitCategory), ...codes(unit.type, OFFER_SYSTEMS.activityField)],
    patientTypes: codes(patient.types, OFFER_SYSTEMS.patientType),
    ...(patient.ageRange ? { ageRange: patient.ageRange } : {}),
    capacity: capacityOf(locations.map((l) => l.resource)),
    lastUpdated: stamps.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)),
  };
}

function organizationPart(
  org: Organization | undefined,
  parent: Organization | undefined,
  id: string | undefined,
  first: (cc: CodeableConcept[] | undefined, ...systems: string[]) => OfferCode | undefined,
): OfferDocument['organization'] {
  const finess = org?.identifier?.find((i) => i.system === SYSTEM.finess)?.value;
  const postal = org?.address?.map((a) => departmentOfPostalCode(a.postalCode)).find(Boolean);
  const department = postal ?? departmentOfFiness(finess);
  const tag = (o: Organization | undefined) => o?.meta?.tag?.find((t) => t.system === OFFER_SYSTEMS.region && t.code)?.code;
  const region = tag(org) ?? tag(parent) ?? regionOfDepartment(department);
  const category = first(org?.type, OFFER_SYSTEMS.establishmentCategory);
  // The FINESS legal status sits on the legal entity; an establishment may carry it too, or only its ESPIC status.
  const legalStatus =
    first(org?.type, OFFER_SYSTEMS.legalStatus) ?? first(parent?.type, OFFER_SYSTEMS.legalStatus) ?? first(org?.type, OFFER_SYSTEMS.espic) ?? first(parent?.type, OFFER_SYSTEMS.espic);
  return {
    id: id ?? '',
    name: org?.name ?? '',
    ...(finess ? { finess } : {}),
    ...(category ? { category } : {}),
    ...(legalStatus ? { legalStatus } : {}),
    ...(department ? { department } : {}),
    ...(region ? { region } : {}),
  };
}

function locationPart(id: string, loc: Location): OfferDocument['locations'][number] {
  const cog = loc.extension?.find((e) => e.url === EXT.communeCog);
  const insee = loc.address?.extension?.find((e) => e.url === EXT.inseeCode)?.valueCoding;
  const coding = cog?.valueCodeableConcept?.coding?.find((c) => c.code) ?? cog?.valueCoding ?? insee;
  const communeName = coding?.display ?? loc.address?.city;
  const { latitude, longitude } = loc.position ?? {};
  const position = isCoordinate(latitude, 90) && isCoordinate(longitude, 180) ? { lat: latitude, lon: longitude } : undefined;
  return {
    id,
    ...(loc.name ? { name: loc.name } : {}),
    ...(coding?.code ? { commune: coding.code } : {}),
    ...(communeName ? { communeName } : {}),
    ...(position ? { position } : {}),
  };
}

function isCoordinate(x: unknown, max: number): x is number {
  return typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= max;
}

function capacityOf(locations: Location[]): OfferDocument['capacity'] {
  const free = { total: 0, female: 0, male: 0, undetermined: 0 };
  let installed = 0;
  let newest: number | undefined;
  for (const loc of locations) {
    for (const { record } of capacityEntries(loc)) {
      const at = record.capacityUpdateDate ? Date.parse(record.capacityUpdateDate) : NaN;
      if (Number.isFinite(at) && (newest === undefined || at > newest)) newest = at;
      const n = record.nbCapacity;
      if (n === undefined || !Number.isInteger(n) || n < 0 || record.temporalityCapacity !== CURRENT) continue;
      if (record.capacityStatus === STATUS.installed) installed += n;
      if (record.capacityStatus !== STATUS.available) continue;
      free.total += n;
      if (record.genderCapacityAvailable === GENDER.female) free.female += n;
      else if (record.genderCapacityAvailable === GENDER.male) free.male += n;
      else free.undetermined += n;
    }
  }
  return { free, installed, ...(newest !== undefined ? { updatedAt: new Date(newest).toISOString() } : {}) };
}

function patientType(extensions: Extension[] | undefined): { types: CodeableConcept[]; ageRange?: { low?: number; high?: number } } {
  const ext = extensions?.find((e) => e.url === PATIENT_TYPE_URL);
  const subs = ext?.extension ?? [];
  const types = subs.filter((s) => s.url === 'supportedPatientInfo' && s.valueCodeableConcept).map((s) => s.valueCodeableConcept as CodeableConcept);
  const range = subs.find((s) => s.url === 'ageRange')?.valueRange;
  const years = (q: { value?: number; code?: string; unit?: string } | undefined): number | undefined => {
    if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return undefined;
    const factor = YEARS_PER_UNIT[q.code ?? 'a'];
    return factor === undefined ? undefined : Math.round(q.value * factor * 1000) / 1000;
  };
  const low = years(range?.low);
  const high = years(range?.high);
  const ageRange = low === undefined && high === undefined ? undefined : { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}) };
  return { types, ...(ageRange ? { ageRange } : {}) };
}

/** The id of a relative reference `Type/id` (absolute or contained references are not followed). */
function idOf(ref: Reference | undefined, type: string): string | undefined {
  const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(ref?.reference ?? '');
  return m && m[1] === type ? m[2] : undefined;
}
