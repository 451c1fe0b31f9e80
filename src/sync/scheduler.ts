/**
 * The nightly sync inside the server: node-cron fires on ROR_SYNC_CRON; a run starts only when this process is not
 * already running one (noOverlap) and the shared lock is free (another instance may be running it).
 */
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { ResourceStore } from '../store/store';
import type { Kernel } from '../kernel/kernel';
import type { Validator } from '../fhir/validation';
import type { SyncConfig } from './config';
import { hasSources, loadSyncConfig } from './config';
import { LeaseLostError, LockBusyError, withLock } from './lock';
import { newOwner } from './lease-owner';
import { runSync } from './run';
import { summary } from './report';

export interface SchedulerDeps {
  /** The store to synchronise; it keeps the sync state and the run lock too. */
  store: ResourceStore;
  kernel: Kernel<Validator>;
  logger: Logger;
  config?: SyncConfig;
}

export interface SyncScheduler {
  /** Runs the configured sources now (same lock); resolves when done. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startSyncScheduler(deps: SchedulerDeps): SyncScheduler {
  const config = deps.config ?? loadSyncConfig();
  const log = deps.logger.child({ component: 'sync' });
  if (!hasSources(config.sources)) {
    log.info('no referential source configured (ROR_SYNC_FINESS, ROR_SYNC_RPPS…): nightly sync disabled');
    return { runNow: async () => undefined, stop: async () => undefined };
  }
  const owner = newOwner();
  let running: Promise<void> | undefined;

  const runOnce = async () => {
    if (running) return running;
    running = (async () => {
      try {
        const lockOptions = { leases: deps.store.leases, ttlMs: config.lockTtlMs, owner, log: (msg: string) => log.warn(msg) };
        const report = await withLock(lockOptions, (lock) =>
          runSync({
            store: lock.fence(deps.store),
            kernel: deps.kernel,
            sources: config.sources,
            trigger: 'schedule',
            reportDir: config.reportDir,
            batchSize: config.batchSize,
            maxDeactivationShare: config.maxDeactivationShare,
            validateOnThread: true,
            log: (msg) => log.info(msg),
          }),
        );
        (report.status === 'success' ? log.info.bind(log) : log.error.bind(log))({ runId: report.runId, totals: report.totals }, summary(report));
      } catch (err) {
        if (err instanceof LockBusyError) log.info(err.message);
        else if (err instanceof LeaseLostError) log.error(err.message);
        else log.error({ err }, 'sync run failed');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const task = cron.schedule(config.cron, runOnce, { noOverlap: true, name: 'referential-sync' });
  log.info({ cron: config.cron, sources: config.sources }, 'nightly referential sync scheduled');
  return {
    runNow: runOnce,
    async stop() {
      await task.stop();
      if (running) await running;
    },
  };
}
