/**
 * The nightly sync inside the server: node-cron fires on ROR_SYNC_CRON; a run starts only when no instance sharing
 * the store has taken this occurrence yet (src/store/job-slots.ts: several instances fire the same cron, one runs),
 * this process is not already running one (noOverlap) and the shared lock is free (a run of `npm run sync`).
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
import { summary, type RunReport } from './report';
import { runSlot } from '../store/job-slots';

/** How a scheduled run ended: its report's status, or why it did not run to a report. */
export type ScheduledRunOutcome = RunReport['status'] | 'busy' | 'lease-lost' | 'error';

export interface SchedulerDeps {
  /** The store to synchronise; it keeps the sync state and the run lock too. */
  store: ResourceStore;
  kernel: Kernel<Validator>;
  logger: Logger;
  config?: SyncConfig;
  /** Told when a run of this process ends (the metrics count them); not told of occurrences another instance took. */
  onRun?: (outcome: ScheduledRunOutcome, durationMs: number) => void;
}

export interface SyncScheduler {
  /** Runs the configured sources now (same lock); resolves when done. */
  runNow(): Promise<void>;
  /**
   * What the cron does at `date`: runs that occurrence unless an instance sharing the store took it already;
   * resolves to whether this instance ran it.
   */
  runScheduled(date: Date): Promise<boolean>;
  stop(): Promise<void>;
}

export function startSyncScheduler(deps: SchedulerDeps): SyncScheduler {
  const config = deps.config ?? loadSyncConfig();
  const log = deps.logger.child({ component: 'sync' });
  if (!hasSources(config.sources)) {
    log.info('no referential source configured (ROR_SYNC_FINESS, ROR_SYNC_RPPS…): nightly sync disabled');
    return { runNow: async () => undefined, runScheduled: async () => false, stop: async () => undefined };
  }
  const owner = newOwner();
  let running: Promise<void> | undefined;

  const runOnce = async () => {
    if (running) return running;
    running = (async () => {
      const started = Date.now();
      let outcome: ScheduledRunOutcome = 'error';
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
        outcome = report.status;
        (report.status === 'success' ? log.info.bind(log) : log.error.bind(log))({ runId: report.runId, totals: report.totals }, summary(report));
      } catch (err) {
        if (err instanceof LockBusyError) {
          outcome = 'busy';
          log.info(err.message);
        } else if (err instanceof LeaseLostError) {
          outcome = 'lease-lost';
          log.error(err.message);
        } else log.error({ err }, 'sync run failed');
      } finally {
        running = undefined;
        deps.onRun?.(outcome, Date.now() - started);
      }
    })();
    return running;
  };
  // One instance runs each occurrence of the cron (the slot is the time it was scheduled for, to the second).
  const slotOptions = { leases: deps.store.leases, job: 'referential-sync', owner, ttlMs: config.lockTtlMs, warn: (msg: string) => log.warn(msg) };
  const runScheduled = async (date: Date): Promise<boolean> => {
    const slot = Math.floor(date.getTime() / 1000) * 1000;
    try {
      const r = await runSlot(slotOptions, slot, runOnce);
      if (!r.ran) log.info({ holder: r.holder }, 'this occurrence of the nightly sync is run by another instance');
      return r.ran;
    } catch (err) {
      log.error({ err }, 'the schedule of the sync could not be read from the store; this occurrence is skipped');
      return false;
    }
  };

  const task = cron.schedule(config.cron, (context) => runScheduled(context.date), { noOverlap: true, name: 'referential-sync' });
  log.info({ cron: config.cron, sources: config.sources }, 'nightly referential sync scheduled');
  return {
    runNow: runOnce,
    runScheduled,
    async stop() {
      await task.stop();
      if (running) await running;
    },
  };
}
