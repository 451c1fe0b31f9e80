/**
 * The audit trail: AuditEvents (FHIR R4, https://hl7.org/fhir/R4/auditevent.html, in the spirit of IHE BALP) for
 * - every write by a person, a client or an operator's tool: written by the kernel's write path in the write's own
 *   transaction (`recordsFor`, the kernel's WriteAuditor), so no change escapes its trace;
 * - every failed authentication and every refused request (AuditSink): queued and written in batches by
 *   `system:audit`, so a flood of bad requests costs one transaction a second, not one per request (the queue is
 *   bounded: beyond it, refusals are counted and the count is recorded instead);
 * - sign-ins, and a configurable sample of reads (ROR_AUDIT_READ_SAMPLE).
 * The server's own bulk work (the referential sync, subscription delivery, the demo data) is traced by its own
 * reports (sync runs, delivery status), not here: a nightly run writes hundreds of thousands of resources.
 * Analysts and administrators read and search AuditEvents; nobody writes or deletes them through the API.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventAgent } from '@medplum/fhirtypes';
import type { Logger } from '../logger';
import type { Kernel } from '../kernel/kernel';
import type { WriteAuditor } from '../kernel/audit';
import { describeActor, isPrincipal, systemActor, type Actor } from '../kernel/actor';
import type { ResourceStore, StoredVersion } from '../store/store';
import type { AccessRefusal, AuditSink, AuthFailure } from './audit-sink';
import { AUDIT_COMPONENT } from './write-policy';

const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const AGENT_TYPE = 'http://terminology.hl7.org/CodeSystem/extra-security-role-type';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
/** Roles and FINESS numbers of the agents, as codings of this server. */
export const ROLE_SYSTEM = 'https://ror.example.org/fhir/CodeSystem/actor-role';
export const FINESS_SYSTEM = 'https://finess.esante.gouv.fr';

export interface AuditTrailOptions {
  logger: Logger;
  /** Share of successful reads recorded (0: none, 1: all). */
  readSample: number;
  /** Longest wait before queued events are written (ms). */
  flushMs?: number;
  /** Most events waiting; beyond, they are counted, not kept. */
  maxQueue?: number;
  now?: () => Date;
  random?: () => number;
}

type AuditRecord = AuditEvent & { id: string };

