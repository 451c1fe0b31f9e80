/**
 * R4 Subscriptions with rest-hook channels: change notifications for orientation tools (e.g. bed availability).
 * Wiring: `registerSubscriptionHooks()` once before serving writes, `startSubscriptionDelivery({ store, logger })`
 * once the store is open, and `await delivery.stop()` before closing the store.
 */
export { registerSubscriptionHooks, type SubscriptionHookOptions } from './hooks';
export { startSubscriptionDelivery, type DeliveryOptions, type SubscriptionDelivery } from './delivery';
export { loadSubscriptionConfig, type SubscriptionConfig } from './config';
