/**
 * Scheduled federation inside the server, like the nightly referential sync (../sync/scheduler.ts): each source of
 * ROR_FEDERATION_SOURCES on its cron; one instance runs each occurrence (src/store/job-slots.ts), never two runs of
 * a source in this process, and only while the sync's lock is free (a federation run and a referential sync both
 * reconcile into the same resources). No source configured: nothing is scheduled.
 */
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { ResourceStore } from '../store/store';
import type { Kernel } from '../kernel/kernel';
import type { Validator } from '../fhir/validation';
import { LeaseLostError, LockBusyError, withLock } from '../sync/lock';
import { newOwner } from '../sync/lease-owner';
import { summary } from '../sync/report';
import { runSlot } from '../store/job-slots';
import { loadFederationConfig, type FederationConfig, type FederationSource } from './config';
import { runFederation } from './run';
import { sourceKey } from './state';

export interface FederationSchedulerDeps {
  store: ResourceStore;
  kernel: Kernel<Validator>;
  logger: Logger;
  /** Default: from ROR_FEDERATION_SOURCES (./config.ts). */
  config?: FederationConfig;
}

export interface FederationScheduler {
  /** Runs one configured source now (same lock); resolves when done. */
  runNow(url: string): Promise<void>;
  stop(): Promise<void>;
}

export function startFederationScheduler(deps: FederationSchedulerDeps): FederationScheduler {
  const config = deps.config ?? loadFederationConfig();
  const log = deps.logger.child({ component: 'federation' });
  if (!config.sources.length) {
    log.info('no federation source configured (ROR_FEDERATION_SOURCES): federation disabled');
    return { runNow: async () => undefined, stop: async () => undefined };
  }
  const owner = newOwner();
  const running = new Map<string, Promise<void>>();

  const runOnce = (source: FederationSource): Promise<void> => {
    const already = running.get(source.url);
    if (already) return already;
    const p = (async () => {
      try {
        const report = await withLock({ leases: deps.store.leases, ttlMs: config.lockTtlMs, owner, log: (msg) => log.warn(msg) }, (lock) =>
          runFederation({
            store: lock.fence(deps.store),
            kernel: deps.kernel,
            source,
            trigger: 'schedule',
            batchSize: config.batchSize,
            maxDeactivationShare: config.maxDeactivationShare,
            reportDir: config.reportDir,
            log: (msg) => log.info(msg),
          }),
        );
        (report.status === 'success' ? log.info.bind(log) : log.error.bind(log))({ runId: report.runId, source: source.url, totals: report.totals }, summary(report).replace(/^sync/, 'federation'));
      } catch (err) {
        if (err instanceof LockBusyError) log.info(err.message);
        else if (err instanceof LeaseLostError) log.error(err.message);
        else log.error({ err, source: source.url }, 'federation run failed');
      } finally {
        running.delete(source.url);
      }
    })();
    running.set(source.url, p);
    return p;
  };

  const tasks = config.sources.map((source) => {
    const job = `federation:${sourceKey(source.url)}`;
    const slotOptions = { leases: deps.store.leases, job, owner, ttlMs: config.lockTtlMs, warn: (msg: string) => log.warn(msg) };
    return cron.schedule(
      source.cron,
      async (context) => {
        const slot = Math.floor(context.date.getTime() / 1000) * 1000;
        try {
          const r = await runSlot(slotOptions, slot, () => runOnce(source));
          if (!r.ran) log.info({ holder: r.holder, source: source.url }, 'this occurrence of the federation is run by another instance');
        } catch (err) {
          log.error({ err }, 'the schedule of the federation could not be read from the store; this occurrence is skipped');
        }
      },
      { noOverlap: true, name: job },
    );
  });
  log.info({ sources: config.sources.map((s) => ({ url: s.url, cron: s.cron, types: s.types })) }, 'federation scheduled');
  return {
    runNow: async (url) => {
      const source = config.sources.find((s) => s.url === url.replace(/\/+$/, ''));
      if (!source) throw new Error(`${url} is not a configured federation source`);
      await runOnce(source);
    },
    async stop() {
      for (const t of tasks) await t.stop();
      await Promise.all(running.values());
    },
  };
}
