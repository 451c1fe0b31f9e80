/**
 * The rest-hook deliverer: claims due notifications from the store's outbox and sends them, outside any write
 * transaction, so a slow or dead endpoint only occupies the deliverer, never a write.
 *
 * Guarantees:
 * - at least once: a notification leaves the outbox only after a 2xx (or when it is abandoned, below); one claimed
 *   when the server crashed is delivered again once its lease expires (leaseMs), so receivers must be idempotent
 *   (resource type, id and version identify a notification);
 * - per subscription, in commit order: one notification of a subscription is in flight at a time, and a failing one
 *   holds back the later ones until it succeeds or is abandoned. Different subscriptions are delivered in parallel,
 *   up to `concurrency`;
 * - retries with exponential backoff and jitter; after the first failure the Subscription shows `status = error` and
 *   the reason in `error`; the next success puts it back to `active`. After `maxAttempts` failed attempts of one
 *   notification the subscription is turned `off` (R4: "too many errors") and its pending notifications are dropped;
 *   the client turns it back on by writing `status = requested` (or `active`).
 *
 * Status updates go through the kernel's write path like any write (actor `system:subscriptions`: validated,
 * hooked, authorised), written silent: a subscription's delivery status notifies no one.
 */
import type { Subscription } from '@medplum/fhirtypes';
import type { OutboxItem, ResourceStore } from '../store/store';
import type { Logger } from '../logger';
import type { Kernel } from '../kernel/kernel';
import { systemActor } from '../kernel/actor';
import type { SubscriptionConfig } from './config';
import { backoffDelay } from './backoff';
import { parseChannel, type RestHookChannel } from './channel';
import { SERVED_STATUSES, type ActiveSubscriptions } from './active';
import { fromPayload, queueOf, type Notification } from './notification';

const DELIVERY = systemActor('subscriptions');

export interface DeliveryOptions {
  store: ResourceStore;
  kernel: Kernel;
  /** The server's subscriptions: their cache and the wake-up signal of new notifications. */
  subscriptions: { active: ActiveSubscriptions; onEnqueued(listener: () => void): () => void };
  logger: Logger;
  config: SubscriptionConfig;
  /** Clock, ms since epoch (tests). */
  now?: () => number;
  /** Jitter source in [0, 1] (tests). */
  random?: () => number;
  /** HTTP client (tests). */
  fetch?: typeof fetch;
  /** Told what became of each delivery attempt (the metrics count them). */
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

/**
 * `delivered`; `retry`: the attempt failed and another is scheduled; `abandoned`: the last attempt failed and the
 * subscription was turned off; `dropped`: nothing to send (subscription gone, ended, or its channel refused).
 */
export type DeliveryOutcome = 'delivered' | 'retry' | 'abandoned' | 'dropped';

export interface SubscriptionDelivery {
  /** Stops claiming, and resolves once the deliveries in flight have finished (each is bounded by the timeout). */
  stop(): Promise<void>;
}

type Outcome = { ok: true } | { ok: false; error: string };

export function startSubscriptionDelivery(options: DeliveryOptions): SubscriptionDelivery {
  const worker = new Deliverer(options);
  worker.start();
  return { stop: () => worker.stop() };
}

class Deliverer {
  private readonly store: ResourceStore;
  private readonly kernel: Kernel;
  private readonly subscriptions: DeliveryOptions['subscriptions'];
  private readonly logger: Logger;
  private readonly config: SubscriptionConfig;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly fetch: typeof fetch;
  private readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private pumping?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(options: DeliveryOptions) {
    this.store = options.store;
    this.kernel = options.kernel;
    this.subscriptions = options.subscriptions;
    this.logger = options.logger.child({ component: 'subscriptions' });
    this.config = options.config;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.fetch = options.fetch ?? fetch;
    this.onOutcome = options.onOutcome;
  }

