/**
 * The FHIR REST API of the server: every interaction's routes, in one table (see ./route-table.ts). The order
 * of registration is the order of the methods a 405 lists in `Allow`.
 */
import { capabilitiesRoute } from './interactions/capabilities';
import { createRoute } from './interactions/create';
import { deleteRoutes } from './interactions/delete';
import { historyRoutes } from './interactions/history';
import { patchRoutes } from './interactions/patch';
import { readRoutes } from './interactions/read';
import { searchRoutes } from './interactions/search';
import { transactionRoute } from './interactions/transaction';
import { updateRoutes } from './interactions/update';
import { operationRoutes } from './operations';
import { RouteTable } from './route-table';

export function fhirRoutes(): RouteTable {
  return new RouteTable().add(
    capabilitiesRoute,
    ...searchRoutes,
    ...historyRoutes,
    ...readRoutes,
    createRoute,
    ...updateRoutes,
    ...patchRoutes,
    ...deleteRoutes,
    transactionRoute,
    ...operationRoutes,
  );
}
