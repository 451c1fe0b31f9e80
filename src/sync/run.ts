/**
 * One sync run over the configured sources, in dependency order: legal entities, establishments (their partOf
 * points to legal entities), then professionals (their roles point to establishments). Each source is reconciled
 * on its own (../reconcile/engine.ts); a refused or failed source does not stop the others, but fails the run.
 * The run is recorded as an AuditEvent carrying the JSON report, also written to `reportDir` when given.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceStore } from '../store/store';
import type { RecordSource, SourceReport } from './types';
import type { EngineOptions, Progress } from './reconcile/engine';
import { reconcileSource, SYNC_ACTOR, SyncRefusedError } from './reconcile/engine';
import type { Kernel } from '../kernel/kernel';
import type { Validator } from '../fhir/validation';
import type { RunReport } from './report';
import { auditEvent, finishedRun, writeRunReport } from './report';
import { FinessEjSource, FinessEtSource } from './finess/source';
import { RppsSource } from './rpps/source';
import { FinessPlusSource } from './finessplus/source';
import { resolveSource } from './io/source';
import { ValidationThread } from './reconcile/validate';

export interface SourceSpecs {
  /** cs1100502 or cs1100507 (establishments). */
  finess?: string;
  /** cs1100501 (legal entities). */
  finessEj?: string;
  /** FINESS+ JSON (gz). */
  finessPlus?: string;
  /** RPPS PS_LibreAcces zip or Personne_activite txt. */
  rpps?: string;
}

export interface RunOptions extends Omit<EngineOptions, 'store' | 'kernel' | 'onProgress'> {
  store: ResourceStore;
  kernel: Kernel<Validator>;
  sources: SourceSpecs;
  trigger?: RunReport['trigger'];
  /** Directory for the JSON reports (one file per run). */
  reportDir?: string;
  onProgress?: (p: Progress) => void;
  /** Downloads go there (default: the OS temporary directory). */
  tmpDir?: string;
  log?: (msg: string) => void;
  /**
   * Validate on a second thread, shared by the run's sources (EngineOptions.validationThread): worth it for large
   * imports on a machine with an idle core; a thread costs ≈ 0.6 s to start (it loads the definitions).
   */
  validateOnThread?: boolean;
}

export async function runSync(opts: RunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`;
  const reports: SourceReport[] = [];
  let status: RunReport['status'] = 'success';
  const errors: string[] = [];
  const order: [keyof SourceSpecs, (p: string) => RecordSource][] = [
    ['finessEj', (p) => new FinessEjSource(p)],
    ['finessPlus', (p) => new FinessPlusSource(p)],
    ['finess', (p) => new FinessEtSource(p)],
    ['rpps', (p) => new RppsSource(p, { tmpDir: opts.tmpDir })],
  ];
  const validationThread = opts.validateOnThread ? new ValidationThread(opts.kernel.validator, opts.validation ?? 'shape') : undefined;
  try {
    for (const [key, make] of order) {
      const spec = opts.sources[key];
      if (!spec) continue;
      opts.log?.(`${key}: ${spec}`);
      let resolved: Awaited<ReturnType<typeof resolveSource>> | undefined;
      try {
        resolved = await resolveSource(spec, { tmpDir: opts.tmpDir, log: opts.log });
        const source = make(resolved.path);
        const report = await reconcileSource(source, { ...opts, validationThread });
        report.file = spec;
        reports.push(report);
      } catch (err) {
        const report = (err as { report?: SourceReport }).report;
        if (report) {
          report.file = spec;
          reports.push(report);
        }
        if (err instanceof SyncRefusedError) {
          if (status === 'success') status = 'refused';
        } else status = 'failed';
        errors.push(`${key}: ${(err as Error).message}`);
        opts.log?.(`${key}: ${(err as Error).message}`);
      } finally {
        await resolved?.cleanup();
      }
    }
  } finally {
    await validationThread?.close();
  }
  const report = finishedRun({ runId, startedAt, status, trigger: opts.trigger ?? 'cli', sources: reports, ...(errors.length ? { error: errors.join('; ') } : {}) });
  await recordRun(opts.kernel, opts.store, report);
  if (opts.reportDir) writeRunReport(opts.reportDir, `sync-${runId}`, report);
  return report;
}

async function recordRun(kernel: Kernel, store: ResourceStore, report: RunReport): Promise<void> {
  await kernel.transaction(store, SYNC_ACTOR, (tx) => tx.put(auditEvent(report)));
}
