/**
 * RORTask resources (IG profile `ror-task`) of discrepancies: one task per resource and rule, whose id is derived
 * from both (`taskId`), so a discrepancy found again updates or reopens its task instead of adding one: the task's
 * versions are its history (raised, updated, closed, reopened…).
 *
 * - `status`: `ready` when raised (open), `in-progress` once assigned; `completed` when closed, with the business
 *   status saying how: 08 Corrigé (the discrepancy disappeared, or the national value was accepted), 07 Toléré
 *   définitivement (the declared value is kept), 03 Annulé (the resource was deleted).
 * - `code` the theme, `reasonCode` the proposed action, `focus` the resource, `owner` the establishment's
 *   Organization (with its FINESS identifier), `for` the region (a logical reference to the region's authority by
 *   its TRE_R30 code: the IG leaves `for` open, and the region is not a resource of the ROR).
 * - inputs: ruleErrorId, errorValue, proposedValue, pathElementError (FHIRPath), systemRequester; outputs:
 *   identifierAnalyst (who the task is assigned to), newValue (the value written by `$accept-national`).
 */
import { createHash } from 'node:crypto';
import type { Coding, Identifier, Organization, Reference, Task, TaskInput } from '@medplum/fhirtypes';
import { ACTION_LABELS, THEME_LABELS, type Action, type Discrepancy, type Theme } from '../rules/types';
import {
  ACTION_SYSTEM,
  BUSINESS_STATUS_LABELS,
  BUSINESS_STATUS_SYSTEM,
  FINESS_SYSTEM,
  INPUT_SYSTEM,
  OPEN_STATUSES,
  OUTPUT_SYSTEM,
  OWNER_TAG_SYSTEM,
  REGION_SYSTEM,
  ROR_TASK_PROFILE,
  RULES_REQUESTER,
  THEME_SYSTEM,
} from './codes';

/** The establishment that owns a task: its Organization and the FINESS numbers its editors hold (ET, EJ). */
export interface TaskOwner {
  id: string;
  name?: string;
  finess?: string;
  /** Every FINESS number whose editors may work the task (the establishment's and its legal entity's). */
  tags: string[];
}

/** The id of the task of `rule` on `type/id`: readable prefix, hashed resource (ids are at most 64 characters). */
export function taskId(rule: string, type: string, id: string): string {
  return `q-${rule}-${createHash('sha256').update(`${type}/${id}`).digest('hex').slice(0, 20)}`;
}

export function isOpen(task: Task): boolean {
  return OPEN_STATUSES.has(task.status);
}

export function businessStatus(code: string): Task['businessStatus'] {
  return { coding: [{ system: BUSINESS_STATUS_SYSTEM, code, display: BUSINESS_STATUS_LABELS[code] }] };
}

export function businessStatusOf(task: Task): string | undefined {
  return task.businessStatus?.coding?.find((c) => c.system === BUSINESS_STATUS_SYSTEM)?.code;
}

const theme = (code: Theme): Coding => ({ system: THEME_SYSTEM, code, display: THEME_LABELS[code] });
const action = (code: Action): Coding => ({ system: ACTION_SYSTEM, code, display: ACTION_LABELS[code] });
const inputType = (code: string) => ({ coding: [{ system: INPUT_SYSTEM, code }] });

export function input(task: Task, code: string): TaskInput | undefined {
  return task.input?.find((i) => i.type?.coding?.some((c) => c.system === INPUT_SYSTEM && c.code === code));
}

export function inputString(task: Task, code: string): string | undefined {
  return input(task, code)?.valueString;
}

export function ownerReference(owner: TaskOwner): Reference<Organization> {
  return {
    reference: `Organization/${owner.id}`,
    ...(owner.finess ? { identifier: { system: FINESS_SYSTEM, value: owner.finess } } : {}),
    ...(owner.name ? { display: owner.name } : {}),
  };
}

export function ownerTags(owner: TaskOwner | undefined): Coding[] {
  return [...new Set(owner?.tags ?? [])].sort().map((code) => ({ system: OWNER_TAG_SYSTEM, code }));
}

export interface TaskInputs {
  rule: string;
  theme: Theme;
  action: Action;
  focus: { type: string; id: string };
  description: string;
  path?: string;
  declared?: string;
  proposed?: string;
  requester: string;
  requesterIdentifier?: Identifier;
  owner?: TaskOwner;
  region?: { code: string; display?: string };
}

export function fromDiscrepancy(d: Discrepancy, owner: TaskOwner | undefined, region: TaskInputs['region']): TaskInputs {
  return {
    rule: d.rule,
    theme: d.theme,
    action: d.action,
    focus: d.resource,
    description: d.description,
    path: d.path,
    declared: d.declared,
    proposed: d.proposed,
    requester: RULES_REQUESTER,
    owner,
    region,
  };
}

