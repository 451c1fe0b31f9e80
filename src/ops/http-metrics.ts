/**
 * Counts and times every HTTP request (ror_http_requests_total, ror_http_request_duration_seconds) when its
 * response finishes, labelled by its FHIR interaction (./interaction.ts: from the route the table matched, noted by
 * the HTTP layer in res.locals.fhirRoute) and status class. A request whose client went away before the end of the
 * response is counted with the status it was given.
 */
import type { RequestHandler } from 'express';
import type { OperationCatalog } from '../fhir/context';
import { interactionLabel, statusClass, type RouteNote } from './interaction';
import type { ServerMetrics } from './metrics';

export function requestMetrics(metrics: ServerMetrics, operations: Pick<OperationCatalog, 'list'>): RequestHandler {
  // Operations are registered before the server starts; read once, on the first request.
  let known: ReadonlySet<string> | undefined;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      known ??= new Set(operations.list().map((o) => o.name));
      const labels = {
        interaction: interactionLabel(req.method, req.originalUrl.split('?')[0], res.locals.fhirRoute as RouteNote | undefined, known),
        status_class: statusClass(res.statusCode),
      };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
