/**
 * Working the queue (README "Data quality", operations): FHIR operations on Task, each one kernel transaction.
 *
 * - `POST /Task/[id]/$accept-national`: the national value the sync last recorded is written back into the
 *   resource (only the element of the task's rule; what is not the sync's is kept), and the task is closed
 *   (completed, 08 Corrigé, output newValue). The caller must be allowed to update the task (the write policy is
 *   asked with the caller as actor); the two writes are then made by `system:quality`, since restoring the
 *   referential's value is the server's own job (the sync would do it on the next change of the file), and an
 *   analyst, who may work every task, does not edit establishments' resources. The task names who decided
 *   (output identifierAnalyst).
 * - `POST /Task/[id]/$keep-declared` (`reason`, valueString, required): the declared value is right; the task is
 *   closed (completed, 07 Toléré définitivement, statusReason = the reason) and the rule stays quiet for this
 *   declared value and this national value: a change of either raises the task again.
 * - `POST /Task/[id]/$assign` (`assignee`: valueIdentifier, or valueString for a person's login): who works the
 *   task (output identifierAnalyst); status in-progress, 05 Envoyé au destinataire.
 * - `POST /Task/$report`: a discrepancy reported by hand (`focus` valueReference `Type/id`, `description`
 *   valueString, optional `theme` (TRE_R350 code, default 06), `action` (TRE_R349, default COR), `path`,
 *   `declared`, `proposed`): a RORTask owned by the resource's establishment, requested by the caller.
 * The last three write as the caller: the write policy decides (an establishment its own tasks, analysts all).
 */
import type { Identifier, Parameters, Resource, Task } from '@medplum/fhirtypes';
import { SERVER_CANONICAL_BASE } from '../../canonical';
import { badRequest, conflict, FhirError, gone, notFound, unprocessable } from '../../errors';
import type { FhirContext } from '../../fhir/context';
import { newId } from '../../fhir/ids';
import { parameter, type OperationCall, type OperationDefinitionSummary } from '../../fhir/operations';
import { describeActor, isPrincipal, type Actor } from '../../kernel/actor';
import type { WriteTx } from '../../kernel/write-tx';
import type { StoredVersion } from '../../store/store';
import { ruleById } from '../rules';
import { withNationalPart } from '../rules/national';
import { ACTION_LABELS, THEME_LABELS, type Action, type Theme } from '../rules/types';
import { BUSINESS_STATUS } from './codes';
import type { QualityConfig } from './config';
import { QualityEngine } from './engine';
import { businessStatus, closedTask, inputString, isOpen, openTask, withOutput } from './task';
import { QUALITY_ACTOR } from './worker';

const OPERATION_BASE = `${SERVER_CANONICAL_BASE}/OperationDefinition`;
/** Identifier system of the people and clients who act on tasks (the actor's id). */
export const ACTOR_SYSTEM = `${SERVER_CANONICAL_BASE}/sid/actor`;
const REPORTABLE = new Set(['Organization', 'HealthcareService', 'Location', 'PractitionerRole', 'Practitioner']);

function actorIdentifier(actor: Actor): Identifier {
  return { system: ACTOR_SYSTEM, value: isPrincipal(actor) ? actor.id : describeActor(actor) };
}

function body(call: OperationCall, op: string): Parameters {
  const b = call.req.body;
  if (b?.kind !== 'resource' || (b.value as Resource)?.resourceType !== 'Parameters') {
    throw badRequest(`$${op} needs a Parameters body (Content-Type: application/fhir+json)`);
  }
  return b.value as Parameters;
}

/** The Parameters body, or none when the operation has no parameter to take. */
function optionalBody(call: OperationCall, op: string): Parameters | undefined {
  return call.req.body ? body(call, op) : undefined;
}

/**
 * The open task `id`, once the write policy lets `actor` update it. The policy is asked before anything about the
 * task is told (whether it exists, is open, is about a national value): a caller who may not work it learns nothing.
 */
