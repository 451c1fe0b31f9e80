/**
 * What the feeding, freshness and bed indicators are computed from, gathered in one pass over the store for a
 * scope (the whole store, a region, a department, or an establishment and its sites):
 * - establishments: Organizations with a FINESS number that is not an EJ's (FINEJ), with their territory;
 * - units: HealthcareServices provided by an establishment of the scope, with their bed zones;
 * - bed zones: the Locations the units name (`HealthcareService.location`), with their capacity.
 * Territory: the department comes from the establishment's postal code, else its FINESS number; the region is the
 * TRE_R30 tag of the establishment (or its legal entity), else the department's region (src/offer/territory.ts,
 * as offer search places units).
 * The facts are small records (a few numbers and codes each, ≈ 100 bytes); resources are read page by page and
 * dropped. Nationally (≈ 100k Organizations, 300k units and zones) that is a few tens of MB.
 */
import type { HealthcareService, Location, Organization } from '@medplum/fhirtypes';
import type { StoreReader } from '../../store/store';
import { capacityEntries } from '../../ror/capacity/model';
import { departmentOfFiness, departmentOfPostalCode, regionOfDepartment } from '../../offer/territory';
import { OFFER_SYSTEMS } from '../../offer/document';
import { FINESS_SYSTEM } from './subject';
import { idOf, scan, scanReferencing } from './scan';

/** Where something is: INSEE department and TRE_R30 region (either may be unknown). */
export interface Territory {
  department?: string;
  region?: string;
}

export interface OrgFact extends Territory {
  id: string;
  finess?: string;
  /** A FINESS establishment (ET/EG): has a FINESS number not typed FINEJ. */
  establishment: boolean;
  active: boolean;
  parent?: string;
  /** Own TRE_R30 tag, before the parent's is looked up. */
  tag?: string;
}

export interface UnitFact extends Territory {
  id: string;
  org: string;
  active: boolean;
  activities: string[];
  zones: string[];
}

export interface ZoneFact extends Territory {
  id: string;
  activities: string[];
  /** At least one supported-capacity entry. */
  hasCapacity: boolean;
  /** Newest capacityUpdateDate of its entries (ms), when any. */
  updatedAt?: number;
  /** Beds of the current temporality (TRE_R331 01) by status (TRE_R330): installed 01, available 02, occupied 03, closed 05. */
  installed: number;
  available: number;
  occupied?: number;
  closed: number;
}

export interface OfferFacts {
  orgs: Map<string, OrgFact>;
  units: UnitFact[];
  zones: Map<string, ZoneFact>;
}

export type Scope = { kind: 'all' } | { kind: 'region'; code: string } | { kind: 'department'; code: string } | { kind: 'establishment'; id: string };

export function inScope(t: Territory & { id?: string; org?: string }, scope: Scope, orgIds?: Set<string>): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'region':
      return t.region === scope.code;
    case 'department':
      return t.department === scope.code;
    case 'establishment':
      return orgIds !== undefined && t.org !== undefined && orgIds.has(t.org);
  }
}

const ACTIVITY_SYSTEM = OFFER_SYSTEMS.activity;
/** Above this many zones, the Locations are scanned rather than read one by one. */
const READ_BY_ID_LIMIT = 2000;

export function orgFact(id: string, json: string): OrgFact {
  const org = JSON.parse(json) as Organization;
  const finessIds = org.identifier?.filter((i) => i.system === FINESS_SYSTEM && i.value) ?? [];
  const etId = finessIds.find((i) => !i.type?.coding?.some((c) => c.code === 'FINEJ'));
  const finess = etId?.value ?? finessIds[0]?.value;
  const postal = org.address?.map((a) => departmentOfPostalCode(a.postalCode)).find(Boolean);
  const department = postal ?? departmentOfFiness(finess);
  const tag = org.meta?.tag?.find((t) => t.system === OFFER_SYSTEMS.region && t.code)?.code;
  return {
    id,
    ...(finess ? { finess } : {}),
    establishment: etId !== undefined,
    active: org.active !== false,
    ...(idOf(org.partOf, 'Organization') ? { parent: idOf(org.partOf, 'Organization') } : {}),
    ...(tag ? { tag } : {}),
    ...(department ? { department } : {}),
  };
}

/** Fills the region of each organisation: own tag, else its legal entity's, else its department's region. */
function placeOrgs(orgs: Map<string, OrgFact>): void {
  for (const o of orgs.values()) {
    const parentTag = o.parent ? orgs.get(o.parent)?.tag : undefined;
    const region = o.tag ?? parentTag ?? regionOfDepartment(o.department);
    if (region) o.region = region;
  }
}

