/**
 * The record of a sync run: a JSON report (counts per source, duration, rejected lines with reasons) and an
 * AuditEvent that carries it, listed by GET /$sync-runs. AuditEvent rather than Provenance: a run is an event that
 * may create nothing (an unchanged file, a refused run) and Provenance needs targets.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditEvent } from '@medplum/fhirtypes';
import type { SourceReport } from './types';

export const SYNC_RUN_SUBTYPE = { system: 'https://ror-fhir-server.example.org/fhir/CodeSystem/sync-run', code: 'referential-sync', display: 'Synchronisation des référentiels FINESS / RPPS' };

export interface RunReport {
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** 'success', 'refused' (truncation guard), 'failed'. */
  status: 'success' | 'refused' | 'failed';
  trigger: 'cli' | 'schedule' | 'api';
  sources: SourceReport[];
  totals: { created: number; updated: number; deactivated: number; unchanged: number; rejected: number };
  error?: string;
}

/**
 * The report of a run that is over (the sync's, the federation's): its times from `startedAt` to now, and the
 * totals of its sources.
 */
export function finishedRun<S extends SourceReport>(run: {
  runId: string;
  startedAt: Date;
  status: RunReport['status'];
  trigger: RunReport['trigger'];
  sources: S[];
  error?: string;
}): RunReport & { sources: S[] } {
  const finishedAt = new Date();
  return {
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - run.startedAt.getTime(),
    status: run.status,
    trigger: run.trigger,
    sources: run.sources,
    totals: totals(run.sources),
    ...(run.error ? { error: run.error } : {}),
  };
}

/** Writes a run's JSON report as `<dir>/<name>.json` (the directory made if need be). */
export function writeRunReport(dir: string, name: string, report: RunReport): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(report, null, 2));
}

/** Rejected lines kept in the AuditEvent (the JSON report file keeps them all). */
const MAX_REJECTIONS_IN_AUDIT = 200;

export function totals(sources: SourceReport[]): RunReport['totals'] {
  const t = { created: 0, updated: 0, deactivated: 0, unchanged: 0, rejected: 0 };
  for (const s of sources) {
    t.created += s.created;
    t.updated += s.updated;
    t.deactivated += s.deactivated;
    t.unchanged += s.unchanged;
    t.rejected += s.rejected;
  }
  return t;
}

export function summary(r: RunReport): string {
  const t = r.totals;
  const head = r.status === 'success' ? 'sync finished' : r.status === 'refused' ? 'sync REFUSED' : 'sync FAILED';
  return `${head} in ${(r.durationMs / 1000).toFixed(1)} s: ${t.created} created, ${t.updated} updated, ${t.deactivated} deactivated, ${t.unchanged} unchanged, ${t.rejected} rejected lines${r.error ? ` — ${r.error}` : ''}`;
}

export function auditEvent(r: RunReport): AuditEvent & { id: string } {
  const compact = {
    ...r,
    sources: r.sources.map((s) => ({ ...s, rejections: s.rejections.slice(0, MAX_REJECTIONS_IN_AUDIT), warnings: s.warnings.slice(0, MAX_REJECTIONS_IN_AUDIT) })),
  };
  return {
    resourceType: 'AuditEvent',
    id: `sync-${r.runId}`,
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110107', display: 'Import' },
    subtype: [SYNC_RUN_SUBTYPE],
    action: 'E',
    period: { start: r.startedAt, end: r.finishedAt },
    recorded: r.finishedAt,
    outcome: r.status === 'success' ? (r.totals.rejected ? '4' : '0') : '8',
    outcomeDesc: summary(r),
    agent: [{ who: { display: `ROR referential sync (${r.trigger})` }, requestor: r.trigger !== 'schedule' }],
    source: { observer: { display: 'ror-fhir-server' } },
    entity: r.sources.map((s) => ({
      what: { display: s.file },
      name: s.source,
      description: `${s.created} created, ${s.updated} updated, ${s.deactivated} deactivated, ${s.unchanged} unchanged, ${s.rejected} rejected${s.error ? `; ${s.error}` : ''}`,
    })).concat([
      {
        what: { display: 'report' },
        name: 'report.json',
        description: 'JSON run report (base64), rejected lines truncated to the first 200 per source',
        detail: [{ type: 'application/json', valueBase64Binary: Buffer.from(JSON.stringify(compact)).toString('base64') }],
      } as any,
    ]),
  };
}

/** The JSON report stored in an AuditEvent written by auditEvent(). */
export function reportOf(event: AuditEvent): RunReport | undefined {
  const b64 = event.entity?.find((e) => e.name === 'report.json')?.detail?.[0]?.valueBase64Binary;
  return b64 ? (JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as RunReport) : undefined;
}