/**
 * The content of a task that a discrepancy decides (everything but its status, dates, assignment and outputs):
 * a new task is this plus status and dates; an open task whose content differs is updated with it.
 */
export function taskContent(t: TaskInputs): Partial<Task> {
  const inputs: TaskInput[] = [{ type: inputType('ruleErrorId'), valueString: t.rule }];
  if (t.declared !== undefined) inputs.push({ type: inputType('errorValue'), valueString: t.declared });
  if (t.proposed !== undefined) inputs.push({ type: inputType('proposedValue'), valueString: t.proposed });
  if (t.path) inputs.push({ type: inputType('pathElementError'), valueExpression: { language: 'text/fhirpath', expression: t.path } });
  inputs.push({ type: inputType('systemRequester'), valueString: t.requester });
  if (t.requesterIdentifier) inputs.push({ type: inputType('identifierRequester'), valueIdentifier: t.requesterIdentifier });
  const content: Partial<Task> = {
    intent: 'order',
    code: { coding: [theme(t.theme)] },
    reasonCode: { coding: [action(t.action)] },
    description: t.description,
    focus: { reference: `${t.focus.type}/${t.focus.id}` },
    input: inputs,
  };
  if (t.owner) content.owner = ownerReference(t.owner);
  if (t.region) content.for = { type: 'Organization', identifier: { system: REGION_SYSTEM, value: t.region.code }, ...(t.region.display ? { display: t.region.display } : {}) };
  return content;
}

/** A new (or reopened) open task. `previous`: the closed task this one reopens (its id and history are kept). */
export function openTask(id: string, t: TaskInputs, now: string, previous?: Task): Task {
  const meta = { profile: [ROR_TASK_PROFILE], ...(t.owner?.tags.length ? { tag: ownerTags(t.owner) } : {}) };
  void previous;
  return {
    resourceType: 'Task',
    id,
    meta,
    status: 'ready',
    businessStatus: businessStatus('02'),
    ...taskContent(t),
    authoredOn: now,
    lastModified: now,
  } as Task;
}

/** `task` with the content of `t` (same status, dates but lastModified kept), or undefined when nothing changes. */
export function updatedTask(task: Task, t: TaskInputs, now: string): Task | undefined {
  const content = taskContent(t);
  const next: Task = { ...task, ...content, meta: { ...task.meta, profile: [ROR_TASK_PROFILE], tag: mergeTags(task.meta?.tag, ownerTags(t.owner)) } };
  if (!t.owner) delete next.owner;
  if (!t.region) delete next.for;
  if (!next.meta?.tag?.length) delete next.meta!.tag;
  if (sameTask(task, next)) return undefined;
  return { ...next, lastModified: now };
}

/** `task` closed: completed with `code` as business status, the period ended now. */
export function closedTask(task: Task, code: string, now: string, extra: Partial<Task> = {}): Task {
  return {
    ...task,
    ...extra,
    status: 'completed',
    businessStatus: businessStatus(code),
    executionPeriod: { ...task.executionPeriod, end: now },
    lastModified: now,
  };
}

export function withOutput(task: Task, code: 'newValue' | 'identifierAnalyst', value: { valueString: string } | { valueIdentifier: Identifier }): Task {
  const others = (task.output ?? []).filter((o) => !o.type?.coding?.some((c) => c.system === OUTPUT_SYSTEM && c.code === code));
  return { ...task, output: [...others, { type: { coding: [{ system: OUTPUT_SYSTEM, code }] }, ...value }] };
}

function mergeTags(current: Coding[] | undefined, owner: Coding[]): Coding[] {
  return [...(current ?? []).filter((t) => t.system !== OWNER_TAG_SYSTEM), ...owner];
}

function sameTask(a: Task, b: Task): boolean {
  const strip = (t: Task) => JSON.stringify({ ...t, meta: { profile: t.meta?.profile, tag: t.meta?.tag } });
  return strip(a) === strip(b);
}

/** The owner of an Organization: itself, with its FINESS number and its legal entity's (`partOf`). */
export function ownerOf(org: Organization & { id: string }, legalEntity?: Organization): TaskOwner {
  const finess = finessOf(org);
  const tags = [finess, legalEntity ? finessOf(legalEntity) : org.partOf?.identifier?.value].filter((x): x is string => !!x);
  return { id: org.id, name: org.name, finess, tags };
}

function finessOf(org: Organization): string | undefined {
  return org.identifier?.find((i) => (i.system === FINESS_SYSTEM || i.system === 'http://finess.sante.gouv.fr') && i.value)?.value;
}
