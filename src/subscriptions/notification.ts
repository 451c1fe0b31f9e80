/**
 * What the outbox keeps for one notification: which subscription, which version of which resource. The delivery
 * reads the Subscription when it delivers (so endpoint and header changes apply to pending notifications, and a
 * deleted or `off` subscription gets nothing more) and the version itself when the payload is the resource.
 */
import type { OutboxMessage } from '../store/store';

export interface Notification {
  subscription: string;
  resourceType: string;
  id: string;
  versionId: string;
}

/** One queue per subscription: its notifications are delivered one at a time, in commit order. */
export function queueOf(subscriptionId: string): string {
  return `Subscription/${subscriptionId}`;
}

export function toMessage(n: Notification): OutboxMessage {
  return { queue: queueOf(n.subscription), payload: JSON.stringify(n) };
}

export function fromPayload(payload: string): Notification | undefined {
  try {
    const n = JSON.parse(payload) as Partial<Notification>;
    if ([n.subscription, n.resourceType, n.id, n.versionId].every((v) => typeof v === 'string')) return n as Notification;
  } catch {
    // fall through
  }
  return undefined;
}
