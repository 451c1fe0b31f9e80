/**
 * Composition root: configuration → kernel (SearchParameter registry, indexer, validator, write hooks, notifiers,
 * policy) → operations and routes → store → HTTP app → background work (subscription delivery, the nightly sync).
 * Everything is an instance built here and handed down; nothing below registers itself into a module global.
 *
 * `npm start` runs `main()`: serve, and shut down gracefully on SIGTERM/SIGINT (stop accepting, let in-flight
 * requests finish, close the store). The CLIs (scripts/) and the tests build the same kernel and server through
 * `composeKernel` and `composeServer`, so they run exactly what production runs.
 */
import http from 'node:http';
import path from 'node:path';
import type { Express } from 'express';
import type { SearchParameter } from '@medplum/fhirtypes';
import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { loadDefinitions } from './definitions';
import { loadSearchParameterFiles, SearchParamRegistry } from './indexing/registry';
import { Kernel } from './kernel/kernel';
import { systemActor } from './kernel/actor';
import type { WritePolicy } from './kernel/policy';
import { Validator } from './fhir/validation';
import { Terminology } from './terminology/terminology';
import { OperationRegistry, validateOperation } from './fhir/operations';
import { Capabilities, type CapabilityInputs } from './fhir/interactions/capabilities';
import { capabilitySecurity } from './security/capability';
import { fhirRoutes } from './fhir/routes';
import { requestContext, type FhirServices } from './fhir/context';
import { readRorConformance } from './ror/profiles';
import { installCapacityFeatures, type CapacityConfig } from './ror/capacity';
import { loadCapacityConfig } from './ror/capacity/config';
import { startSyncScheduler, syncRunsOperation, type SyncScheduler } from './sync';
import { startFederationScheduler, type FederationScheduler } from './federation';
import type { SyncConfig } from './sync/config';
import { loadSubscriptionConfig, Subscriptions, type SubscriptionConfig, type SubscriptionDelivery } from './subscriptions';
import type { DeliveryOptions } from './subscriptions/delivery';
import { createApp, type AppDeps } from './http/app';
import { hardening } from './http/hardening';
import { SqliteStore } from './store/sqlite/sqlite-store';
import type { ResourceStore } from './store/store';
import { MongoStore, type MongoStoreOptions } from './store/mongo/mongo-store';
import { mongoOptionsFromEnv } from './store/mongo/from-env';
import { loadDemoDataIfEmpty, type DemoLoadResult } from './demo/load-demo';
import type { Actor } from './kernel/actor';
import { RorAccessControl } from './security/access';
import { AuditTrail } from './security/audit';
import { noAudit, type AuditSink } from './security/audit-sink';
import { authenticate } from './security/authenticate';
import { externalIssuer, type TokenIssuer } from './security/bearer';
import { loadSecurityConfig, type SecurityConfig } from './security/config';
import { SessionCookies } from './security/sessions';
import { sessionEndpoint, type SignInMethods } from './security/session-endpoint';
import { DEMO_MOUNT_PATH, demoAccountsEnabled, demoSignIn } from './security/demo-accounts';
import { uiRouter } from './ui/serve';
import { frenchPlaces } from './offer/places';
import { installQualityTasks, qualityConfigOf, QualityWorker, type QualityConfig } from './quality/tasks';
import { offerNotifier, OfferIndexer } from './offer/freshness';
import { terminologyLabels } from './offer/document';
import { dashboardRouter } from './offer/dashboard';
import { offerRouter } from './offer/http';
import { OfferSearchThreads, type SearchThreadsOptions } from './offer/search-threads/pool';
import { offerTextMatcher } from './offer/fhir-text';
import type { OfferIndex } from './store/offer-index';
import { SqliteOfferIndex } from './store/sqlite/offer-index';
import { ElasticOfferIndex } from './store/elastic/offer-index';
import { offerEngineFromEnv } from './store/elastic/config';
import { rebuildIfNeeded } from './offer/rebuild';
import type { Env } from './env';
import { RorWritePolicy } from './security/write-policy';
import type { SignInDeps } from './security/sign-in';
import { OIDC_MOUNT_PATH, oidcConfigFromEnv, oidcSignIn } from './security/oidc';
import { SAML_MOUNT_PATH, samlConfigFromEnv, samlSignIn, storedAssertions } from './security/saml';
import { installMeasureDefinitions, installMeasureFeatures, measuresRouter, startMeasuresScheduler, type MeasuresConfig, type MeasuresScheduler } from './quality/measures';
import { BULK_DATA_CAPABILITY, BulkExports, bulkExportRouter, exportOperation, loadBulkExportConfig, type BulkExportOptions } from './bulk';
import { authRouter, builtInIssuer, clientPrincipal, defaultScopes, loadTokenConfig, SigningKeys } from './security/clients';
import { lastSyncSuccess, metricsAllowList, metricsRouter, requestMetrics, ServerMetrics } from './ops';