async function openTaskAt(ctx: FhirContext, actor: Actor, tx: Pick<WriteTx, 'read'>, id: string): Promise<{ task: Task & { id: string }; current: StoredVersion }> {
  const current = await tx.read('Task', id);
  const stored = current && !current.deleted ? current : undefined;
  await ctx.kernel.policy.authorize({ actor, kind: 'put', resourceType: 'Task', id, resource: stored && (JSON.parse(stored.json) as Task), current: stored, reader: tx });
  if (!current) throw notFound(`Task/${id} does not exist`);
  if (current.deleted) throw gone(`Task/${id} was deleted`);
  const task = JSON.parse(current.json) as Task & { id: string };
  if (!isOpen(task)) throw conflict(`Task/${id} is ${task.status}: only an open task can be worked`);
  return { task, current };
}

function focusOf(task: Task): { type: string; id: string } {
  const m = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(task.focus?.reference ?? '');
  if (!m) throw unprocessable(`Task/${task.id} has no focus this server can follow (a literal reference Type/id)`);
  return { type: m[1], id: m[2] };
}

const now = (config: QualityConfig) => config.now().toISOString();

export function acceptNationalOperation(config: QualityConfig): OperationDefinitionSummary {
  return {
    name: 'accept-national',
    definition: `${OPERATION_BASE}/Task-accept-national`,
    levels: ['instance'],
    resourceTypes: ['Task'],
    methods: ['POST'],
    run: async (ctx: FhirContext, call) => {
      optionalBody(call, 'accept-national');
      const id = call.id!;
      const engine = new QualityEngine(ctx.store, config);
      const version = await ctx.kernel.transaction(ctx.store, QUALITY_ACTOR, async (tx) => {
        const { task, current } = await openTaskAt(ctx, ctx.actor, tx, id);
        const ruleId = inputString(task, 'ruleErrorId');
        const rule = ruleId ? ruleById(ruleId) : undefined;
        if (!rule?.national) throw unprocessable(`Task/${id} (${ruleId ?? 'no rule'}) is not about a value that differs from the national one: nothing to accept`);
        const focus = focusOf(task);
        const national = await engine.nationalOf(focus.type, focus.id);
        if (!national) throw conflict(`the referential sync recorded no national value for ${focus.type}/${focus.id}`);
        const resourceVersion = await tx.read(focus.type, focus.id);
        if (!resourceVersion || resourceVersion.deleted) throw conflict(`${focus.type}/${focus.id} no longer exists`);
        const closed = withOutput(
          withOutput(closedTask(task, BUSINESS_STATUS.corrected.code, now(config)), 'newValue', { valueString: inputString(task, 'proposedValue') ?? '' }),
          'identifierAnalyst',
          { valueIdentifier: actorIdentifier(ctx.actor) },
        );
        // The caller must be allowed to work this task; the writes are the server's (see the module comment).
        await ctx.kernel.policy.authorize({ actor: ctx.actor, kind: 'put', resourceType: 'Task', id, resource: closed, current, reader: tx });
        const declared = JSON.parse(resourceVersion.json);
        await tx.store(withNationalPart(rule.id, declared, national), { id: focus.id, current: resourceVersion });
        return (await tx.store(closed, { id, current })).version;
      });
      return { status: 200, version };
    },
  };
}

export function keepDeclaredOperation(config: QualityConfig): OperationDefinitionSummary {
  return {
    name: 'keep-declared',
    definition: `${OPERATION_BASE}/Task-keep-declared`,
    levels: ['instance'],
    resourceTypes: ['Task'],
    methods: ['POST'],
    run: async (ctx, call) => {
      const reason = parameter(body(call, 'keep-declared'), 'reason')?.valueString?.trim();
      if (!reason) throw badRequest('$keep-declared needs a `reason` (valueString): why the declared value is right');
      const id = call.id!;
      const outcome = await call.write(async (tx) => {
        const { task, current } = await openTaskAt(ctx, tx.actor, tx, id);
        if (!inputString(task, 'ruleErrorId') || !ruleById(inputString(task, 'ruleErrorId')!)) {
          throw unprocessable(`Task/${id} was not raised by a rule: close it with an update of its status`);
        }
        const closed = closedTask(task, BUSINESS_STATUS.toleratedForGood.code, now(config), { statusReason: { text: reason } });
        return tx.store(withOutput(closed, 'identifierAnalyst', { valueIdentifier: actorIdentifier(tx.actor) }), { id, current });
      });
      return { status: 200, version: outcome.version };
    },
  };
}

