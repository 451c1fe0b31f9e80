/**
 * The audit of writes: the write path asks the kernel's auditor, after each change it stored, for the outbox
 * messages that trace it and enqueues them in the same transaction, so a change and its trace commit together or
 * not at all. The audit trail (src/security/audit.ts) then turns them into AuditEvents in batches, in the
 * background: a trace costs the write one small outbox row, not a second indexed resource and its history.
 */
import type { OutboxMessage, StoredVersion } from '../store/store';
import type { Actor } from './actor';

/** Outbox queues of the audit trail start with this; other consumers of the outbox (subscriptions) skip them. */
export const AUDIT_QUEUE_PREFIX = 'audit:';

export interface WriteAuditor {
  /**
   * The messages that trace `actor`'s change (none: not audited, e.g. the server's own bulk work); `replaced`: the
   * change replaced a version (a deletion's included).
   */
  messagesFor(actor: Actor, stored: StoredVersion, replaced: boolean): OutboxMessage[];
}
