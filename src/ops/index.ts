/**
 * Operations: the Prometheus metrics (./metrics.ts, served by ./metrics-endpoint.ts, requests counted by
 * ./http-metrics.ts) and the backup of the embedded store (./backup.ts, `npm run backup` / `npm run restore`).
 */
export { ServerMetrics, CONSUMERS, type MetricSources } from './metrics';
export { requestMetrics } from './http-metrics';
export { metricsRouter, metricsAllowList, METRICS_PATH } from './metrics-endpoint';
export { lastSyncSuccess } from './sync-status';
export { interactionLabel, statusClass } from './interaction';
