/**
 * What R4 Subscriptions (https://hl7.org/fhir/R4/subscription.html) add to the kernel:
 * - a write hook on Subscription: `requested` becomes `active` (the server accepts what it can serve; a client
 *   writing `requested` or `active` also clears the server's `error`), criteria and channel are checked (a 422
 *   rolls the write back), and the active-subscription cache is invalidated;
 * - a notifier: on any other write, whoever makes it (HTTP, bundles, operations, the referential sync), for each
 *   served subscription on that type whose criteria the new version matches, a notification is put in the outbox,
 *   in the same transaction as the change (a crash loses none).
 * Deletions notify nobody (a deleted resource matches no search). Subscription writes notify nobody, and criteria on
 * Subscription are refused, so the deliverer's status updates cannot loop (they are written silent anyway).
 */
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { OutboxMessage, StoredVersion } from '../store/store';
import type { SearchContext } from '../fhir/search/plan';
import type { WriteHook } from '../kernel/hooks';
import type { Notifier, NotifyTx } from '../kernel/notifications';
import type { SubscriptionConfig } from './config';
import { matchPlan, parseCriteria } from './criteria';
import { parseChannel } from './channel';
import type { ActiveSubscriptions } from './active';
import { toMessage } from './notification';

export interface SubscriptionParts {
  search: SearchContext;
  config: SubscriptionConfig;
  active: ActiveSubscriptions;
  /** Told when notifications were enqueued (before the commit): wakes the deliverer. */
  enqueued: () => void;
}

export function subscriptionWriteHook(parts: SubscriptionParts): WriteHook {
  return {
    types: ['Subscription'],
    prepare: (resource: Resource) => {
      const sub = resource as Subscription;
      // `error` is the server's: a client asking for (re)activation starts from a clean slate.
      if (sub.status !== 'requested' && sub.status !== 'active') return resource;
      const { error: _error, ...rest } = sub;
      return { ...rest, status: 'active' } as Subscription;
    },
    afterWrite: async (tx, stored: StoredVersion) => {
      parts.active.invalidate(tx);
      if (stored.deleted) return;
      const sub = JSON.parse(stored.json) as Subscription;
      parseCriteria(parts.search, sub.criteria);
      if (sub.status !== 'off') parseChannel(sub, parts.config.allowedHosts);
    },
  };
}

export function subscriptionNotifier(parts: SubscriptionParts): Notifier {
  return {
    notify: (tx, stored) => {
      if (stored.deleted || stored.resourceType === 'Subscription') return;
      // Most writes are of types nobody subscribed to: known at once from the cache, without a promise.
      if (parts.active.cachedFor(tx, stored.resourceType)?.length === 0) return;
      return notifyMatching(tx, stored);
    },
  };

  async function notifyMatching(tx: NotifyTx, stored: StoredVersion): Promise<void> {
    const subs = await parts.active.forType(tx, stored.resourceType);
    if (!subs.length) return;
    const now = Date.now();
    const messages: OutboxMessage[] = [];
    for (const sub of subs) {
      if (sub.end !== undefined && sub.end <= now) continue;
      const hits = await tx.search(matchPlan(sub.criteria, stored.id));
      if (!hits.entries.length) continue;
      messages.push(toMessage({ subscription: sub.id, resourceType: stored.resourceType, id: stored.id, versionId: stored.versionId }));
    }
    if (!messages.length) return;
    await tx.enqueue(messages);
    parts.enqueued();
  }
}
