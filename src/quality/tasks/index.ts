/**
 * Data-quality tasks (README "Data quality"): the rules (../rules) judged on every change through the kernel, their
 * discrepancies kept as RORTasks, and the operations people work them with.
 *
 * `installQualityTasks` plugs the notifier into the kernel and registers `$accept-national`, `$keep-declared`,
 * `$assign` and `$report`; the composition root then starts a `QualityWorker` on the store (drain and staleness
 * sweep). The settings are `loadQualityConfig`'s (ROR_QUALITY_REGION, ROR_QUALITY_SWEEP_MINUTES, ROR_QUALITY).
 */
import type { Kernel } from '../../kernel/kernel';
import type { OperationRegistry } from '../../fhir/operations';
import type { CapacityConfig } from '../../ror/capacity/config';
import { loadQualityConfig, type QualityConfig } from './config';
import { REGION_SYSTEM } from './codes';
import { acceptNationalOperation, assignOperation, keepDeclaredOperation, reportOperation } from './operations';
import { qualityNotifier } from './worker';

export { QualityWorker, QUALITY_QUEUE_PREFIX, QUALITY_ACTOR } from './worker';
export { QualityEngine } from './engine';
export type { QualityConfig } from './config';

/** The settings from the environment, the region's label read from the kernel's terminology (TRE_R30). */
export function qualityConfigOf(kernel: Kernel, capacity: CapacityConfig, env: NodeJS.ProcessEnv = process.env): QualityConfig {
  return loadQualityConfig(env, capacity, (code) => kernel.terminology.display(REGION_SYSTEM, code));
}

export function installQualityTasks(kernel: Kernel, operations: OperationRegistry, config: QualityConfig): void {
  kernel.addNotifier(qualityNotifier());
  operations.register(acceptNationalOperation(config));
  operations.register(keepDeclaredOperation(config));
  operations.register(assignOperation(config));
  operations.register(reportOperation(config));
}