  start(): void {
    // A (re)opened store: whatever was cached about subscriptions may predate it.
    this.subscriptions.active.reset();
    this.unsubscribe = this.subscriptions.onEnqueued(() => this.wake());
    this.schedule();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.wake();
      this.schedule();
    }, this.config.pollMs);
    this.timer.unref();
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Claims as many due notifications as there is room for, and starts delivering them. */
  private async pump(): Promise<void> {
    do {
      this.again = false;
      const room = this.config.concurrency - this.inFlight.size;
      if (room <= 0 || this.stopped) return;
      let items: OutboxItem[];
      try {
        // Only the subscriptions' queues: the outbox also carries the audit trail's and the offer index's messages.
        items = await this.store.claimOutbox({ limit: room, now: this.now(), leaseMs: this.config.leaseMs, queues: { prefix: queueOf('') } });
      } catch (err) {
        if (!this.stopped) this.logger.error({ err }, 'could not claim subscription notifications');
        return;
      }
      for (const item of items) this.track(this.handle(item));
      if (items.length === room) this.again = true;
    } while (this.again && !this.stopped);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      // The next notification of the same subscription may be due right away.
      this.wake();
    });
  }

  private async handle(item: OutboxItem): Promise<void> {
    try {
      await this.deliverItem(item);
    } catch (err) {
      // Store errors (closing, disk): the lease expires and the notification is tried again.
      if (!this.stopped) this.logger.error({ err, outboxId: item.id }, 'subscription notification handling failed');
    }
  }

  private async deliverItem(item: OutboxItem): Promise<void> {
    const outcome = await this.deliverOne(item);
    this.onOutcome?.(outcome);
  }

  private async deliverOne(item: OutboxItem): Promise<DeliveryOutcome> {
    const n = fromPayload(item.payload);
    if (!n) {
      this.logger.error({ outboxId: item.id, payload: item.payload.slice(0, 200) }, 'malformed notification dropped');
      await this.store.completeOutbox(item.id);
      return 'dropped';
    }
    const log = this.logger.child({ subscription: n.subscription, resource: `${n.resourceType}/${n.id}/_history/${n.versionId}` });
    const current = await this.store.read('Subscription', n.subscription);
    const sub = current && !current.deleted ? (JSON.parse(current.json) as Subscription) : undefined;
    if (!sub || !SERVED_STATUSES.includes(sub.status)) {
      log.debug({ status: sub?.status ?? 'deleted' }, 'subscription not served any more; notification dropped');
      await this.store.completeOutbox(item.id);
      return 'dropped';
    }
    if (sub.end && Date.parse(sub.end) <= this.now()) {
      log.info({ end: sub.end }, 'subscription ended; turned off');
      await this.setStatus(n.subscription, 'off', undefined);
      await this.store.completeOutbox(item.id);
      return 'dropped';
    }
    let channel: RestHookChannel;
    try {
      channel = parseChannel(sub, this.config.allowedHosts);
    } catch (err) {
      // E.g. the operator narrowed ROR_SUBSCRIPTION_ALLOWED_HOSTS: retrying cannot help.
      const reason = err instanceof Error ? err.message : String(err);
      log.warn({ reason }, 'subscription channel refused; turned off');
      await this.setStatus(n.subscription, 'off', `notifications stopped: ${reason}`);
      await this.store.completeOutbox(item.id);
      return 'dropped';
    }

    const outcome = await this.send(channel, n);
    if (outcome.ok) {
      log.debug({ attempts: item.attempts }, 'notification delivered');
      await this.store.completeOutbox(item.id);
      if (sub.status !== 'active' || sub.error !== undefined) await this.setStatus(n.subscription, 'active', undefined);
      return 'delivered';
    }
    const what = `${n.resourceType}/${n.id}/_history/${n.versionId}`;
    if (item.attempts >= this.config.maxAttempts) {
      log.warn({ attempts: item.attempts, error: outcome.error }, 'notification abandoned; subscription turned off');
      await this.setStatus(
        n.subscription,
        'off',
        `gave up notifying ${what} after ${item.attempts} attempts (last: ${outcome.error}); ` +
          'notifications are stopped: set status to requested to resume',
      );
      await this.store.completeOutbox(item.id);
      return 'abandoned';
    }
    const next = this.now() + backoffDelay(item.attempts, this.config, this.random);
    log.info({ attempts: item.attempts, error: outcome.error, nextAttemptAt: new Date(next).toISOString() }, 'notification failed; will retry');
    await this.store.rescheduleOutbox(item.id, next, outcome.error);
    await this.setStatus(
      n.subscription,
      'error',
      `notifying ${what} failed (attempt ${item.attempts} of ${this.config.maxAttempts}): ${outcome.error}; ` +
        `next attempt after ${new Date(next).toISOString()}`,
    );
    return 'retry';
  }

  /** One HTTP delivery: an empty POST, or a PUT of the version under the endpoint taken as a FHIR base. */
  private async send(channel: RestHookChannel, n: Notification): Promise<Outcome> {
    const headers = new Headers();
    for (const [name, value] of channel.headers) headers.append(name, value);
    let url = channel.endpoint;
    let method = 'POST';
    let body: string | undefined;
    if (channel.payload) {
      const version = await this.store.vread(n.resourceType, n.id, n.versionId);
      if (!version || version.deleted) return { ok: true }; // nothing to send (cannot happen: versions are kept)
      url = `${channel.endpoint.replace(/\/+$/, '')}/${n.resourceType}/${encodeURIComponent(n.id)}`;
      method = 'PUT';
      body = this.kernel.hooks.presentJson(version);
      headers.set('Content-Type', `${channel.payload}; charset=utf-8`);
    }
    try {
      const res = await this.fetch(url, {
        method,
        headers,
        body,
        // A redirect could lead anywhere, past the allowed hosts: it is a failure, never followed.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${method} ${url}` };
    } catch (err) {
      return { ok: false, error: `${describe(err, this.config.timeoutMs)} (${method} ${url})` };
    }
  }

  /**
   * Writes status/error on the Subscription when they change, and only while it is served (active or error): never
   * over a client's `off`, nor on a deleted one.
   */
  private async setStatus(id: string, status: 'active' | 'error' | 'off', error: string | undefined): Promise<void> {
    await this.kernel.transaction(this.store, DELIVERY, async (tx) => {
      const current = await tx.read('Subscription', id);
      if (!current || current.deleted) return;
      const sub = JSON.parse(current.json) as Subscription & { id: string };
      if (!SERVED_STATUSES.includes(sub.status)) return;
      if (sub.status === status && sub.error === error) return;
      const { error: _old, ...rest } = sub;
      // The Subscription write hook invalidates the cache of active subscriptions.
      const next = { ...rest, status, ...(error !== undefined ? { error } : {}) };
      await tx.store(tx.validate(next, { type: 'Subscription', id, current }), { id, current }, { silent: 'a subscription\'s own delivery status' });
    });
  }
}

function describe(err: unknown, timeoutMs: number): string {
  // Duck-typed: errors from fetch (undici) may come from another realm (DOMException, jest's vm contexts).
  if (err && typeof err === 'object') {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
    if (e.cause?.code) return `${e.cause.code}${e.cause.message ? `: ${e.cause.message}` : ''}`;
    if (e.message) return `${e.name ?? 'Error'}: ${e.message}`;
  }
  return String(err);
}
