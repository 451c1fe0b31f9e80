/**
 * Federation: importing another ROR server's offer (a region's, the national ROR's) into this store with the
 * referential sync's rules. README "Federation".
 */
export { startFederationScheduler, type FederationScheduler, type FederationSchedulerDeps } from './scheduler';
export { runFederation, type FederationRunOptions, type FederationRunReport } from './run';
export { loadFederationConfig, normaliseSource, DEFAULT_TYPES, type FederationConfig, type FederationSource } from './config';
export { FEDERATION_ACTOR, type FederationSourceReport } from './reconcile';
