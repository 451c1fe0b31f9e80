/**
 * Composition root: read the configuration, open the store, build the HTTP app, serve, and shut down gracefully
 * on SIGTERM/SIGINT (stop accepting, let in-flight requests finish, close the store).
 */
import http from 'node:http';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { loadDefinitions } from './definitions';
import { validationOutcome } from './fhir/validation';
import { loadRorConformance } from './ror/profiles';
import { registerCapacityFeatures } from './ror/capacity';
import { startSyncScheduler } from './sync';
import { loadSubscriptionConfig, registerSubscriptionHooks, startSubscriptionDelivery } from './subscriptions';
import { createApp } from './http/app';
import { SqliteStore } from './store/sqlite/sqlite-store';
import { Indexer } from './indexing/indexer';
import { getRegistry } from './indexing/registry';
import { loadDemoDataIfEmpty } from './demo/load-demo';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  loadDefinitions();
  // The first validation builds the validator's caches (about a second): pay it now, not on the first request.
  validationOutcome({ resourceType: 'Organization', name: 'warm-up' });
  loadRorConformance();
  registerCapacityFeatures();
  const subscriptionConfig = loadSubscriptionConfig();
  registerSubscriptionHooks({ config: subscriptionConfig, logger });
  const store = new SqliteStore(
    { dataDir: config.dataDir, onBackgroundError: (message) => logger.warn({ message }, 'background WAL checkpoint failed') },
    new Indexer(getRegistry()),
  );
  const delivery = startSubscriptionDelivery({ store, logger, config: subscriptionConfig });
  // Also registers GET /$sync-runs; runs nothing until ROR_SYNC_* names a source.
  const sync = startSyncScheduler({ store, logger });
  if (config.demoData) {
    const limits = { defaultCount: config.defaultCount, maxCount: config.maxCount };
    // A broken demo bundle must not keep the server from starting: the transaction left the store empty.
    await loadDemoDataIfEmpty({ store, baseUrl: config.baseUrl, limits }, logger).catch((err) =>
      logger.error({ err }, 'demo data could not be loaded; starting with an empty store'),
    );
  }
  const app = createApp({ store, logger, ...config });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  logger.info({ port: config.port, baseUrl: config.baseUrl, dataDir: config.dataDir }, 'ROR FHIR server listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
    force.unref();
    server.close(async () => {
      await sync.stop();
      await delivery.stop();
      await store.close();
      logger.info('store closed, bye');
      logger.flush(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  // Configuration errors happen before the logger exists: plain stderr, read by a person.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