export interface KernelSettings {
  logger?: Logger;
  /** SearchParameters besides the R4 base ones; default: fhir-profiles/search-parameters (the ROR ones). */
  searchParameters?: SearchParameter[];
  capacity?: CapacityConfig;
  subscriptions?: SubscriptionConfig;
  /** Who may write what (default: the ROR's rules, src/security/write-policy.ts). */
  policy?: WritePolicy;
  /** Where the policy reports refusals, and the auditor of writes (default: refusals are not recorded). */
  audit?: AuditTrail;
  /** Data-quality settings (default: from ROR_QUALITY_*, src/quality/tasks/config.ts). */
  quality?: QualityConfig;
  /** Queue every change for the data-quality rules (default true; false only for the benchmark's baseline). */
  qualityRules?: boolean;
}

/** The realm of this server's `WWW-Authenticate` challenges. */
export const REALM = 'ror';

/** The kernel with everything the server plugs into it, and the operations it serves. */
export interface ComposedKernel {
  kernel: Kernel<Validator>;
  operations: OperationRegistry;
  subscriptions: Subscriptions;
  quality: QualityConfig;
  /** The ROR server CapabilityStatement this server instantiates, when the profiles name one. */
  instantiates: string[];
}

/**
 * The kernel as every process builds it (server, `npm run sync`, tests): the R4 definitions and the ROR profiles,
 * the registry, the validator, the capacity rules, the subscription hook and notifier, the operations.
 */
export function composeKernel(settings: KernelSettings = {}): ComposedKernel {
  loadDefinitions();
  const ror = readRorConformance();
  const registry = new SearchParamRegistry(settings.searchParameters ?? loadSearchParameterFiles());
  // The R4 base value sets and the ANS nomenclatures the ROR profiles bind to.
  const terminology = new Terminology({ resources: ror.terminology });
  const validator = new Validator({ terminology, profiles: ror.definitions });
  const audit: AuditSink = settings.audit ?? noAudit;
  const policy = settings.policy ?? new RorWritePolicy(REALM, audit);
  const kernel = new Kernel({ registry, terminology, validator, policy, auditor: settings.audit });
  const operations = new OperationRegistry();
  operations.register(validateOperation());
  const capacity = settings.capacity ?? loadCapacityConfig();
  installCapacityFeatures(kernel, operations, capacity);
  operations.register(syncRunsOperation());
  // Indicators: $evaluate-measure on the shipped Measures (src/quality/measures).
  installMeasureFeatures(operations, { label: (system, code) => terminology.display(system, code) });
  const subscriptions = new Subscriptions(kernel, settings.subscriptions ?? loadSubscriptionConfig(), settings.logger);
  subscriptions.install();
  // Units, bed zones and establishments that change are queued for the offer index (src/offer/freshness.ts).
  kernel.addNotifier(offerNotifier());
  // Data quality: every change of the offer is queued for the rules (quality:), and tasks are worked by operations.
  const quality = settings.quality ?? qualityConfigOf(kernel, capacity);
  if (settings.qualityRules !== false) installQualityTasks(kernel, operations, quality);
  return { kernel, operations, subscriptions, quality, instantiates: ror.instantiates ? [ror.instantiates] : [] };
}

