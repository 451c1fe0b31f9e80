/**
 * One federation run for one source: pull (./pull.ts) into a temporary directory, reconcile (./reconcile.ts),
 * record the run like a referential sync run (an AuditEvent carrying the JSON report, listed by `GET /$sync-runs`,
 * and a JSON file in the sync's report directory), remove the files. The caller holds the sync's lock
 * (../sync/lock.ts): a federation run and a referential sync never write at the same time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ResourceStore } from '../store/store';
import type { Kernel } from '../kernel/kernel';
import type { Validator } from '../fhir/validation';
import { SyncRefusedError } from '../sync/reconcile/engine';
import { auditEvent, finishedRun, writeRunReport, type RunReport } from '../sync/report';
import { emptySourceReport, type SourceReport } from '../sync/types';
import type { FederationSource } from './config';
import { SourceClient } from './client';
import { pull, type PullOptions } from './pull';
import { FEDERATION_ACTOR, reconcilePulled, type FederationSourceReport } from './reconcile';
import { loadSince, sourceKey } from './state';

export interface FederationRunOptions {
  store: ResourceStore;
  kernel: Kernel<Validator>;
  source: FederationSource;
  /** Default: the transactionTime of the last successful run of this source; `null`: a full pull. */
  since?: string | null;
  trigger?: RunReport['trigger'];
  force?: boolean;
  batchSize?: number;
  maxDeactivationShare?: number;
  reportDir?: string;
  tmpDir?: string;
  /** 'search' forces the `_lastUpdated` path even when the source offers $export. */
  mode?: PullOptions['mode'];
  pull?: Pick<PullOptions, 'pageSize' | 'maxPollWaitMs' | 'exportTimeoutMs' | 'settleMs'>;
  log?: (msg: string) => void;
}

export type FederationRunReport = RunReport & { sources: (FederationSourceReport | SourceReport)[] };

export async function runFederation(opts: FederationRunOptions): Promise<FederationRunReport> {
  const startedAt = new Date();
  const runId = `federation-${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`;
  const url = opts.source.url;
  const since = opts.since === null ? undefined : (opts.since ?? (await loadSince(opts.store, sourceKey(url))));
  const dir = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'ror-federation-'));
  let status: RunReport['status'] = 'success';
  let error: string | undefined;
  let source: SourceReport;
  const started = Date.now();
  try {
    const pulled = await pull(new SourceClient(opts.source), { types: opts.source.types, since, dir, mode: opts.mode, log: opts.log, ...opts.pull });
    source = await reconcilePulled(pulled, {
      store: opts.store,
      kernel: opts.kernel,
      source: url,
      types: opts.source.types,
      batchSize: opts.batchSize,
      maxDeactivationShare: opts.maxDeactivationShare,
      force: opts.force,
      log: opts.log,
    });
  } catch (err) {
    status = err instanceof SyncRefusedError ? 'refused' : 'failed';
    error = (err as Error).message;
    source = (err as { report?: SourceReport }).report ?? emptyReport(url, error, Date.now() - started);
    opts.log?.(`${url}: ${error}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const report: FederationRunReport = finishedRun({ runId, startedAt, status, trigger: opts.trigger ?? 'cli', sources: [source], ...(error ? { error: `${url}: ${error}` } : {}) });
  const event = auditEvent(report);
  event.agent = [{ who: { display: `ROR federation from ${url} (${report.trigger})` }, requestor: report.trigger !== 'schedule' }];
  await opts.kernel.transaction(opts.store, FEDERATION_ACTOR, (tx) => tx.put(event));
  if (opts.reportDir) writeRunReport(opts.reportDir, runId, report);
  return report;
}

function emptyReport(url: string, error: string, durationMs: number): SourceReport {
  return { ...emptySourceReport('federation', url), error, durationMs };
}
