/**
 * Computing every indicator for every territory at once (the nightly run, `npm run measures -- evaluate`, the
 * benchmark): the facts of the scope are gathered once, then each Measure is evaluated for each region and each
 * department met among the establishments (nationally: all of them; a regional server: its region and
 * departments), and each report is stored through the kernel as `system:measures`, one transaction per subject.
 * The scheduler (ROR_MEASURES_CRON, off unless set) follows the sync scheduler's pattern (src/sync/scheduler.ts):
 * of several instances sharing the store, one computes each occurrence (src/store/job-slots.ts).
 */
import cron from 'node-cron';
import type { MeasureReport } from '@medplum/fhirtypes';
import type { Logger } from '../../logger';
import type { Kernel } from '../../kernel/kernel';
import { systemActor, type Actor } from '../../kernel/actor';
import type { ResourceStore } from '../../store/store';
import { jobOwner, runSlot } from '../../store/job-slots';
import { create } from '../../fhir/interactions/create';
import { measureDefinitions, MEASURES_COMPONENT } from './definitions';
import { evaluate, FactSource, scopeOf, type MeasureDeps } from './evaluate';
import { NOT_BY_DEPARTMENT } from './evaluators';
import type { Scope } from './facts';
import type { Period } from './period';
import { resolveSubject, subjectKey, type Subject } from './subject';

export interface RunOptions {
  store: ResourceStore;
  kernel: Kernel;
  label: MeasureDeps['label'];
  period: Period;
  /** Only these Measures (default: all). */
  measures?: string[];
  /** Only these subjects (default: every region and department met). */
  subjects?: Subject[];
  /** Who stores the reports (default system:measures). */
  actor?: Actor;
  /** Compute without storing (benchmark). */
  dryRun?: boolean;
  now?: () => number;
  log?: (msg: string) => void;
}

export interface RunResult {
  reports: { measure: string; subject: string; id?: string; report: MeasureReport }[];
  subjects: number;
  ms: number;
}

export async function evaluateAll(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const { store, kernel } = options;
  const deps: MeasureDeps = { reader: store, search: kernel, label: options.label, now: options.now };
  const ids = options.measures ?? measureDefinitions().map((m) => m.id);
  let subjects = options.subjects;
  let scope: Scope = { kind: 'all' };
  if (subjects?.length === 1) scope = scopeOf(subjects[0]);
  const source = new FactSource(deps, scope);
  if (!subjects) {
    const facts = await source.offerFacts();
    const regions = new Set<string>();
    const departments = new Set<string>();
    for (const o of facts.orgs.values()) {
      if (!o.establishment) continue;
      if (o.region) regions.add(o.region);
      if (o.department) departments.add(o.department);
    }
    subjects = [...[...regions].sort().map((code): Subject => ({ kind: 'region', code })), ...[...departments].sort().map((code): Subject => ({ kind: 'department', code }))];
  } else if (subjects.some((s) => s.kind === 'establishment') && subjects.length > 1) {
    throw new Error('an establishment is evaluated alone (give one --subject Organization/[id])');
  }
  const result: RunResult = { reports: [], subjects: subjects.length, ms: 0 };
  for (const raw of subjects) {
    const subject = await resolveSubject(raw, store, options.label);
    const reports: { measure: string; report: MeasureReport }[] = [];
    for (const id of ids) {
      if (subject.kind === 'department' && NOT_BY_DEPARTMENT.has(id)) continue;
      reports.push({ measure: id, report: await evaluate(deps, id, subject, options.period, source) });
    }
    if (options.dryRun) {
      for (const r of reports) result.reports.push({ ...r, subject: subjectKey(subject) });
      continue;
    }
    await kernel.transaction(store, options.actor ?? systemActor(MEASURES_COMPONENT), async (tx) => {
      for (const r of reports) {
        const out = await create(tx, kernel, 'MeasureReport', r.report);
        result.reports.push({ ...r, subject: subjectKey(subject), id: out.version.id });
      }
    });
    options.log?.(`${subjectKey(subject)}: ${reports.length} indicators`);
  }
  result.ms = Date.now() - started;
  return result;
}

export interface MeasuresConfig {
  /** node-cron expression; undefined: no nightly computation. */
  cron?: string;
}

/** ROR_MEASURES_CRON: when the server computes every indicator (e.g. `15 3 * * *`); unset: never (the default). */
export function loadMeasuresConfig(env: Record<string, string | undefined> = process.env): MeasuresConfig {
  const expr = env.ROR_MEASURES_CRON?.trim();
  if (!expr) return {};
  if (!cron.validate(expr)) throw new Error(`ROR_MEASURES_CRON is not a valid cron expression: '${expr}'`);
  return { cron: expr };
}

export interface MeasuresScheduler {
  runNow(): Promise<void>;
  /** What the cron does at `date`: computes that occurrence unless another instance took it; whether this one ran it. */
  runScheduled(date: Date): Promise<boolean>;
  stop(): Promise<void>;
}

const DAY = 86_400_000;

export function startMeasuresScheduler(deps: { store: ResourceStore; kernel: Kernel; label: MeasureDeps['label']; logger: Logger; config?: MeasuresConfig }): MeasuresScheduler {
  const config = deps.config ?? loadMeasuresConfig();
  const log = deps.logger.child({ component: 'measures' });
  if (!config.cron) {
    log.info('ROR_MEASURES_CRON is not set: indicators are computed on demand only ($evaluate-measure, npm run measures)');
    return { runNow: async () => undefined, runScheduled: async () => false, stop: async () => undefined };
  }
  let running: Promise<void> | undefined;
  const runOnce = async () => {
    if (running) return running;
    running = (async () => {
      try {
        const now = Date.now();
        const r = await evaluateAll({ store: deps.store, kernel: deps.kernel, label: deps.label, period: { start: now - DAY, end: now } });
        log.info({ reports: r.reports.length, subjects: r.subjects, ms: r.ms }, 'nightly indicators computed');
      } catch (err) {
        log.error({ err }, 'nightly indicators failed');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const slots = { leases: deps.store.leases, job: 'indicators', owner: jobOwner(), ttlMs: 120_000, warn: (msg: string) => log.warn(msg) };
  const runScheduled = async (date: Date): Promise<boolean> => {
    try {
      const r = await runSlot(slots, Math.floor(date.getTime() / 1000) * 1000, runOnce);
      if (!r.ran) log.info({ holder: r.holder }, 'this occurrence of the nightly indicators is computed by another instance');
      return r.ran;
    } catch (err) {
      log.error({ err }, 'the schedule of the indicators could not be read from the store; this occurrence is skipped');
      return false;
    }
  };
  const task = cron.schedule(config.cron, (context) => runScheduled(context.date), { noOverlap: true, name: 'indicators' });
  log.info({ cron: config.cron }, 'nightly indicators scheduled');
  return {
    runNow: runOnce,
    runScheduled,
    async stop() {
      await task.stop();
      if (running) await running;
    },
  };
}
