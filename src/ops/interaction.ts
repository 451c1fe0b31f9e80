/**
 * The label of a request in the metrics: the FHIR interaction the route table matched (read, vread, search-type,
 * create, update, patch, delete, history-*, capabilities, batch, transaction, `$name` of a known operation), or
 * the area of a non-FHIR path (offer search, sign-in, the web application, probes). Labels come from finite sets —
 * route patterns, registered operation names, fixed areas — never from the raw URL, so the number of series stays
 * bounded whatever clients send.
 */

/** What the HTTP layer noted of a FHIR request (res.locals.fhirRoute, src/http/app.ts). */
export interface RouteNote {
  pattern?: string;
  operation?: string;
  bundleType?: string;
}

/** FHIR interactions by `<method> <pattern>` (https://hl7.org/fhir/R4/http.html). */
const BY_ROUTE: Record<string, string> = {
  'GET metadata': 'capabilities',
  'GET ': 'search-system',
  'GET :type': 'search-type',
  'POST :type/_search': 'search-type',
  'POST _search': 'search-system',
  'GET :type/:id': 'read',
  'GET :type/:id/_history/:vid': 'vread',
  'GET _history': 'history-system',
  'GET :type/_history': 'history-type',
  'GET :type/:id/_history': 'history-instance',
  'POST :type': 'create',
  'PUT :type/:id': 'update',
  'PUT :type': 'update-conditional',
  'PATCH :type/:id': 'patch',
  'PATCH :type': 'patch-conditional',
  'DELETE :type/:id': 'delete',
  'DELETE :type': 'delete-conditional',
};

/** First path segments of the server's other areas. */
const AREAS = new Set(['offer', 'auth', 'ui', 'healthz', 'readyz', 'metrics', '.well-known']);
/** Offer search's endpoints (src/offer/http.ts, dashboard.ts). */
const OFFER = new Set(['search', 'facets', 'suggest', 'dashboard']);

export function interactionLabel(method: string, path: string, note: RouteNote | undefined, knownOperations: ReadonlySet<string>): string {
  const m = method === 'HEAD' ? 'GET' : method;
  if (note?.pattern !== undefined) {
    if (note.operation !== undefined) return knownOperations.has(note.operation) ? `$${note.operation}` : 'operation-unknown';
    if (m === 'POST' && note.pattern === '') return note.bundleType === 'batch' || note.bundleType === 'transaction' ? note.bundleType : 'batch-invalid';
    return BY_ROUTE[`${m} ${note.pattern}`] ?? 'fhir-other';
  }
  const [, first = '', second = ''] = path.split('/');
  if (first === '') return m === 'GET' ? 'root' : 'other';
  if (first === 'offer' && OFFER.has(second)) return `offer-${second}`;
  if (AREAS.has(first)) return first;
  // An operation served by a router of its own (/MeasureReport/[id]/$csv, /Measure/[id]/$series).
  const op = /\/\$([A-Za-z][A-Za-z0-9-]*)$/.exec(path)?.[1];
  if (op !== undefined && knownOperations.has(op)) return `$${op}`;
  return 'other';
}

/** `2xx` … `5xx`. */
export function statusClass(status: number): string {
  return `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;
}
