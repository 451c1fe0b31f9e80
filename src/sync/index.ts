/**
 * Referential synchronisation (FINESS, FINESS+, RPPS): the pipeline is in run.ts (sources → reconcile → report),
 * the server wiring here: startSyncScheduler, and the $sync-runs operation.
 */
export { syncRunsOperation } from './operation';
export { startSyncScheduler } from './scheduler';
export type { SchedulerDeps, SyncScheduler } from './scheduler';
export { runSync } from './run';
export type { SourceSpecs, RunOptions } from './run';
export { loadSyncConfig } from './config';
