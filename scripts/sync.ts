/**
 * `npm run sync` — imports the national referentials into the store selected by the environment (ROR_DATA_DIR):
 *
 *   npm run sync -- --finess <path|url> [--finess-ej <path|url>] [--finess-plus <path|url>] [--rpps <path|url>]
 *                   [--force] [--full] [--max-deactivation 0.05] [--batch 500] [--report <file.json>]
 *
 * --force     apply even when more than --max-deactivation of a source's records would be deactivated
 * --full      re-examine every record, not only those whose source line changed (restores sync-owned fields that
 *             were edited locally, recreates deleted resources)
 * A URL may carry its expected size and SHA-256 in the fragment: https://…/file.csv#sha256=…&size=…
 * Exit status: 0 done, 2 refused by the truncation guard, 3 another run holds the lock, 1 any other failure.
 * The lock is a lease of the store (src/sync/lock.ts): a run whose holder was killed on this host takes it over at
 * once; one held by a live run is refused with the holder and the lease's expiry named.
 */
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { composeKernel } from '../src/main';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import type { HeldLock } from '../src/sync/lock';
import { LeaseLostError, LockBusyError, withLock } from '../src/sync/lock';
import { loadSyncConfig } from '../src/sync/config';
import type { SourceSpecs } from '../src/sync/run';
import { runSync } from '../src/sync/run';
import { summary } from '../src/sync/report';
import { progressPrinter } from '../src/sync/progress';
import { optionValue } from './lib/cli-args';

interface Args {
  sources: SourceSpecs;
  force: boolean;
  full: boolean;
  maxDeactivation?: number;
  batch?: number;
  report?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sources: {}, force: false, full: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--finess': args.sources.finess = optionValue(argv, i++); break;
      case '--finess-ej': args.sources.finessEj = optionValue(argv, i++); break;
      case '--finess-plus': args.sources.finessPlus = optionValue(argv, i++); break;
      case '--rpps': args.sources.rpps = optionValue(argv, i++); break;
      case '--force': args.force = true; break;
      case '--full': args.full = true; break;
      case '--max-deactivation': args.maxDeactivation = Number(optionValue(argv, i++)); break;
      case '--batch': args.batch = Number(optionValue(argv, i++)); break;
      case '--report': args.report = optionValue(argv, i++); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!Object.values(args.sources).some(Boolean)) throw new Error('give at least one source: --finess, --finess-ej, --finess-plus or --rpps');
  if (args.maxDeactivation !== undefined && !(args.maxDeactivation >= 0 && args.maxDeactivation <= 1)) throw new Error('--max-deactivation must be between 0 and 1');
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm run sync -- --finess <path|url> [--finess-ej …] [--finess-plus …] [--rpps …] [--force] [--full]`);
    return 1;
  }
  const config = loadConfig();
  const syncConfig = loadSyncConfig();
  // The kernel the server builds: the same validation, hooks and subscription notifier, so a change made here
  // notifies subscribers (the server's deliverer sends what this run queues in the outbox).
  const { kernel } = composeKernel();
  const store = new SqliteStore({ dataDir: config.dataDir }, kernel.indexer);
  const progress = progressPrinter();
  const log = (msg: string) => {
    progress.done();
    console.error(msg);
  };
  try {
    // A first import into an empty store builds the search indexes once at the end (store.bulkLoad): searches
    // during it (another process on the same store) are slower, never wrong. The server's scheduler does not.
    const report = await withLock({ leases: store.leases, ttlMs: syncConfig.lockTtlMs, log }, (lock) =>
      store.bulkLoad(() => extendForIndexBuild(lock, () => runSync({
        store: lock.fence(store),
        kernel,
        sources: args.sources,
        trigger: 'cli',
        force: args.force,
        full: args.full,
        maxDeactivationShare: args.maxDeactivation ?? syncConfig.maxDeactivationShare,
        batchSize: args.batch ?? syncConfig.batchSize,
        reportDir: syncConfig.reportDir,
        validateOnThread: true,
        onProgress: (p) => progress.update(p),
        log,
      }))),
    );
    progress.done();
    if (args.report) fs.writeFileSync(args.report, JSON.stringify(report, null, 2));
    for (const s of report.sources) {
      console.log(`${s.source} (${s.file}, ${s.encoding ?? '?'}): ${s.records} records; ${s.created} created, ${s.updated} updated, ${s.deactivated} deactivated, ${s.unchanged} unchanged, ${s.rejected} rejected, ${s.warnings.length} warnings${s.error ? ` — ${s.error}` : ''}`);
      for (const r of s.rejections.slice(0, 20)) console.log(`  line ${r.line}: ${r.reason}`);
      if (s.rejections.length > 20) console.log(`  … ${s.rejected - 20} more in the report`);
    }
    console.log(summary(report));
    console.log(`report: ${args.report ?? `${syncConfig.reportDir}/sync-${report.runId}.json`}`);
    return report.status === 'success' ? 0 : report.status === 'refused' ? 2 : 1;
  } catch (err) {
    progress.done();
    console.error(err instanceof LockBusyError || err instanceof LeaseLostError ? err.message : err);
    return err instanceof LockBusyError ? 3 : 1;
  } finally {
    await store.close();
  }
}

/**
 * Building the deferred indexes after a first import (the end of store.bulkLoad) is one synchronous call, during
 * which the lease's heartbeat cannot run: ≈ 113 s at national scale on the 2-core bench machine (BENCHMARKS.md),
 * more than the 80 s a 2-minute lease has left after a renewal. Before it, the lease is extended to cover it with a
 * wide margin (a run killed meanwhile is still taken over at once from this host, where every process sharing a
 * SQLite file runs).
 */
const INDEX_BUILD_HOLD_MS = 30 * 60_000;

/** Runs the sync, then extends the lease for the index build that bulkLoad runs next (whatever the outcome). */
async function extendForIndexBuild<T>(lock: HeldLock, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    await lock.holdFor(INDEX_BUILD_HOLD_MS);
  }
}

main().then((code) => process.exit(code));
