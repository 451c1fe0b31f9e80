/**
 * What code outside the kernel gets inside a write transaction: reads (its own writes visible) and the kernel's
 * write path, bound to the actor. It deliberately has no raw `write`: every change is prepared by the write hooks,
 * validated, authorised, stored, followed by the after-write hooks and the notifications (./write-path.ts).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion, StoreReader } from '../store/store';
import type { SyncStateRow } from '../store/sync-state';
import type { Actor } from './actor';

export interface WriteOutcome {
  version: StoredVersion;
  /** 201 when the resource was created, 200 otherwise (an unchanged resource keeps its current version). */
  status: 200 | 201;
}

export interface WriteOptions {
  /**
   * Why this write must notify no subscription. Only a subscription's own delivery status is written so (it would
   * otherwise notify about itself); everything else notifies.
   */
  silent?: string;
}

/** Where a resource is stored: its id, and the version it replaces (read in this transaction, or earlier). */
export interface WriteTarget {
  id: string;
  /** The current version (a deletion included), or undefined when the resource does not exist. */
  current: StoredVersion | undefined;
}

/** A resource of a batch (the referential sync): prepared by `prepare`, with the version it was read at. */
export interface BatchItem {
  resource: Resource & { id: string };
  current: StoredVersion | undefined;
}

export interface WriteTx extends StoreReader {
  readonly actor: Actor;
  /**
   * Prepares a body (write hooks, which see `current`) and validates it as a `type` resource (with `id` on
   * update); returns the resource to store, or throws a FhirError (400, 422).
   */
  validate(body: unknown, target: { type: string; id?: string; current?: StoredVersion }): Resource;
  /**
   * Stores a resource as the next version at `target`, unless its content equals the current one (then the current
   * version is returned, status 200). A resource that did not come from `validate` is validated first. Fails with
   * VersionConflictError when the current version is not `target.current` any more.
   */
  store(resource: Resource, target: WriteTarget, options?: WriteOptions): Promise<WriteOutcome>;
  /** `store` of a complete resource, its current version read here. */
  put(resource: Resource & { id: string }, options?: WriteOptions): Promise<WriteOutcome>;
  /** Records the deletion of a live resource (`current`) as its next version. */
  remove(resourceType: string, id: string, current: StoredVersion, options?: WriteOptions): Promise<StoredVersion>;
  /**
   * The write hooks' `prepare` alone, for a bulk writer that validates a batch ahead, maybe on another thread
   * (the referential sync); `storeBatch` takes only resources that went through it.
   */
  prepare(resource: Resource, current: StoredVersion | undefined): Resource;
  /**
   * Stores the items whose rejection is undefined (`rejections[i]`: why item i is invalid, from the kernel's
   * validator run ahead), in one store write; the others are skipped. Returns the stored versions, in item order,
   * undefined for skipped items.
   */
  storeBatch(items: BatchItem[], rejections: readonly (string | undefined)[]): Promise<(StoredVersion | undefined)[]>;
  /** The referential sync's fingerprints of what it wrote, saved in this transaction (no resource changes). */
  saveSyncState(rows: SyncStateRow[]): Promise<void>;
}
