/**
 * Computing indicators: a FactSource gathers the facts of a scope once (./facts.ts, ./activity-facts.ts) and hands
 * each subject of that scope its share; `evaluate` runs a Measure's evaluator on them and builds the MeasureReport.
 * The nightly run (./nightly.ts) uses one source for every subject, the operation one per request.
 */
import type { MeasureReport } from '@medplum/fhirtypes';
import { unprocessable } from '../../errors';
import { planSearch, type SearchContext } from '../../fhir/search/plan';
import type { StoreReader } from '../../store/store';
import { auditCalls, collectTasks, type CallFact, type TaskFact } from './activity-facts';
import { measureDefinition } from './definitions';
import { EVALUATORS, NOT_BY_DEPARTMENT, POINT_IN_TIME, type SubjectData } from './evaluators';
import { collectOfferFacts, inScope, type OfferFacts, type Scope } from './facts';
import type { Period } from './period';
import { buildReport } from './report';
import type { Subject } from './subject';

export interface MeasureDeps {
  reader: StoreReader;
  /** The kernel's registry and terminology: the audit trail's date window is planned as a search. */
  search: SearchContext;
  /** French labels of codes (activities, regions). */
  label: (system: string, code: string) => string | undefined;
  now?: () => number;
}

type Facts = OfferFacts & { subjectOrgs?: Set<string> };

/** The scope whose facts serve `subject`. */
export function scopeOf(subject: Subject): Scope {
  return subject.kind === 'establishment' ? { kind: 'establishment', id: subject.id } : { kind: subject.kind, code: subject.code };
}

export class FactSource {
  private offer?: Promise<Facts>;
  private tasks?: Promise<TaskFact[]>;

  constructor(
    private readonly deps: MeasureDeps,
    readonly scope: Scope,
  ) {}

  offerFacts(): Promise<Facts> {
    return (this.offer ??= collectOfferFacts(this.deps.reader, this.scope));
  }

  taskFacts(): Promise<TaskFact[]> {
    return (this.tasks ??= this.offerFacts().then((f) => collectTasks(this.deps.reader, f.orgs, f.subjectOrgs)));
  }

  /** The facts of `subject` (which must lie in this source's scope). */
  dataFor(subject: Subject, period: Period, at: number): SubjectData {
    const { deps } = this;
    // An establishment's source holds its own facts only; a territory's are filtered by department or region.
    const keep = <T extends { department?: string; region?: string }>(items: T[]): T[] =>
      subject.kind === 'establishment' ? items : items.filter((i) => inScope(i, { kind: subject.kind, code: subject.code }));
    return {
      subject,
      period,
      at,
      label: deps.label,
      offer: async () => {
        const f = await this.offerFacts();
        const own = f.subjectOrgs;
        return {
          establishments: keep([...f.orgs.values()].filter((o) => o.establishment && o.active && (!own || own.has(o.id)))),
          units: keep(f.units),
          zones: keep([...f.zones.values()]),
        };
      },
      tasks: async () => keep(await this.taskFacts()),
      calls: () => this.calls(subject, period),
    };
  }

  private async *calls(subject: Subject, period: Period): AsyncGenerator<CallFact> {
    const iso = (t: number) => new Date(t).toISOString();
    const where = planSearch(this.deps.search, ['AuditEvent'], [['date', `ge${iso(period.start)}`], ['date', `le${iso(period.end)}`]], {
      defaultCount: 1000,
      maxCount: 1000,
      strict: true,
    }).plan.where;
    let finess: Set<string> | undefined;
    if (subject.kind === 'establishment') {
      const f = await this.offerFacts();
      finess = new Set([...(f.subjectOrgs ?? [])].map((id) => f.orgs.get(id)?.finess).filter((x): x is string => x !== undefined));
    }
    for await (const call of auditCalls(this.deps.reader, where, period.start, period.end)) {
      if (!finess || call.finess.some((f) => finess.has(f))) yield call;
    }
  }
}

/** Evaluates Measure `measureId` for `subject` over `period` (facts from `source`, or read for this subject). */
export async function evaluate(deps: MeasureDeps, measureId: string, subject: Subject, period: Period, source?: FactSource): Promise<MeasureReport> {
  const measure = measureDefinition(measureId);
  const evaluator = EVALUATORS[measureId];
  if (!measure || !evaluator) throw unprocessable(`Measure/${measureId} is not one of the indicators this server computes`);
  if (subject.kind === 'department' && NOT_BY_DEPARTMENT.has(measureId)) {
    throw unprocessable(`Measure/${measureId} is computed from the audit trail, for the region (the whole server) or an establishment, not for a department`);
  }
  const now = (deps.now ?? Date.now)();
  const at = Math.min(period.end, now);
  const reportPeriod = POINT_IN_TIME.has(measureId) ? { start: Math.min(period.start, at), end: at } : period;
  const groups = await evaluator((source ?? new FactSource(deps, scopeOf(subject))).dataFor(subject, period, at));
  return buildReport({ measure, subject, period: reportPeriod, date: now, groups });
}