export interface ServerSettings extends KernelSettings {
  config: Config;
  logger: Logger;
  /** Start the subscription deliverer and the nightly sync scheduler (default true). */
  background?: boolean;
  /** Delivery test seams (clock, jitter, HTTP client). */
  delivery?: Pick<DeliveryOptions, 'now' | 'random' | 'fetch'>;
  /** Sync settings of the scheduler (default: from ROR_SYNC_*). */
  sync?: SyncConfig;
  /** Security settings (default: from the environment, src/security/config.ts). */
  security?: SecurityConfig;
  /** Trace every write with an AuditEvent (default true). */
  auditWrites?: boolean;
  /** The actor of requests without credential (default anonymous; tests of other features use an administrator). */
  unauthenticatedActor?: Actor;
  /** Demo accounts on or off (default: ROR_DEMO_ACCOUNTS, see src/security/demo-accounts.ts). */
  demoAccounts?: boolean;
  /** Write the shipped Measures into the store at start (default true; tests of other features start empty). */
  measureDefinitions?: boolean;
  /** Where the built web application is (default dist/ui of this installation). */
  uiDir?: string;
  /** Nightly indicators (default: ROR_MEASURES_CRON, unset: none). */
  measures?: MeasuresConfig;
  /** Who may read GET /metrics besides administrators: addresses and CIDR blocks (default: ROR_METRICS_ALLOW). */
  metricsAllow?: string;
  /** Bulk export settings (default: ROR_EXPORT_*, src/bulk/config.ts; tests set the clock and the settle margin). */
  bulk?: Partial<Omit<BulkExportOptions, 'services' | 'dataDir' | 'logger'>>;
}

/** `mongo`: the MongoDB store instead of the data directory's SQLite one (`npm start`: from MONGODB_URI). */
type MongoSettings = { mongo: MongoStoreOptions | undefined };

/** `S`: the SQLite store of the data directory, unless the settings name a MongoDB one. */
export interface ComposedServer<S extends ResourceStore = SqliteStore> extends ComposedKernel {
  store: S;
  offerIndex: OfferIndex;
  offer: OfferIndexer;
  /** The data-quality rules' worker: judges queued changes into RORTasks, sweeps stale capacity. */
  qualityWorker: QualityWorker;
  audit: AuditTrail;
  sessions: SessionCookies;
  security: SecurityConfig;
  services: FhirServices;
  app: Express;
  delivery?: SubscriptionDelivery;
  scheduler?: SyncScheduler;
  /** Federation from other ROR servers (ROR_FEDERATION_SOURCES; none: nothing scheduled). */
  federation?: FederationScheduler;
  measuresScheduler?: MeasuresScheduler;
  /** Resolves when the shipped Measures are in the store (ids written anew). */
  measuresReady: Promise<string[]>;
  /** Bulk `$export` jobs (src/bulk). */
  exports: BulkExports;
  /** Loads the demo region into an empty store (as `system:demo`), when the configuration asks for it. */
  loadDemoData(): Promise<DemoLoadResult | undefined>;
  /** The Prometheus metrics served at GET /metrics (src/ops/metrics.ts). */
  metrics: ServerMetrics;
  /** Stops the background work and closes the store. */
  close(): Promise<void>;
}

/**
 * The offer index (also opened by `npm run reindex-offer`): on OpenSearch or Elasticsearch when `OPENSEARCH_URL` or
 * `ELASTICSEARCH_URL` is set (README "Scaling out"), else the embedded one of the data directory.
 */
export function openOfferIndex(config: Pick<Config, 'dataDir'>, env: Env = process.env): OfferIndex {
  const engine = offerEngineFromEnv(env);
  if (engine) return new ElasticOfferIndex(engine);
  return new SqliteOfferIndex({ dataDir: config.dataDir });
}

/**
 * The search threads of the embedded offer index (ROR_OFFER_SEARCH_THREADS, src/offer/search-threads), started; none
 * when the setting is 0 or the offer index is an external engine (which answers concurrent searches itself).
 */
