/**
 * The ROR's indicators (README "Indicators"): Measure definitions shipped with the server (./definitions),
 * `$evaluate-measure` storing MeasureReports, their CSV and time series (./http.ts), and the nightly run
 * (./nightly.ts). The composition root calls `installMeasureFeatures` on the operation registry, then
 * `installMeasureDefinitions` on the store, mounts `measuresRouter` and starts `startMeasuresScheduler`.
 */
import type { OperationRegistry } from '../../fhir/operations';
import { evaluateMeasureOperation } from './operation';
import type { MeasureDeps } from './evaluate';

export { installMeasureDefinitions, measureDefinitions, MEASURES_COMPONENT } from './definitions';
export { measuresRouter } from './http';
export { evaluateAll, loadMeasuresConfig, startMeasuresScheduler, type MeasuresScheduler, type MeasuresConfig } from './nightly';

export function installMeasureFeatures(operations: OperationRegistry, deps: Omit<MeasureDeps, 'reader' | 'search'>): void {
  operations.register(evaluateMeasureOperation(deps));
}
