/**
 * GET /$sync-runs: the referential sync runs, newest first, as a searchset Bundle of the AuditEvents that record
 * them (each carries its JSON report: counts, duration, rejected lines). Registers itself on import.
 * `_count` and paging as for any search.
 */
import { registerOperation } from '../fhir/operations';
import { searchInteraction } from '../fhir/interactions/search';
import { SYNC_RUN_SUBTYPE } from './report';

registerOperation({
  name: 'sync-runs',
  definition: 'https://ror-fhir-server.example.org/fhir/OperationDefinition/sync-runs',
  levels: ['system'],
  methods: ['GET'],
  run: async (ctx, call) => {
    const passthrough = call.req.query.filter(([k]) => k === '_count' || k === '_cursor' || k === '_summary' || k === '_elements');
    const bundle = await searchInteraction(
      call.reader,
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
});
