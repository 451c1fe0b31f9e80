/**
 * ROR bed capacity ("Updating bed availability"): what the server adds to plain FHIR for Locations'
 * `ror-location-supported-capacity` entries.
 * - write hook on Location: fills capacityUpdateDate, checks new/changed entries, never stores the stale tag;
 * - present hook on Location: `stale-capacity` tag (system DATA_QUALITY_SYSTEM) when capacity is older than
 *   ROR_CAPACITY_STALE_HOURS (default 24);
 * - operations: POST /Location/[id]/$set-capacity, POST /Location/[id]/$confirm-capacity ("nothing has
 *   changed"), POST /$capacity-import (CSV, `?_dryRun=true` to check without writing),
 *   GET /Location/[id]/$capacity-history.
 *
 * `installCapacityFeatures` adds them to a kernel and an operation registry (the composition root calls it once
 * per server; tests pass their own settings, e.g. a fixed clock or threshold).
 */
import type { Kernel } from '../../kernel/kernel';
import type { OperationRegistry } from '../../fhir/operations';
import { type CapacityConfig, loadCapacityConfig } from './config';
import { confirmCapacityOperation } from './confirm-capacity';
import { capacityImportOperation } from './csv-import';
import { capacityHistoryOperation } from './history';
import { mayPresentDifferently, prepareLocation, presentLocation } from './hooks';
import { setCapacityOperation } from './set-capacity';

export { DATA_QUALITY_SYSTEM, STALE_CAPACITY_CODE } from './hooks';
export { SUPPORTED_CAPACITY_URL, CODE_LISTS } from './codes';
export type { CapacityConfig } from './config';

export function installCapacityFeatures(kernel: Kernel, operations: OperationRegistry, config: CapacityConfig = loadCapacityConfig()): void {
  kernel.hooks.addWrite({ types: ['Location'], prepare: (resource, current) => prepareLocation(resource, current, config) });
  kernel.hooks.addPresent({
    types: ['Location'],
    present: (resource) => presentLocation(resource, config),
    mayChange: mayPresentDifferently,
  });
  operations.register(setCapacityOperation(config));
  operations.register(confirmCapacityOperation(config));
  operations.register(capacityImportOperation(config));
  operations.register(capacityHistoryOperation());
}
