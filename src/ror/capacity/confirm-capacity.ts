/**
 * POST /Location/[id]/$confirm-capacity — "nothing has changed": the person in charge of a bed zone confirms that
 * its figures are still right, without typing them again. Every capacity entry of the Location keeps its figures
 * and gets the server's time as capacityUpdateDate, and 01 (saisie manuelle) as capacitySourceType (like
 * $set-capacity, the source describes this write: a person vouched for the figures). One new version, through the
 * normal update path (hooks, validation, the caller's rights, search and offer indexes, notifications), in one
 * transaction with the read; `If-Match` makes it conditional on the version the caller saw (412 otherwise), so a
 * person never confirms figures someone else changed meanwhile without seeing them.
 *
 * Body: none, or a Parameters without parameters. Answers 200 with the Location (ETag); 404/410 for a missing or
 * deleted Location, 412 for a stale If-Match, 422 when the Location has no capacity entry to confirm.
 */
import type { Location, Parameters } from '@medplum/fhirtypes';
import { badRequest, gone, notFound, unprocessable } from '../../errors';
import { update } from '../../fhir/interactions/update';
import type { OperationDefinitionSummary } from '../../fhir/operations';
import { checkIfMatch } from '../../fhir/versioning';
import type { CapacityConfig } from './config';
import { capacityEntries, capacityExtension } from './model';
import { manualDefaults, OPERATION_BASE } from './set-capacity';

/** The Location with every capacity entry dated `date` and typed as a manual entry; figures untouched. */
export function confirmCapacity(location: Location, date: string, sourceType: string): Location {
  const entries = capacityEntries(location);
  if (!entries.length) throw unprocessable(`Location/${location.id} has no capacity entry to confirm`);
  const extension = [...(location.extension ?? [])];
  for (const e of entries) {
    extension[e.index] = capacityExtension({ ...e.record, capacityUpdateDate: date, capacitySourceType: sourceType }, e.extension);
  }
  return { ...location, extension };
}

export function confirmCapacityOperation(config: CapacityConfig): OperationDefinitionSummary {
  return {
    name: 'confirm-capacity',
    definition: `${OPERATION_BASE}/Location-confirm-capacity`,
    levels: ['instance'],
    resourceTypes: ['Location'],
    methods: ['POST'],
    run: async (_ctx, call) => {
      const body = call.req.body;
      if (body) {
        const params = body.kind === 'resource' ? (body.value as Parameters) : undefined;
        if (params?.resourceType !== 'Parameters' || (params.parameter?.length ?? 0) > 0) {
          throw badRequest('$confirm-capacity takes no parameters: send no body (or an empty Parameters)');
        }
      }
      const id = call.id!;
      const ifMatch = call.req.headers.ifMatch;
      const outcome = await call.write(async (tx) => {
        const current = await tx.read('Location', id);
        if (!current) throw notFound(`Location/${id} does not exist`);
        if (current.deleted) throw gone(`Location/${id} was deleted`);
        checkIfMatch(ifMatch, current);
        const defaults = manualDefaults(config);
        const next = confirmCapacity(JSON.parse(current.json) as Location, defaults.capacityUpdateDate, defaults.capacitySourceType);
        return update(tx, 'Location', id, next, { ifMatch });
      });
      return { status: 200, version: outcome.version };
    },
  };
}
