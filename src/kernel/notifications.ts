/**
 * Notifications: what a write tells the outside world, queued in the outbox in the same transaction as the write (a
 * crash loses none), delivered after commit by their own worker (src/subscriptions/delivery.ts). A notifier sees
 * every stored version, whoever wrote it: HTTP, bundles, operations, the referential sync. A write may be silent
 * only by saying why (WriteOptions.silent): a subscription's delivery status must not notify, or it would loop.
 */
import type { OutboxMessage, StoredVersion, StoreReader } from '../store/store';

/** What a notifier may do in the write's transaction: read (its own writes visible) and queue messages. */
export interface NotifyTx extends StoreReader {
  enqueue(messages: OutboxMessage[]): Promise<void>;
}

export interface Notifier {
  /** Queues what `stored` notifies; may return nothing at once when it knows nothing is to be notified. */
  notify(tx: NotifyTx, stored: StoredVersion, previous: StoredVersion | undefined): Promise<void> | void;
}
