/**
 * GET /$sync-runs: the referential sync runs, newest first, as a searchset Bundle of the AuditEvents that record
 * them (each carries its JSON report: counts, duration, rejected lines). `_count` and paging as for any search.
 */
import type { OperationDefinitionSummary } from '../fhir/operations';
import { searchInteraction } from '../fhir/interactions/search';
import { SERVER_CANONICAL_BASE } from '../canonical';
import { SYNC_RUN_SUBTYPE } from './report';

export function syncRunsOperation(): OperationDefinitionSummary {
  return {
    name: 'sync-runs',
    definition: `${SERVER_CANONICAL_BASE}/OperationDefinition/sync-runs`,
    levels: ['system'],
    methods: ['GET'],
    run: async (ctx, call) => {
      const passthrough = call.req.query.filter(([k]) => k === '_count' || k === '_cursor' || k === '_summary' || k === '_elements');
      const bundle = await searchInteraction(
        call.reader,
        ctx.kernel,
        {
          resourceTypes: ['AuditEvent'],
          params: [['subtype', `${SYNC_RUN_SUBTYPE.system}|${SYNC_RUN_SUBTYPE.code}`], ['_sort', '-date'], ...passthrough],
          baseUrl: ctx.baseUrl,
          strict: false,
        },
        ctx.limits,
      );
      return { status: 200, resource: bundle };
    },
  };
}
