/**
 * Write hooks of R4 Subscriptions (https://hl7.org/fhir/R4/subscription.html):
 * - on a Subscription write: `requested` becomes `active` (the server accepts what it can serve; a client writing
 *   `requested` or `active` also clears the server's `error`), criteria and channel are checked (a 422 rolls the
 *   write back), and the active-subscription cache is invalidated;
 * - on any other write: for each served subscription on that type whose criteria the new version matches, a
 *   notification is put in the outbox, in the same transaction as the change (a crash loses none).
 * Deletions notify nobody (a deleted resource matches no search). Subscription writes notify nobody, and criteria on
 * Subscription are refused, so the deliverer's status updates cannot loop.
 */
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { OutboxMessage, StoredVersion, StoreWriter } from '../store/store';
import type { Logger } from '../logger';
import { registerWriteHook } from '../fhir/hooks';
import { loadSubscriptionConfig, type SubscriptionConfig } from './config';
import { matchPlan, parseCriteria } from './criteria';
import { parseChannel } from './channel';
import { ActiveSubscriptions } from './active';
import { notifyEnqueued, toMessage } from './notification';

export interface SubscriptionHookOptions {
  config?: SubscriptionConfig;
  logger?: Logger;
}

let settings: { config: SubscriptionConfig; logger?: Logger } | undefined;

export const activeSubscriptions = new ActiveSubscriptions(
  () => settings?.config.cacheTtlMs ?? 0,
  () => settings?.logger,
);

/**
 * Registers the hooks once per process; later calls only replace the settings (config, logger). Also forgets the
 * cached subscriptions, as when a store is (re)opened.
 */
export function registerSubscriptionHooks(options: SubscriptionHookOptions = {}): void {
  const first = settings === undefined;
  settings = { config: options.config ?? settings?.config ?? loadSubscriptionConfig(), logger: options.logger ?? settings?.logger };
  activeSubscriptions.reset();
  if (!first) return;

  registerWriteHook({
    types: ['Subscription'],
    prepare: (resource: Resource) => {
      const sub = resource as Subscription;
      // `error` is the server's: a client asking for (re)activation starts from a clean slate.
      if (sub.status !== 'requested' && sub.status !== 'active') return resource;
      const { error: _error, ...rest } = sub;
      return { ...rest, status: 'active' } as Subscription;
    },
    afterWrite: async (tx: StoreWriter, stored: StoredVersion) => {
      activeSubscriptions.invalidate(tx);
      if (stored.deleted) return;
      const sub = JSON.parse(stored.json) as Subscription;
      parseCriteria(sub.criteria);
      if (sub.status !== 'off') parseChannel(sub, settings!.config.allowedHosts);
    },
  });

  registerWriteHook({
    afterWrite: async (tx: StoreWriter, stored: StoredVersion) => {
      if (stored.deleted || stored.resourceType === 'Subscription') return;
      const subs = await activeSubscriptions.forType(tx, stored.resourceType);
      if (!subs.length) return;
      const now = Date.now();
      const messages: OutboxMessage[] = [];
      for (const sub of subs) {
        if (sub.end !== undefined && sub.end <= now) continue;
        const hits = await tx.search(matchPlan(sub.criteria, stored.id));
        if (!hits.entries.length) continue;
        messages.push(
          toMessage({ subscription: sub.id, resourceType: stored.resourceType, id: stored.id, versionId: stored.versionId }),
        );
      }
      if (!messages.length) return;
      await tx.enqueue(messages);
      notifyEnqueued();
    },
  });
}
