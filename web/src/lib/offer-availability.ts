/**
 * What a unit's availability is, for the colours of the map and the badges of the lists: free beds now (green),
 * none (red), a figure too old to trust (amber: stale), or nothing known (grey: never entered, or the caller's
 * access profile does not show availability). Pure: tested without a browser.
 */

export type Availability = 'free' | 'full' | 'stale' | 'unknown';

/** What the search answer gives of a unit's capacity (src/offer/http.ts presentHit). */
export interface CapacitySummary {
  freeBeds?: { total: number; female: number; male: number; undetermined: number };
  installedBeds?: number;
  capacityUpdatedAt?: string;
  stale?: boolean;
}

export function availabilityOf(unit: CapacitySummary): Availability {
  if (!unit.freeBeds || !unit.capacityUpdatedAt) return 'unknown';
  if (unit.stale) return 'stale';
  return unit.freeBeds.total > 0 ? 'free' : 'full';
}

/** Colours with a 3:1 contrast against the map's background (non-text contrast), and their meaning. */
export const AVAILABILITY_STYLE: Record<Availability, { colour: string; label: string; badge: string }> = {
  free: { colour: '#18753c', label: 'Lits disponibles', badge: 'badge-ok' },
  full: { colour: '#ce0500', label: 'Aucun lit disponible', badge: 'badge-bad' },
  stale: { colour: '#b34000', label: 'Donnée périmée', badge: 'badge-warn' },
  unknown: { colour: '#666666', label: 'Disponibilité inconnue', badge: 'badge-none' },
};

export const AVAILABILITY_ORDER: Availability[] = ['free', 'full', 'stale', 'unknown'];

/** "3 lits libres (2 F, 1 H)" — the free beds by gender, in words. */
export function describeFreeBeds(free: CapacitySummary['freeBeds']): string {
  if (!free) return 'non communiqué';
  if (free.total === 0) return 'aucun lit libre';
  const parts = [
    free.female ? `${free.female} F` : '',
    free.male ? `${free.male} H` : '',
    free.undetermined ? `${free.undetermined} indifférencié${free.undetermined > 1 ? 's' : ''}` : '',
  ].filter(Boolean);
  return `${free.total} lit${free.total > 1 ? 's' : ''} libre${free.total > 1 ? 's' : ''}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
