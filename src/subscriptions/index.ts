/**
 * R4 Subscriptions with rest-hook channels: change notifications for orientation tools (e.g. bed availability).
 * One `Subscriptions` per server, built by the composition root: `install()` adds its write hook and notifier to
 * the kernel before serving writes, `startDelivery(store)` starts the deliverer once the store is open, and
 * `await delivery.stop()` comes before closing the store.
 */
import type { Logger } from '../logger';
import type { ResourceStore } from '../store/store';
import type { Kernel } from '../kernel/kernel';
import { ActiveSubscriptions } from './active';
import { loadSubscriptionConfig, type SubscriptionConfig } from './config';
import { startSubscriptionDelivery, type DeliveryOptions, type SubscriptionDelivery } from './delivery';
import { subscriptionNotifier, subscriptionWriteHook, type SubscriptionParts } from './hooks';

export { loadSubscriptionConfig, type SubscriptionConfig } from './config';
export type { SubscriptionDelivery } from './delivery';

export class Subscriptions {
  readonly active: ActiveSubscriptions;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly kernel: Kernel,
    readonly config: SubscriptionConfig = loadSubscriptionConfig(),
    private readonly logger?: Logger,
  ) {
    this.active = new ActiveSubscriptions(kernel, config.cacheTtlMs, logger);
  }

  /** Adds the Subscription write hook and the notifier to the kernel (once). */
  install(): void {
    const parts: SubscriptionParts = {
      search: this.kernel,
      config: this.config,
      active: this.active,
      enqueued: () => this.listeners.forEach((l) => l()),
    };
    this.kernel.hooks.addWrite(subscriptionWriteHook(parts));
    this.kernel.addNotifier(subscriptionNotifier(parts));
  }

  /** Listens to enqueued notifications; returns the function that stops listening. */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the deliverer on `store`; its settings are this service's unless `options.config` gives others. */
  startDelivery(store: ResourceStore, options: Pick<DeliveryOptions, 'logger' | 'now' | 'random' | 'fetch' | 'onOutcome'> & { config?: SubscriptionConfig }): SubscriptionDelivery {
    return startSubscriptionDelivery({ config: this.config, ...options, store, kernel: this.kernel, subscriptions: this });
  }
}
