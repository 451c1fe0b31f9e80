/**
 * The map's zones: metropolitan France and the five overseas departments (DROM), each far from the others, so the
 * map shows one at a time — the one holding most of the results — and offers a button per zone with its count.
 * Pure: tested without a browser.
 */

export type ZoneId = 'metropole' | '971' | '972' | '973' | '974' | '976';

export interface Zone {
  id: ZoneId;
  label: string;
  /** [[south, west], [north, east]] */
  bounds: [[number, number], [number, number]];
}

export const ZONES: readonly Zone[] = [
  { id: 'metropole', label: 'Métropole', bounds: [[41.3, -5.2], [51.1, 9.6]] },
  { id: '971', label: 'Guadeloupe', bounds: [[15.8, -61.85], [16.55, -61.0]] },
  { id: '972', label: 'Martinique', bounds: [[14.38, -61.25], [14.9, -60.8]] },
  { id: '973', label: 'Guyane', bounds: [[2.1, -54.6], [5.8, -51.6]] },
  { id: '974', label: 'La Réunion', bounds: [[-21.4, 55.2], [-20.85, 55.85]] },
  { id: '976', label: 'Mayotte', bounds: [[-13.0, 44.95], [-12.6, 45.3]] },
];

const inside = (z: Zone, lat: number, lon: number) => lat >= z.bounds[0][0] - 0.5 && lat <= z.bounds[1][0] + 0.5 && lon >= z.bounds[0][1] - 0.5 && lon <= z.bounds[1][1] + 0.5;

/** The zone of a position (by where it is; undefined far from all of them). */
export function zoneOf(lat: number, lon: number): ZoneId | undefined {
  return ZONES.find((z) => inside(z, lat, lon))?.id;
}

/** How many points fall in each zone. */
export function countByZone(points: { lat: number; lon: number }[]): Record<ZoneId, number> {
  const counts = Object.fromEntries(ZONES.map((z) => [z.id, 0])) as Record<ZoneId, number>;
  for (const p of points) {
    const z = zoneOf(p.lat, p.lon);
    if (z) counts[z]++;
  }
  return counts;
}

/** The zone to show first: the one with the most points (metropolitan France when there are none). */
export function mainZone(points: { lat: number; lon: number }[]): ZoneId {
  const counts = countByZone(points);
  let best: ZoneId = 'metropole';
  for (const z of ZONES) if (counts[z.id] > counts[best]) best = z.id;
  return best;
}

/** The bounds of the points of a zone, padded to a minimum span so a single point is not zoomed in too far. */
export function boundsOf(points: { lat: number; lon: number }[], zone: ZoneId, minSpan = 0.2): [[number, number], [number, number]] {
  const mine = points.filter((p) => zoneOf(p.lat, p.lon) === zone);
  if (!mine.length) return ZONES.find((z) => z.id === zone)!.bounds;
  let [s, w, n, e] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of mine) {
    s = Math.min(s, p.lat);
    n = Math.max(n, p.lat);
    w = Math.min(w, p.lon);
    e = Math.max(e, p.lon);
  }
  const padLat = Math.max(0, minSpan - (n - s)) / 2;
  const padLon = Math.max(0, minSpan - (e - w)) / 2;
  return [[s - padLat, w - padLon], [n + padLat, e + padLon]];
}