function offerSearchThreads(
  config: Pick<Config, 'offerSearchThreads'>,
  index: OfferIndex,
  options: Pick<SearchThreadsOptions, 'logger' | 'fallback'>,
): OfferSearchThreads | undefined {
  if (config.offerSearchThreads === 0) return undefined;
  if (!(index instanceof SqliteOfferIndex) || !index.file) {
    options.logger.warn('ROR_OFFER_SEARCH_THREADS applies to the embedded offer index only: not used');
    return undefined;
  }
  // The thread's own composition root, beside this one (TypeScript under `npm start`, JavaScript once compiled).
  const entry = path.join(__dirname, `offer-search-thread${path.extname(__filename)}`);
  const threads = new OfferSearchThreads({ ...options, index, entry, threads: config.offerSearchThreads });
  threads.start();
  return threads;
}

/** The services of the FHIR layer on a store: the kernel, the operations, the route table, the capabilities. */
export function fhirServices(
  composed: ComposedKernel,
  store: ResourceStore,
  config: Pick<Config, 'baseUrl' | 'defaultCount' | 'maxCount'> & Partial<Pick<Config, 'search'>>,
  access: FhirServices['access'] = new RorAccessControl(composed.kernel.hooks, { publicReads: true, publicAccessProfile: 0, realm: REALM }, noAudit),
  security: CapabilityInputs['security'] = capabilitySecurity({ cors: false }),
): FhirServices {
  const { kernel, operations, instantiates } = composed;
  return {
    access,
    kernel,
    store,
    baseUrl: config.baseUrl,
    limits: { defaultCount: config.defaultCount, maxCount: config.maxCount, search: config.search },
    operations,
    routes: fhirRoutes(),
    capabilities: new Capabilities({ registry: kernel.registry, operations, profiles: () => kernel.validator.resourceProfiles(), instantiates, security }),
  };
}

