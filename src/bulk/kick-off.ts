/**
 * Bulk export kick-off, https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-kick-off-request:
 * `GET|POST /$export` and `GET|POST /[type]/$export`, with `Prefer: respond-async`. Answers 202 with the job's
 * status URL in `Content-Location`; the export itself runs in the background (./exporter.ts).
 *
 * Who may export: any caller with a credential (consumers, establishments, analysts, administrators), each what
 * its read view lets it search (the same types, units and elements as `GET /[type]`); anonymous callers get a 401.
 */
import { informational } from '../errors';
import type { FhirRequest, OperationDefinitionSummary } from '../fhir/context';
import type { BulkExports } from './exporter';
import { parseExportParameters } from './params';

export const EXPORT_OPERATION = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export';
/** The Bulk Data Access server CapabilityStatement this server instantiates. */
export const BULK_DATA_CAPABILITY = 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data';

export function exportOperation(jobs: BulkExports): OperationDefinitionSummary {
  return {
    name: 'export',
    definition: EXPORT_OPERATION,
    levels: ['system', 'type'],
    methods: ['GET', 'POST'],
    run: async (ctx, call) => {
      const params = parseExportParameters(call.req, call.resourceType);
      const id = await jobs.kickOff(ctx, params, requestUrl(ctx.baseUrl, call.req));
      return {
        status: 202,
        headers: { 'Content-Location': `${ctx.baseUrl}/bulk-export/${id}` },
        resource: informational(`export ${id} accepted: poll ${ctx.baseUrl}/bulk-export/${id} for its progress and manifest`),
      };
    },
  };
}

/** The kick-off URL, as the manifest's `request` repeats it. */
function requestUrl(baseUrl: string, req: FhirRequest): string {
  const path = req.path.map(encodeURIComponent).join('/').replace(/%24/g, '$');
  const query = req.query.length ? `?${new URLSearchParams(req.query).toString()}` : '';
  return `${baseUrl}/${path}${query}`;
}
