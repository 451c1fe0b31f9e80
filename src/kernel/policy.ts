/**
 * The authorisation policy of writes: the kernel asks it about every change it is about to store, with the actor,
 * the resource as it will be stored and the current version. There is no other way to store a resource, so a policy
 * plugged in here covers the HTTP API, bundles, operations, the referential sync and everything else that writes.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoreReader, StoredVersion } from '../store/store';
import type { Actor } from './actor';

export interface WriteAttempt {
  actor: Actor;
  kind: 'put' | 'delete';
  resourceType: string;
  id: string;
  /** The resource as it will be stored (puts). */
  resource?: Resource;
  /** The version it replaces, if any. */
  current?: StoredVersion;
  /** Reads inside the write's transaction (what the policy needs to know who owns the resource). */
  reader: Pick<StoreReader, 'read'>;
}

export interface WritePolicy {
  /**
   * Returns (or resolves) when the write is allowed; throws a FhirError (403, saying why) when it is not. It runs
   * inside the write's transaction, so it may read the store through what the attempt names.
   */
  authorize(attempt: WriteAttempt): void | Promise<void>;
}

/** Every actor may write everything: for tests and tools that exercise something else than security. */
export const allowEveryWrite: WritePolicy = { authorize: () => undefined };