export function assignOperation(config: QualityConfig): OperationDefinitionSummary {
  return {
    name: 'assign',
    definition: `${OPERATION_BASE}/Task-assign`,
    levels: ['instance'],
    resourceTypes: ['Task'],
    methods: ['POST'],
    run: async (ctx, call) => {
      const p = parameter(body(call, 'assign'), 'assignee');
      let assignee: Identifier | undefined;
      if (p?.valueIdentifier?.value) assignee = p.valueIdentifier;
      else if (p?.valueString?.trim()) assignee = { system: ACTOR_SYSTEM, value: p.valueString.trim() };
      if (!assignee) throw badRequest('$assign needs an `assignee`: a valueIdentifier, or a valueString naming the person');
      const id = call.id!;
      const at = now(config);
      const outcome = await call.write(async (tx) => {
        const { task, current } = await openTaskAt(ctx, tx.actor, tx, id);
        const next: Task = {
          ...withOutput(task, 'identifierAnalyst', { valueIdentifier: assignee }),
          status: 'in-progress',
          businessStatus: businessStatus(BUSINESS_STATUS.sent.code),
          executionPeriod: { ...task.executionPeriod, start: task.executionPeriod?.start ?? at },
          lastModified: at,
        };
        return tx.store(next, { id, current });
      });
      return { status: 200, version: outcome.version };
    },
  };
}

const THEMES = Object.keys(THEME_LABELS) as Theme[];
const ACTIONS = Object.keys(ACTION_LABELS) as Action[];

export function reportOperation(config: QualityConfig): OperationDefinitionSummary {
  return {
    name: 'report',
    definition: `${OPERATION_BASE}/Task-report`,
    levels: ['type'],
    resourceTypes: ['Task'],
    methods: ['POST'],
    run: async (ctx, call) => {
      const params = body(call, 'report');
      const issues: string[] = [];
      const focusRef = parameter(params, 'focus')?.valueReference?.reference ?? parameter(params, 'focus')?.valueString;
      const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(focusRef ?? '');
      if (!m || !REPORTABLE.has(m[1])) issues.push(`focus must reference the resource in error (${[...REPORTABLE].join(', ')}), as Type/id`);
      const description = parameter(params, 'description')?.valueString?.trim();
      if (!description) issues.push('description (valueString) is required: what is wrong');
      const theme = (parameter(params, 'theme')?.valueCode ?? parameter(params, 'theme')?.valueCoding?.code ?? '06') as Theme;
      if (!THEMES.includes(theme)) issues.push(`theme must be a TRE_R350 code (${THEMES.map((t) => `${t} ${THEME_LABELS[t]}`).join(', ')})`);
      const action = (parameter(params, 'action')?.valueCode ?? parameter(params, 'action')?.valueCoding?.code ?? 'COR') as Action;
      if (!ACTIONS.includes(action)) issues.push(`action must be a TRE_R349 code (${ACTIONS.join(', ')})`);
      if (issues.length) throw new FhirError(400, { resourceType: 'OperationOutcome', issue: issues.map((diagnostics) => ({ severity: 'error', code: 'invalid', diagnostics })) });
      const [, type, focusId] = m!;
      const engine = new QualityEngine(ctx.store, config);
      const id = `m-${newId()}`;
      const outcome = await call.write(async (tx) => {
        const target = await tx.read(type, focusId);
        if (!target || target.deleted) throw unprocessable(`${type}/${focusId} does not exist`);
        const resource = JSON.parse(target.json) as Resource & { id: string };
        const owner = await engine.ownerOf(tx, resource);
        const task = openTask(
          id,
          {
            rule: 'manual',
            theme,
            action,
            focus: { type, id: focusId },
            description: description!,
            path: parameter(params, 'path')?.valueString,
            declared: parameter(params, 'declared')?.valueString,
            proposed: parameter(params, 'proposed')?.valueString,
            requester: 'IHM',
            requesterIdentifier: actorIdentifier(tx.actor),
            owner,
            region: config.region,
          },
          now(config),
        );
        return tx.store(task, { id, current: undefined });
      });
      return { status: 201, version: outcome.version, location: `${ctx.baseUrl}/Task/${id}/_history/${outcome.version.versionId}` };
    },
  };
}
