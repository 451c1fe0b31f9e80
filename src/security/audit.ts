/**
 * The audit trail: AuditEvents (FHIR R4, https://hl7.org/fhir/R4/auditevent.html, in the spirit of IHE BALP) for
 * - every write by a person, a client or an operator's tool: its event is enqueued in the outbox by the kernel's
 *   write path, in the write's own transaction (`messagesFor`, the kernel's WriteAuditor), so no change escapes its
 *   trace; `drain` stores those events as AuditEvents in batches (a second or so later, and after a crash: the
 *   outbox keeps them; an event drained twice after a crash is a second version of the same AuditEvent);
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
import { AUDIT_QUEUE_PREFIX, type WriteAuditor } from '../kernel/audit';
import { describeActor, isPrincipal, systemActor, type Actor } from '../kernel/actor';
import type { OutboxMessage, ResourceStore, StoredVersion } from '../store/store';
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

/** Events of writes stored per transaction by `drain`. */
const DRAIN_BATCH = 500;

export class AuditTrail implements AuditSink, WriteAuditor {
  private queue: AuditRecord[] = [];
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private drainTimer?: NodeJS.Timeout;
  private draining?: Promise<void>;
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

  messagesFor(actor: Actor, stored: StoredVersion, replaced: boolean): OutboxMessage[] {
    if (actor.kind === 'system') return [];
    const interaction = stored.deleted ? 'delete' : replaced ? 'update' : 'create';
    const event = this.event(actor, {
      action: stored.deleted ? 'D' : replaced ? 'U' : 'C',
      subtype: interaction,
      outcome: '0',
      entity: `${stored.resourceType}/${stored.id}/_history/${stored.versionId}`,
    });
    // One queue per event: the outbox hands out one message per queue at a time, and these have no order to keep.
    return [{ queue: `${AUDIT_QUEUE_PREFIX}${event.id}`, payload: JSON.stringify(event) }];
  }

  /** Stores the events of writes waiting in the outbox as AuditEvents, in batches; resolves when none is left. */
  async drain(): Promise<void> {
    if (!this.target) return;
    const { store } = this.target;
    for (;;) {
      const items = await store.claimOutbox({ limit: DRAIN_BATCH, now: Date.now(), leaseMs: 60_000, queues: { prefix: AUDIT_QUEUE_PREFIX } });
      if (!items.length) return;
      const events = items.flatMap((item) => {
        try {
          return [JSON.parse(item.payload) as AuditRecord];
        } catch {
          this.options.logger.error({ id: item.id }, 'an audit message is not JSON; dropped');
          return [];
        }
      });
      await this.write(events);
      await store.completeOutbox(items.map((item) => item.id));
      if (items.length < DRAIN_BATCH) return;
    }
  }

  /** Drains the outbox every `flushMs` (the server's background work). */
  start(): void {
    if (this.drainTimer) return;
    this.drainTimer = setInterval(() => {
      if (this.draining) return;
      this.draining = this.drain()
        .catch((err) => this.options.logger.error({ err }, 'audit events of writes could not be stored; they stay in the outbox'))
        .finally(() => (this.draining = undefined));
    }, this.options.flushMs ?? 1000);
    this.drainTimer.unref();
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

  /** Writes what is queued now, and the events of writes waiting in the outbox (also run at shutdown). */
  async flush(): Promise<void> {
    await this.draining;
    await this.drain();
    await this.flushQueue();
  }

  /** Writes the queued refusals and failures (also run by the timer). */
  private flushQueue(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flushQueue());
    if (!this.target || (!this.queue.length && !this.dropped)) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    if (this.dropped) {
      batch.push(this.event(systemActor(AUDIT_COMPONENT), { action: 'E', subtype: 'overflow', outcome: '4', description: `${this.dropped} refused or failed requests were not recorded one by one: the audit queue was full` }));
      this.dropped = 0;
    }
    this.flushing = this.write(batch)
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.timer = this.drainTimer = undefined;
    await this.flush();
  }

  /**
   * Stores events as `system:audit`, in one transaction, through the kernel's bulk road: the events are built by
   * this module (test/security/audit.test.ts validates each kind against R4), so they are not validated one by one
   * (that cost more than the write they trace). One the store refuses must not lose the others.
   */
  private async write(events: AuditRecord[]): Promise<void> {
    if (!this.target || !events.length) return;
    const { kernel, store } = this.target;
    const put = (batch: AuditRecord[]) =>
      kernel.transaction(store, systemActor(AUDIT_COMPONENT), async (tx) => {
        const items = [];
        for (const event of batch) {
          const current = await tx.read('AuditEvent', event.id);
          items.push({ resource: tx.prepare(event, current) as AuditRecord, current });
        }
        await tx.storeBatch(items, new Array(items.length).fill(undefined));
      });
    await put(events).catch(async () => {
      for (const event of events) await put([event]).catch((err) => this.options.logger.error({ err, event }, 'an audit event could not be written'));
    });
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
        void this.flushQueue();
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