export function composeServer(settings: ServerSettings & MongoSettings): ComposedServer<ResourceStore>;
export function composeServer(settings: ServerSettings): ComposedServer;
export function composeServer(settings: ServerSettings & Partial<MongoSettings>): ComposedServer<ResourceStore> {
  const { config, logger } = settings;
  const security = settings.security ?? loadSecurityConfig(process.env, config.dataDir, config.baseUrl);
  const audit = new AuditTrail({ logger, readSample: security.auditReadSample });
  const composed = composeKernel({ ...settings, audit: settings.auditWrites === false ? undefined : audit });
  const { kernel, subscriptions, operations } = composed;
  // Metrics: the store's and the offer index's ports timed, the outbox backlogs and the last sync read per scrape.
  const metrics = new ServerMetrics();
  const store: ResourceStore = metrics.timeStore(
    settings.mongo
      ? new MongoStore(settings.mongo, kernel.indexer)
      : new SqliteStore({ dataDir: config.dataDir, onBackgroundError: (message) => logger.warn({ message }, 'background WAL checkpoint failed') }, kernel.indexer),
  );
  metrics.watch({ store, lastSyncSuccess: lastSyncSuccess(store, kernel) });
  audit.attach(kernel, store);
  const openedOfferIndex = openOfferIndex(config);
  const offerIndex = metrics.timeOfferIndex(openedOfferIndex);
  const capacityConfig = settings.capacity ?? loadCapacityConfig();
  const offerThreads = offerSearchThreads(config, openedOfferIndex, { logger, fallback: { index: offerIndex, staleHours: capacityConfig.staleHours } });
  if (offerThreads) metrics.watchOfferSearchThreads(offerThreads);
  const offer = new OfferIndexer({ store, index: offerIndex, labels: terminologyLabels(kernel.terminology), logger });
  const access = new RorAccessControl(kernel.hooks, { publicReads: security.publicReads, publicAccessProfile: security.publicAccessProfile, realm: REALM }, audit);
  // `HealthcareService?_text=` / `_content=` are answered from the offer index (it follows writes within ~200 ms).
  const services: FhirServices = {
    ...fhirServices({ ...composed, instantiates: [...composed.instantiates, BULK_DATA_CAPABILITY] }, store, config, access, capabilitySecurity({ cors: config.corsOrigins.length > 0 })),
    textMatcher: offerTextMatcher(offerIndex),
  };
  // Bulk $export: jobs in the store, NDJSON files under <dataDir>/exports, unfinished jobs taken up again at start.
  const bulkExports = new BulkExports({ ...loadBulkExportConfig(), ...settings.bulk, services, dataDir: config.dataDir, logger });
  composed.operations.register(exportOperation(bulkExports));
  const sessions = new SessionCookies({ secret: security.sessionSecret });
  // This server's token endpoint (clients registered with `npm run clients`) and, when configured, the region's IdP.
  const tokens = loadTokenConfig();
  const keys = new SigningKeys(store.auth, { alg: tokens.signingAlg, tokenTtlSeconds: tokens.tokenTtlSeconds });
  const own = builtInIssuer(keys, store.auth, config.baseUrl);
  const issuers: TokenIssuer[] = [{ issuer: own.issuer, verify: async (token, address) => ({ ...(await own.verify(token)), address }) }];
  if (security.externalIssuer) issuers.push(externalIssuer(security.externalIssuer));
  const trusted = security.trustedProxies.length > 0;
  const signIn: SignInDeps = { sessions, audit, logger, baseUrl: config.baseUrl, secureCookies: config.baseUrl.startsWith('https:') };
  const oidc = oidcConfigFromEnv(process.env);
  const saml = samlConfigFromEnv(process.env, config.baseUrl);
  const demoAccounts = settings.demoAccounts ?? demoAccountsEnabled(process.env, config.demoData, Boolean(oidc || saml));
  if (demoAccounts) logger.warn('demo accounts are on (ROR_DEMO_ACCOUNTS): anyone who reaches this server may sign in as any of them');
  const methods: SignInMethods = {
    saml: saml ? `${SAML_MOUNT_PATH}/login` : undefined,
    oidc: oidc ? `${OIDC_MOUNT_PATH}/login` : undefined,
    demo: demoAccounts ? `${DEMO_MOUNT_PATH}/accounts` : undefined,
  };
  const routers: AppDeps['routers'] = [
    { path: '/', handler: uiRouter(settings.uiDir) },
    { path: '/', handler: authRouter({ store: store.auth, keys, audit, baseUrl: config.baseUrl, tokenTtlSeconds: tokens.tokenTtlSeconds, logger }) },
    { path: '/', handler: sessionEndpoint(sessions, { methods, secureCookies: signIn.secureCookies }) },
  ];
  if (oidc) routers.push({ path: OIDC_MOUNT_PATH, handler: oidcSignIn(oidc, signIn) });
  if (saml) routers.push({ path: SAML_MOUNT_PATH, handler: samlSignIn(saml, signIn, storedAssertions(store.auth)) });
  if (demoAccounts) routers.push({ path: DEMO_MOUNT_PATH, handler: demoSignIn(signIn) });
  const background = settings.background ?? true;
  const delivery = background ? subscriptions.startDelivery(store, { logger, ...settings.delivery, onOutcome: (o) => metrics.deliveries.inc({ outcome: o }) }) : undefined;
  // The events of writes wait in the outbox until the audit trail stores them (tests flush it themselves).
  if (background) audit.start();
  // The offer index follows the writes within a fraction of a second; a new or outdated index file is rebuilt.
  if (background) {
    offer.start();
    rebuildIfNeeded(offerIndex, { store, labels: terminologyLabels(kernel.terminology), logger }, () => offer.reindex()).catch((err: unknown) =>
      logger.error({ err }, 'the offer index could not be rebuilt; run npm run reindex-offer'),
    );
  }
  // Data-quality tasks follow the writes (drained every second) and the clock (staleness sweep).
  const qualityWorker = new QualityWorker({ store, kernel, config: composed.quality, logger });
  if (background && composed.quality.enabled) qualityWorker.start();
  // Runs nothing until ROR_SYNC_* names a source.
  const scheduler = background ? startSyncScheduler({ store, kernel, logger, config: settings.sync, onRun: (outcome, ms) => metrics.observeSyncRun(outcome, ms) }) : undefined;
  const federation = background ? startFederationScheduler({ store, kernel, logger }) : undefined;
  // Indicators: the shipped Measures written (unchanged ones left alone), the nightly run when ROR_MEASURES_CRON is set.
  const label = (system: string, code: string) => kernel.terminology.display(system, code);
  const measuresReady =
    settings.measureDefinitions === false
      ? Promise.resolve([])
      : installMeasureDefinitions(kernel, store).catch((err: unknown) => {
          logger.error({ err }, 'the indicator definitions could not be written; $evaluate-measure answers 404 until they are');
          return [];
        });
  if (background) bulkExports.start().catch((err: unknown) => logger.error({ err }, 'unfinished exports could not be taken up again'));
  const measuresScheduler = background ? startMeasuresScheduler({ store, kernel, label, logger, config: settings.measures }) : undefined;
  const app = createApp(services, {
    logger,
    observe: requestMetrics(metrics, operations),
    maxBodyBytes: config.maxBodyBytes,
    trustProxy: security.trustedProxies,
    hardening: hardening(config),
    audit,
    routers,
    apiRouters: [
      metricsRouter(metrics, metricsAllowList({ ROR_METRICS_ALLOW: settings.metricsAllow ?? process.env.ROR_METRICS_ALLOW })),
      offerRouter({ index: offerIndex, staleHours: capacityConfig.staleHours, publicProfile: security.publicAccessProfile, threads: offerThreads }),
      dashboardRouter({ index: offerIndex, staleHours: capacityConfig.staleHours, publicProfile: security.publicAccessProfile }),
      measuresRouter(services),
      bulkExportRouter(bulkExports, REALM),
    ],
    authenticate: authenticate({
      realm: REALM,
      bootstrapToken: security.bootstrapToken,
      issuers,
      sessions,
      mtls: security.mtlsHeader
        ? {
            header: security.mtlsHeader,
            lookup: async (subject, address) => {
              const client = await store.auth.clientByMtlsSubject(subject);
              return client && !client.revokedAt ? clientPrincipal(client, client.scopes ?? defaultScopes(client.role), 'mtls', address) : undefined;
            },
          }
        : undefined,
      fromTrustedProxy: (req) => trusted && req.app.get('trust proxy fn')(req.socket.remoteAddress ?? '', 0) === true,
      audit,
      anonymous: settings.unauthenticatedActor,
    }),
  });
  return {
    ...composed,
    store,
    offerIndex,
    offer,
    qualityWorker,
    audit,
    sessions,
    security,
    services,
    app,
    delivery,
    scheduler,
    federation,
    measuresScheduler,
    measuresReady,
    metrics,
    exports: bulkExports,
    loadDemoData: async () => {
      if (!config.demoData) return undefined;
      // A broken demo bundle must not keep the server from starting: the transaction left the store empty.
      return loadDemoDataIfEmpty(requestContext(services, systemActor('demo')), logger).catch((err) => {
        logger.error({ err }, 'demo data could not be loaded; starting with an empty store');
        return undefined;
      });
    },
    async close() {
      await scheduler?.stop();
      await federation?.stop();
      await measuresScheduler?.stop();
      await bulkExports.stop();
      await measuresReady;
      await delivery?.stop();
      await offer.stop();
      await qualityWorker.stop();
      await offerThreads?.close();
      await offerIndex.close();
      await audit.close();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const composed = composeServer({ config, logger, mongo: mongoOptionsFromEnv(process.env) });
  // The first validation builds the validator's caches (about a second): pay it now, not on the first request.
  composed.kernel.validator.outcome({ resourceType: 'Organization', name: 'warm-up' });
  // The table of France's places that offer search reads queries with (about 0.3 s): now, not on the first search.
  frenchPlaces();
  await composed.measuresReady;
  await composed.loadDemoData();
  const server = http.createServer(composed.app);
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
      await composed.close();
      logger.info('store closed, bye');
      logger.flush(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    // Configuration errors happen before the logger exists: plain stderr, read by a person.
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
