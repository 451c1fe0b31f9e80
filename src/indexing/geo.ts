/**
 * Distances on the Earth, shared by every place that compares positions (FHIR `near` in the store's SQL, the offer
 * index and its API): the haversine great-circle distance on the mean Earth radius (IUGG 6371.0088 km, the one
 * Elasticsearch's arc distance uses), so a radius means the same everywhere.
 */
export const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km between two positions given in degrees. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
