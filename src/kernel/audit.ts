/**
 * The audit of writes: the write path asks the kernel's auditor, after each change it stored, for the records that
 * trace it (AuditEvents, src/security/audit.ts) and stores them in the same transaction, so a change and its trace
 * commit together or not at all. They are server records, not client input: stored without validation or policy.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../store/store';
import type { Actor } from './actor';

export interface WriteAuditor {
  /** The records that trace `actor`'s change (none: not audited, e.g. the server's own bulk work). */
  recordsFor(actor: Actor, stored: StoredVersion, previous: StoredVersion | undefined): (Resource & { id: string })[];
}
