/**
 * ROR bed capacity ("Updating bed availability"): what the server adds to plain FHIR for Locations'
 * `ror-location-supported-capacity` entries.
 * - write hook on Location: fills capacityUpdateDate, checks new/changed entries, never stores the stale tag;
 * - present hook on Location: `stale-capacity` tag (system DATA_QUALITY_SYSTEM) when capacity is older than
 *   ROR_CAPACITY_STALE_HOURS (default 24);
 * - operations: POST /Location/[id]/$set-capacity, POST /$capacity-import (CSV),
 *   GET /Location/[id]/$capacity-history.
 *
 * `registerCapacityFeatures()` is idempotent: the hooks and operations are registered once per process; a later
 * call only replaces the settings (tests use it to fix the clock or the threshold).
 */
import { registerPresentHook, registerWriteHook } from '../../fhir/hooks';
import { registerOperation } from '../../fhir/operations';
import { type CapacityConfig, loadCapacityConfig } from './config';
import { capacityImportOperation } from './csv-import';
import { capacityHistoryOperation } from './history';
import { mayPresentDifferently, prepareLocation, presentLocation } from './hooks';
import { setCapacityOperation } from './set-capacity';

export { DATA_QUALITY_SYSTEM, STALE_CAPACITY_CODE } from './hooks';
export { SUPPORTED_CAPACITY_URL, CODE_LISTS } from './codes';

let registered = false;
/** Settings read by the hooks and operations at each call (a stable object, so reconfiguring reaches them). */
const config: CapacityConfig = loadCapacityConfig();

export function registerCapacityFeatures(overrides: Partial<CapacityConfig> = {}): void {
  Object.assign(config, loadCapacityConfig(), overrides);
  if (registered) return;
  registered = true;
  registerWriteHook({ types: ['Location'], prepare: (resource, current) => prepareLocation(resource, current, config) });
  registerPresentHook({
    types: ['Location'],
    present: (resource) => presentLocation(resource, config),
    mayChange: mayPresentDifferently,
  });
  registerOperation(setCapacityOperation(config));
  registerOperation(capacityImportOperation(config));
  registerOperation(capacityHistoryOperation());
}
