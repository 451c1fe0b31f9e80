/**
 * Who may write what (the kernel asks on every write, whatever road it takes: HTTP interactions, batch and
 * transaction entries, `$set-capacity`, `$capacity-import` rows, the referential sync):
 *
 * | actor | may write |
 * |---|---|
 * | anonymous | nothing (401: a credential is needed) |
 * | consumer | nothing |
 * | establishment editor | Organization (update), HealthcareService and Location (create, update) of its own FINESS numbers (an EJ's editor: also its ETs'); no deletion: a unit that closes is deactivated; data-quality Tasks (create, update) owned by its establishments and about their resources |
 * | establishment editor, indicators | MeasureReport (create) whose subject is one of its establishments ($evaluate-measure) |
 * | analyst | data-quality Tasks (all), Subscriptions, MeasureReports (create: $evaluate-measure) |
 * | admin, the operator's tools | everything but the audit trail |
 * | the server (`system:*`) | what its component does (the audit trail, the sync's run reports are AuditEvents) |
 *
 * SMART scopes narrow any of these (`system/Location.u` lets a token update Locations, nothing else). A change of
 * an establishment's resource is checked before and after: nobody moves a unit into or out of their perimeter.
 */
import type { Resource, Task } from '@medplum/fhirtypes';
import { forbidden } from '../errors';
import type { WriteAttempt, WritePolicy } from '../kernel/policy';
import { describeActor, type Principal } from '../kernel/actor';
import type { AuditSink } from './audit-sink';
import { unauthenticated } from './access';
import { ownersOf } from './ownership';
import { ACTION_WORDS, scopesAllow, type ScopeAction } from './scopes';

const ESTABLISHMENT_TYPES: Record<string, ScopeAction[]> = {
  Organization: ['u'],
  HealthcareService: ['c', 'u'],
  Location: ['c', 'u'],
  MeasureReport: ['c'],
  Task: ['c', 'u'],
};
const ANALYST_TYPES = new Set(['Task', 'Subscription', 'MeasureReport']);
/** Types an analyst creates but never changes: a stored indicator is a record of what was computed. */
const ANALYST_CREATE_ONLY = new Set(['MeasureReport']);
export const AUDIT_COMPONENT = 'audit';

export class RorWritePolicy implements WritePolicy {
  constructor(
    private readonly realm: string,
    private readonly audit: AuditSink,
  ) {}

  authorize(attempt: WriteAttempt): void | Promise<void> {
    const { actor, resourceType } = attempt;
    // The server's components write what their job is (the sync records its runs as AuditEvents, the audit trail
    // its events): nothing that reaches them from outside decides what they write.
    if (actor.kind === 'system') return;
    if (resourceType === 'AuditEvent') throw this.refuse(attempt, 'the audit trail cannot be written or deleted through the API');
    if (actor.kind === 'admin') return;
    if (actor.kind === 'anonymous') {
      this.audit.accessRefused({ actor, interaction: interactionOf(attempt), target: `${resourceType}/${attempt.id}`, reason: 'no credential' });
      throw unauthenticated(`writing ${resourceType} needs a credential`, this.realm);
    }
    const action = actionOf(attempt);
    if (!scopesAllow(actor.scopes, resourceType, action)) {
      throw this.refuse(attempt, `the token's scopes do not allow to ${ACTION_WORDS[action]} ${resourceType} resources`);
    }
    switch (actor.role) {
      case 'admin':
        return;
      case 'analyst':
        if (!ANALYST_TYPES.has(resourceType)) throw this.refuse(attempt, `analysts write data-quality Tasks, Subscriptions and indicators, not ${resourceType} resources`);
        if (ANALYST_CREATE_ONLY.has(resourceType) && action !== 'c') throw this.refuse(attempt, `a stored ${resourceType} is not changed or deleted (only administrators may)`);
        return;
      case 'consumer':
        throw this.refuse(attempt, 'a consumer reads the offer and writes nothing');
      case 'establishment':
        return this.establishment(attempt, actor, action);
    }
  }

  private async establishment(attempt: WriteAttempt, actor: Principal, action: ScopeAction): Promise<void> {
    const allowed = ESTABLISHMENT_TYPES[attempt.resourceType];
    if (!allowed) throw this.refuse(attempt, `an establishment editor writes Organization, HealthcareService, Location and its own indicators, not ${attempt.resourceType}`);
    if (!allowed.includes(action)) throw this.refuse(attempt, `an establishment editor may not ${ACTION_WORDS[action]} ${attempt.resourceType} resources`);
    const mine = new Set(actor.finess);
    const check = async (resource: Resource, which: string) => {
      const owners = await ownersOf(resource, attempt.reader);
      if (![...owners].some((f) => mine.has(f))) {
        const named = owners.size ? `FINESS ${[...owners].join(', ')}` : 'no establishment';
        throw this.refuse(attempt, `${attempt.resourceType}/${attempt.id} ${which} to ${named}, not to your establishment(s) (FINESS ${actor.finess.join(', ')})`);
      }
    };
    const current = attempt.current && !attempt.current.deleted ? (JSON.parse(attempt.current.json) as Resource) : undefined;
    if (current) await check(current, 'belongs');
    if (attempt.resource) await check(attempt.resource, current ? 'would then belong' : 'would belong');
    // A data-quality task is about one of the establishment's own resources.
    if (attempt.resource?.resourceType === 'Task' && !current) {
      const focus = await focusOf(attempt.resource as Task, attempt.reader);
      const owners = focus ? await ownersOf(focus, attempt.reader) : new Set<string>();
      if (![...owners].some((f) => mine.has(f))) {
        throw this.refuse(attempt, `the task's focus ${(attempt.resource as Task).focus?.reference ?? '(none)'} is not a resource of your establishment(s) (FINESS ${actor.finess.join(', ')})`);
      }
    }
  }

  private refuse(attempt: WriteAttempt, reason: string) {
    this.audit.accessRefused({ actor: attempt.actor, interaction: interactionOf(attempt), target: `${attempt.resourceType}/${attempt.id}`, reason });
    return forbidden(`${describeActor(attempt.actor)} may not write ${attempt.resourceType}/${attempt.id}: ${reason}`);
  }
}

async function focusOf(task: Task, reader: WriteAttempt['reader']): Promise<Resource | undefined> {
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(task.focus?.reference ?? '');
  if (!m) return undefined;
  const v = await reader.read(m[1], m[2]);
  return v && !v.deleted ? (JSON.parse(v.json) as Resource) : undefined;
}

function actionOf(attempt: WriteAttempt): ScopeAction {
  if (attempt.kind === 'delete') return 'd';
  return attempt.current && !attempt.current.deleted ? 'u' : 'c';
}

function interactionOf(attempt: WriteAttempt): string {
  return ACTION_WORDS[actionOf(attempt)];
}