/** The organisations of the scope's search: all of them, or an establishment with its sites (and its EJ for the tag). */
async function readOrgs(reader: StoreReader, scope: Scope): Promise<{ orgs: Map<string, OrgFact>; subjectOrgs?: Set<string> }> {
  const orgs = new Map<string, OrgFact>();
  if (scope.kind !== 'establishment') {
    for await (const page of scan(reader, 'Organization')) for (const v of page) orgs.set(v.id, orgFact(v.id, v.json));
    placeOrgs(orgs);
    return { orgs };
  }
  const own = await reader.read('Organization', scope.id);
  if (!own || own.deleted) return { orgs, subjectOrgs: new Set() };
  const root = orgFact(own.id, own.json);
  orgs.set(root.id, root);
  for await (const page of scanReferencing(reader, 'Organization', 'partof', [{ type: 'Organization', id: scope.id }])) {
    for (const v of page) orgs.set(v.id, orgFact(v.id, v.json));
  }
  const subjectOrgs = new Set(orgs.keys());
  if (root.parent && !orgs.has(root.parent)) {
    const p = await reader.read('Organization', root.parent);
    if (p && !p.deleted) orgs.set(p.id, orgFact(p.id, p.json));
  }
  placeOrgs(orgs);
  return { orgs, subjectOrgs };
}

/** Gathers the establishments, units and bed zones of `scope`. */
export async function collectOfferFacts(reader: StoreReader, scope: Scope): Promise<OfferFacts & { subjectOrgs?: Set<string> }> {
  const { orgs, subjectOrgs } = await readOrgs(reader, scope);
  const units: UnitFact[] = [];
  const zoneOwners = new Map<string, { territory: Territory; activities: Set<string> }>();
  const pages =
    scope.kind === 'establishment'
      ? scanReferencing(reader, 'HealthcareService', 'organization', [...(subjectOrgs ?? [])].map((id) => ({ type: 'Organization', id })))
      : scan(reader, 'HealthcareService');
  for await (const page of pages) {
    for (const v of page) {
      const hs = JSON.parse(v.json) as HealthcareService;
      const orgId = idOf(hs.providedBy, 'Organization');
      const org = orgId ? orgs.get(orgId) : undefined;
      if (!orgId || !org) continue;
      const territory: Territory = { ...(org.department ? { department: org.department } : {}), ...(org.region ? { region: org.region } : {}) };
      if (!inScope({ ...territory, org: orgId }, scope, subjectOrgs)) continue;
      const activities = [
        ...new Set((hs.specialty ?? []).flatMap((cc) => cc.coding ?? []).filter((c) => c.system === ACTIVITY_SYSTEM && c.code).map((c) => c.code!)),
      ];
      const zones = [...new Set((hs.location ?? []).map((r) => idOf(r, 'Location')).filter((id): id is string => id !== undefined))];
      units.push({ id: v.id, org: orgId, active: hs.active !== false && org.active, activities, zones, ...territory });
      for (const z of zones) {
        let owner = zoneOwners.get(z);
        if (!owner) zoneOwners.set(z, (owner = { territory, activities: new Set() }));
        for (const a of activities) owner.activities.add(a);
      }
    }
  }
  const zones = new Map<string, ZoneFact>();
  const addZone = (id: string, json: string) => {
    const owner = zoneOwners.get(id);
    if (owner) zones.set(id, zoneFact(id, JSON.parse(json) as Location, owner.territory, [...owner.activities]));
  };
  if (zoneOwners.size <= READ_BY_ID_LIMIT) {
    for (const id of zoneOwners.keys()) {
      const v = await reader.read('Location', id);
      if (v && !v.deleted) addZone(id, v.json);
    }
  } else {
    for await (const page of scan(reader, 'Location')) for (const v of page) if (zoneOwners.has(v.id)) addZone(v.id, v.json);
  }
  return { orgs, units, zones, subjectOrgs };
}

const CURRENT = '01';

export function zoneFact(id: string, loc: Location, territory: Territory, activities: string[]): ZoneFact {
  const fact: ZoneFact = { id, activities, hasCapacity: false, installed: 0, available: 0, closed: 0, ...territory };
  let occupied: number | undefined;
  for (const { record } of capacityEntries(loc)) {
    fact.hasCapacity = true;
    const at = record.capacityUpdateDate ? Date.parse(record.capacityUpdateDate) : NaN;
    if (Number.isFinite(at) && (fact.updatedAt === undefined || at > fact.updatedAt)) fact.updatedAt = at;
    const n = record.nbCapacity;
    if (n === undefined || !Number.isInteger(n) || n < 0 || record.temporalityCapacity !== CURRENT) continue;
    switch (record.capacityStatus) {
      case '01':
        fact.installed += n;
        break;
      case '02':
        fact.available += n;
        break;
      case '03':
        occupied = (occupied ?? 0) + n;
        break;
      case '05':
        fact.closed += n;
        break;
    }
  }
  if (occupied !== undefined) fact.occupied = occupied;
  return fact;
}

/** Occupied beds of a zone: as declared (TRE_R330 03), else installed − available − closed (never below 0). */
export function occupiedBeds(z: ZoneFact): number {
  return z.occupied ?? Math.max(0, z.installed - z.available - z.closed);
}
