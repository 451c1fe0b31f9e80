/**
 * What the quality and usage indicators read: data-quality Tasks (the IG's RORTask: `code` = theme, JDV_J241;
 * `owner` = the establishment's Organization; `authoredOn`; `executionPeriod.end` when closed) and the audit trail
 * (AuditEvents, src/security/audit.ts: `recorded`, the agent's `altId` `client:<id>` / `user:<id>`, its name, and its
 * FINESS numbers as `role` codings).
 */
import type { AuditEvent, Task } from '@medplum/fhirtypes';
import type { StoreReader } from '../../store/store';
import type { Condition } from '../../store/search-plan';
import { FINESS_SYSTEM } from './subject';
import type { OrgFact, Territory } from './facts';
import { idOf, scan, scanReferencing } from './scan';

/** Task statuses that end a task (https://hl7.org/fhir/R4/valueset-task-status.html). */
const CLOSED = new Set(['completed', 'cancelled', 'rejected', 'failed', 'entered-in-error']);

export interface TaskFact extends Territory {
  id: string;
  org?: string;
  theme: string;
  themeLabel?: string;
  open: boolean;
  authoredOn?: number;
  closedAt?: number;
}

/** The tasks owned by organisations of `orgs` (all tasks of those, or those owned by `only`'s organisations). */
export async function collectTasks(reader: StoreReader, orgs: Map<string, OrgFact>, only?: Set<string>): Promise<TaskFact[]> {
  const out: TaskFact[] = [];
  const pages = only ? scanReferencing(reader, 'Task', 'owner', [...only].map((id) => ({ type: 'Organization', id }))) : scan(reader, 'Task');
  for await (const page of pages) {
    for (const v of page) {
      const task = JSON.parse(v.json) as Task;
      const org = idOf(task.owner, 'Organization');
      const o = org ? orgs.get(org) : undefined;
      const coding = task.code?.coding?.find((c) => c.code);
      const authored = task.authoredOn ? Date.parse(task.authoredOn) : NaN;
      const end = task.executionPeriod?.end ? Date.parse(task.executionPeriod.end) : NaN;
      const closed = CLOSED.has(task.status);
      out.push({
        id: v.id,
        ...(org ? { org } : {}),
        ...(o?.department ? { department: o.department } : {}),
        ...(o?.region ? { region: o.region } : {}),
        theme: coding?.code ?? task.code?.text ?? 'sans-theme',
        ...(coding?.display ? { themeLabel: coding.display } : {}),
        open: !closed,
        ...(Number.isFinite(authored) ? { authoredOn: authored } : {}),
        // A closed task without executionPeriod.end is closed at its last change.
        ...(closed ? { closedAt: Number.isFinite(end) ? end : Date.parse(task.lastModified ?? v.lastUpdated) } : {}),
      });
    }
  }
  return out;
}

export interface CallFact {
  consumer: string;
  name?: string;
  /** Calendar day in France (Europe/Paris), YYYY-MM-DD. */
  day: string;
  finess: string[];
}

const PARIS_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

export function parisDay(ms: number): string {
  return PARIS_DAY.format(new Date(ms));
}

/**
 * The API calls the audit trail recorded in [start, end): every event of a caller (a client, a person, or an
 * anonymous address), the server's own components left out. `dateWhere` are the planned `date` conditions
 * (src/fhir/search/plan.ts), the same window checked again on `recorded`.
 */
export async function* auditCalls(reader: StoreReader, dateWhere: Condition[], start: number, end: number): AsyncGenerator<CallFact> {
  for await (const page of scan(reader, 'AuditEvent', dateWhere)) {
    for (const v of page) {
      const event = JSON.parse(v.json) as AuditEvent;
      const at = Date.parse(event.recorded);
      if (!(at >= start && at < end)) continue;
      const agent = event.agent?.find((a) => a.requestor) ?? event.agent?.[0];
      if (!agent || agent.who?.display?.startsWith('system:')) continue;
      const consumer = agent.altId ?? 'anonymous';
      const finess = (agent.role ?? []).flatMap((r) => r.coding ?? []).filter((c) => c.system === FINESS_SYSTEM && c.code).map((c) => c.code!);
      yield { consumer, ...(agent.name ? { name: agent.name } : consumer === 'anonymous' ? { name: 'anonyme' } : {}), day: parisDay(at), finess };
    }
  }
}