export class AuditTrail implements AuditSink, WriteAuditor {
  private queue: AuditRecord[] = [];
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private target?: { kernel: Kernel; store: ResourceStore };
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly options: AuditTrailOptions) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /** Where queued events go; until then they wait (the kernel is built before the store). */
  attach(kernel: Kernel, store: ResourceStore): void {
    this.target = { kernel, store };
  }

  recordsFor(actor: Actor, stored: StoredVersion, previous: StoredVersion | undefined): AuditRecord[] {
    if (actor.kind === 'system') return [];
    const interaction = stored.deleted ? 'delete' : previous ? 'update' : 'create';
    return [
      this.event(actor, {
        action: stored.deleted ? 'D' : previous ? 'U' : 'C',
        subtype: interaction,
        outcome: '0',
        entity: `${stored.resourceType}/${stored.id}/_history/${stored.versionId}`,
      }),
    ];
  }

  authenticationFailed(failure: AuthFailure): void {
    const who: Actor = { kind: 'anonymous', address: failure.address };
    const event = this.event(who, { action: 'E', subtype: 'authenticate', outcome: '4', description: `authentication failed (${failure.method}): ${failure.reason}` });
    event.type = { system: DICOM, code: '110114', display: 'User Authentication' };
    if (failure.claimed) event.agent[0].altId = failure.claimed.slice(0, 200);
    this.enqueue(event);
  }

  signedIn(actor: Actor, method: string): void {
    const event = this.event(actor, { action: 'E', subtype: 'login', outcome: '0', description: `signed in (${method})` });
    event.type = { system: DICOM, code: '110114', display: 'User Authentication' };
    event.subtype = [{ system: DICOM, code: '110122', display: 'Login' }];
    this.enqueue(event);
  }

  accessRefused(refusal: AccessRefusal): void {
    this.enqueue(
      this.event(refusal.actor, {
        action: actionOf(refusal.interaction),
        subtype: refusal.interaction,
        outcome: '4',
        entity: refusal.target,
        description: `refused: ${refusal.reason}`,
      }),
    );
  }

  /** A successful read, kept with the configured probability. */
  readSucceeded(actor: Actor, interaction: string, target: string): void {
    if (this.options.readSample <= 0 || this.random() >= this.options.readSample) return;
    this.enqueue(this.event(actor, { action: actionOf(interaction), subtype: interaction, outcome: '0', entity: target }));
  }

  /** Writes what is queued now (also run by the timer and at shutdown). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (!this.target || (!this.queue.length && !this.dropped)) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    if (this.dropped) {
      batch.push(this.event(systemActor(AUDIT_COMPONENT), { action: 'E', subtype: 'overflow', outcome: '4', description: `${this.dropped} refused or failed requests were not recorded one by one: the audit queue was full` }));
      this.dropped = 0;
    }
    const { kernel, store } = this.target;
    const write = (events: AuditRecord[]) =>
      kernel.transaction(store, systemActor(AUDIT_COMPONENT), async (tx) => {
        for (const event of events) await tx.put(event, { silent: 'the audit trail notifies no one' });
      });
    this.flushing = write(batch)
      // One event the store refuses must not lose the others: then each is written alone.
      .catch(async () => {
        for (const event of batch) {
          await write([event]).catch((err) => this.options.logger.error({ err, event }, 'an audit event could not be written'));
        }
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private enqueue(event: AuditRecord): void {
    if (this.queue.length >= (this.options.maxQueue ?? 10_000)) {
      this.dropped++;
      return;
    }
    this.queue.push(event);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  private event(
    actor: Actor,
    e: { action: AuditEvent['action']; subtype: string; outcome: AuditEvent['outcome']; entity?: string; description?: string },
  ): AuditRecord {
    const event: AuditRecord = {
      resourceType: 'AuditEvent',
      id: randomUUID(),
      type: { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
      subtype: [{ system: INTERACTION, code: e.subtype }],
      action: e.action,
      recorded: this.now().toISOString(),
      outcome: e.outcome,
      agent: [agentOf(actor)],
      source: { observer: { display: 'ROR FHIR server' }, type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }] },
    };
    if (e.description) event.outcomeDesc = e.description.slice(0, 1000);
    if (e.entity) {
      // A resource (`Type/id`, `Type/id/_history/n`) is a reference; anything else (a search) is named.
      const isResource = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.test(e.entity);
      const type = { system: ENTITY_TYPE, code: '2', display: 'System Object' };
      event.entity = [isResource ? { what: { reference: e.entity }, type } : { name: e.entity.slice(0, 500), type }];
    }
    return event;
  }
}

/** The agent of an event: who (client, user, tool), with which role and FINESS numbers, from which address. */
function agentOf(actor: Actor): AuditEventAgent {
  const agent: AuditEventAgent = {
    type: { coding: [{ system: AGENT_TYPE, code: actor.kind === 'user' ? 'humanuser' : 'dataprocessor' }] },
    who: { display: describeActor(actor) },
    requestor: true,
  };
  if (isPrincipal(actor)) {
    agent.altId = `${actor.kind}:${actor.id}`;
    if (actor.name) agent.name = actor.name;
    agent.role = [
      { coding: [{ system: ROLE_SYSTEM, code: actor.role }], text: `access profile ${actor.accessProfile}, via ${actor.via}` },
      ...actor.finess.map((f) => ({ coding: [{ system: FINESS_SYSTEM, code: f }] })),
    ];
  } else if (actor.kind === 'admin') {
    agent.altId = `admin:${actor.name}`;
  }
  const address = 'address' in actor ? actor.address : undefined;
  // Network access point type 2: an IP address.
  if (address) agent.network = { address, type: '2' };
  return agent;
}

function actionOf(interaction: string): AuditEvent['action'] {
  if (interaction === 'create') return 'C';
  if (interaction === 'update' || interaction === 'patch') return 'U';
  if (interaction === 'delete') return 'D';
  if (/^(read|vread|search|history|search-type)$/.test(interaction)) return 'R';
  return 'E';
}
