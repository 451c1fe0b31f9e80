/**
 * Units and their beds: a unit without any bed zone; a bed zone (a Location some unit points to) whose capacity
 * was never entered, or not updated within ROR_CAPACITY_STALE_HOURS; capacity that cannot be right (more free
 * or occupied beds than installed ones, a negative count, an entry that breaks the ROR's rules: the entry checks
 * of src/ror/capacity/check.ts, a closing type on beds that are not closed, an additional-bed type on beds that
 * are not additional).
 */
import type { HealthcareService, Location } from '@medplum/fhirtypes';
import { checkCapacityEntry } from '../../ror/capacity/check';
import { latestCapacityUpdate } from '../../ror/capacity/hooks';
import { capacityEntries, describeRecord, type CapacityRecord } from '../../ror/capacity/model';
import type { Rule } from './types';

const label = (l: Location) => l.name ?? `Location/${l.id}`;
const isBedZone = (units: number | undefined) => (units ?? 0) > 0;

export const UNIT_NO_BED_ZONE: Rule<HealthcareService> = {
  id: 'hs-no-bed-zone',
  type: 'HealthcareService',
  theme: '01',
  action: 'AJO',
  check: ({ resource, locations }) => {
    if (resource.active === false || (locations ?? []).length > 0) return [];
    return [{ path: 'HealthcareService.location', description: `L'unité « ${resource.name ?? resource.id} » n'a aucune zone d'hébergement (lits ou places) décrite.` }];
  },
};

export const CAPACITY_NEVER_ENTERED: Rule<Location> = {
  id: 'loc-capacity-never',
  type: 'Location',
  theme: '01',
  action: 'AJO',
  check: ({ resource, units }) => {
    if (resource.status === 'inactive' || !isBedZone(units) || capacityEntries(resource).length > 0) return [];
    return [{ path: 'Location.extension', description: `Aucune capacité (lits, places) n'a jamais été saisie pour « ${label(resource)} ».` }];
  },
};

export const CAPACITY_STALE: Rule<Location> = {
  id: 'loc-capacity-stale',
  type: 'Location',
  theme: '04',
  action: 'COR',
  check: ({ resource, units, now, staleHours }) => {
    if (resource.status === 'inactive' || !isBedZone(units) || capacityEntries(resource).length === 0) return [];
    const latest = latestCapacityUpdate(resource);
    if (latest !== undefined && latest >= now.getTime() - staleHours * 3_600_000) return [];
    const declared = latest === undefined ? undefined : new Date(latest).toISOString();
    return [
      {
        path: "Location.extension.where(url='https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity')",
        declared,
        description: `Les capacités de « ${label(resource)} » ne sont pas à jour : ${declared ? `dernière mise à jour le ${declared}` : 'aucune date de mise à jour'}, au-delà de ${staleHours} h.`,
      },
    ];
  },
};

/** The group of entries that count the same beds (type, temporality, gender), without qualifiers. */
const groupOf = (r: CapacityRecord) => [r.capacityType, r.temporalityCapacity, r.genderCapacityAvailable ?? ''].join('|');
const plain = (r: CapacityRecord) => !r.capacityClosingType && !r.additionalBedType && !r.crisisType && (r.temporaryAssignement ?? '01') === '01';

/** Why a Location's capacity is incoherent (empty: it is not). */
export function capacityIncoherences(location: Location): string[] {
  const entries = capacityEntries(location);
  const problems: string[] = [];
  for (const e of entries) {
    for (const issue of checkCapacityEntry(e.extension, `Location.extension[${e.index}]`)) problems.push(issue.message);
    const r = e.record;
    if (r.capacityClosingType && r.capacityStatus !== '05') problems.push(`${describeRecord(r)} : un type de fermeture n'a de sens que pour des lits fermés (statut 05)`);
    if (r.additionalBedType && r.capacityStatus !== '06') problems.push(`${describeRecord(r)} : un type de lit supplémentaire n'a de sens que pour des lits supplémentaires (statut 06)`);
  }
  const byGroup = new Map<string, Partial<Record<string, number>>>();
  for (const { record: r } of entries) {
    if (!plain(r) || r.nbCapacity === undefined || !r.capacityStatus) continue;
    const g = byGroup.get(groupOf(r)) ?? {};
    g[r.capacityStatus] = (g[r.capacityStatus] ?? 0) + r.nbCapacity;
    byGroup.set(groupOf(r), g);
  }
  for (const [group, n] of byGroup) {
    const installed = n['01'];
    if (installed === undefined) continue;
    const what = describeRecord({ capacityType: group.split('|')[0], temporalityCapacity: group.split('|')[1], genderCapacityAvailable: group.split('|')[2] || undefined });
    if ((n['02'] ?? 0) > installed) problems.push(`${what} : ${n['02']} disponible(s) pour ${installed} installé(s)`);
    else if ((n['02'] ?? 0) + (n['03'] ?? 0) > installed) problems.push(`${what} : ${n['02'] ?? 0} disponible(s) et ${n['03'] ?? 0} occupé(s) pour ${installed} installé(s)`);
  }
  return problems;
}

export const CAPACITY_INCOHERENT: Rule<Location> = {
  id: 'loc-capacity-incoherent',
  type: 'Location',
  theme: '03',
  action: 'COR',
  check: ({ resource }) => {
    const problems = capacityIncoherences(resource);
    if (!problems.length) return [];
    return [
      {
        path: "Location.extension.where(url='https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity')",
        declared: problems.join(' ; '),
        description: `Capacités incohérentes pour « ${label(resource)} » : ${problems.join(' ; ')}.`,
      },
    ];
  },
};
