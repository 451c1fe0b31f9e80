/**
 * The requests of the bed pages: an establishment's organizations (its FINESS numbers; an EJ with its ETs through
 * `partOf`), their units with their bed zones (`HealthcareService?organization=…&_include=HealthcareService:location`),
 * and the kernel's capacity operations on one zone, each conditional on the version the page holds (`If-Match`):
 * `$set-capacity` for one entry, `$confirm-capacity` for "rien n'a changé".
 */
import type { Bundle, Location, Organization } from '@medplum/fhirtypes';
import { getJson, request } from './api';
import { type CapacityRecord, organizationsOf, organizationsQuery, setCapacityParameters, type Unit, unitsOf, type Zone, zoneOf } from './beds';

export interface Establishment {
  organizations: Organization[];
  units: Unit[];
}

/** The units (and zones) of organizations, by id. */
export async function loadUnits(organizationIds: string[], signal?: AbortSignal): Promise<Unit[]> {
  if (!organizationIds.length) return [];
  const bundle = await getJson<Bundle>(
    `/HealthcareService?organization=${organizationIds.map(encodeURIComponent).join(',')}&_include=HealthcareService:location&_count=500`,
    signal,
  );
  return unitsOf(bundle);
}

/** The organizations of FINESS numbers (an EJ's ETs included) and their units. */
export async function loadEstablishment(finess: string[], signal?: AbortSignal): Promise<Establishment> {
  if (!finess.length) return { organizations: [], units: [] };
  const organizations = organizationsOf(await getJson<Bundle>(organizationsQuery(finess), signal));
  const units = await loadUnits(
    organizations.map((o) => o.id!),
    signal,
  );
  return { organizations, units };
}

export async function loadZone(id: string): Promise<Zone> {
  return zoneOf(await getJson<Location>(`/Location/${encodeURIComponent(id)}`));
}

const ifMatch = (version: string) => ({ 'If-Match': `W/"${version}"` });

/** Sets one entry of a zone; the zone as the server now has it. */
export async function setCapacity(zone: Zone, record: CapacityRecord, nb: number): Promise<Zone> {
  const res = await request<Location>(`/Location/${encodeURIComponent(zone.id)}/$set-capacity`, {
    method: 'POST',
    body: setCapacityParameters(record, nb),
    headers: ifMatch(zone.version),
  });
  return zoneOf(res.body);
}

/** "Rien n'a changé": every entry of the zone dated now, figures kept. */
export async function confirmCapacity(zone: Zone): Promise<Zone> {
  const res = await request<Location>(`/Location/${encodeURIComponent(zone.id)}/$confirm-capacity`, { method: 'POST', headers: ifMatch(zone.version) });
  return zoneOf(res.body);
}
