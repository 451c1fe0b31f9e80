/**
 * The one write path. Every change to a resource, whoever makes it (HTTP interactions, batch and transaction
 * bundles, operations, the referential sync, subscription delivery, the demo data), is stored here, in order:
 *
 *   prepare (write hooks) → validate → authorise (policy, with the actor) → store (the store adapter indexes it in
 *   the same transaction) → after-write hooks → notifications (outbox, same transaction)
 *
 * `writeChanges` below is the only caller of StoreWriter.write outside the store adapters; WriteTx (./write-tx.ts),
 * the only thing other code gets inside a transaction, has no raw write.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import type { HistoryQuery, OutboxMessage, ResourceChange, StoredVersion, StoreWriter } from '../store/store';
import type { SearchPlan } from '../store/search-plan';
import type { SyncStateRow } from '../store/sync-state';
import { FhirError } from '../errors';
import type { Actor } from './actor';
import type { WriteAuditor } from './audit';
import type { Hooks } from './hooks';
import type { Notifier, NotifyTx } from './notifications';
import type { WritePolicy } from './policy';
import type { ResourceValidator } from './validator';
import type { BatchItem, WriteOptions, WriteOutcome, WriteTarget, WriteTx } from './write-tx';

/** The parts of a kernel the write path runs. */
export interface WritePathParts {
  readonly hooks: Hooks;
  readonly validator: ResourceValidator;
  readonly policy: WritePolicy;
  readonly auditor?: WriteAuditor;
  readonly notifiers: readonly Notifier[];
  /** Resources this kernel validated (by identity): `store` does not validate them twice. */
  readonly validated: WeakSet<object>;
  /** Resources this kernel prepared for a batch: `storeBatch` takes no others. */
  readonly prepared: WeakSet<object>;
}

/** A transaction seen through the write path: what hooks get (as WriteTx) and notifiers get (as NotifyTx). */
export class KernelWriteTx implements WriteTx, NotifyTx {
  constructor(
    private readonly kernel: WritePathParts,
    private readonly w: StoreWriter,
    readonly actor: Actor,
  ) {}

  read(resourceType: string, id: string) {
    return this.w.read(resourceType, id);
  }

  vread(resourceType: string, id: string, versionId: string) {
    return this.w.vread(resourceType, id, versionId);
  }

  history(query: HistoryQuery) {
    return this.w.history(query);
  }

  search(plan: SearchPlan) {
    return this.w.search(plan);
  }

  saveSyncState(rows: SyncStateRow[]): Promise<void> {
    return this.w.saveSyncState(rows);
  }

  /** Notifiers only (NotifyTx): messages commit with the write. */
  enqueue(messages: OutboxMessage[]): Promise<void> {
    return this.w.enqueue(messages);
  }

  validate(body: unknown, target: { type: string; id?: string; current?: StoredVersion }): Resource {
    // Hooks see only bodies of the right type; validation then reports anything else (wrong type, not an object).
    const isOfType = !!body && typeof body === 'object' && (body as Resource).resourceType === target.type;
    const prepared = isOfType ? this.kernel.hooks.prepare(body as Resource, target.current) : body;
    const resource = this.kernel.validator.validateForWrite(prepared, {
      expectedType: target.type,
      expectedId: target.id,
      requireId: target.id !== undefined,
    });
    this.kernel.validated.add(resource);
    return resource;
  }

  async store(resource: Resource, target: WriteTarget, options: WriteOptions = {}): Promise<WriteOutcome> {
    let valid = resource;
    if (!this.kernel.validated.has(resource)) {
      valid = this.validate(resource, { type: resource.resourceType, id: resource.id, current: target.current });
    }
    const next = (valid.id === target.id ? valid : { ...valid, id: target.id }) as Resource & { id: string };
    const { current } = target;
    const live = current && !current.deleted ? current : undefined;
    if (live && isDeepStrictEqual(comparable(JSON.parse(live.json)), comparable(next))) return { version: live, status: 200 };
    await this.authorize('put', next.resourceType, next.id, next, current);
    const [version] = await this.writeChanges([{ kind: 'put', resource: next, expectVersion: versionNumber(current) }]);
    await this.afterWrite(version, current, options);
    return { version, status: live ? 200 : 201 };
  }

  async put(resource: Resource & { id: string }, options: WriteOptions = {}): Promise<WriteOutcome> {
    const current = await this.w.read(resource.resourceType, resource.id);
    const valid = this.validate(resource, { type: resource.resourceType, id: resource.id, current });
    return this.store(valid, { id: resource.id, current }, options);
  }

  async remove(resourceType: string, id: string, current: StoredVersion, options: WriteOptions = {}): Promise<StoredVersion> {
    await this.authorize('delete', resourceType, id, undefined, current);
    const [version] = await this.writeChanges([{ kind: 'delete', resourceType, id, expectVersion: versionNumber(current) }]);
    await this.afterWrite(version, current, options);
    return version;
  }

  prepare(resource: Resource, current: StoredVersion | undefined): Resource {
    const prepared = this.kernel.hooks.prepare(resource, current);
    this.kernel.prepared.add(prepared);
    return prepared;
  }

  async storeBatch(items: BatchItem[], rejections: readonly (string | undefined)[]): Promise<(StoredVersion | undefined)[]> {
    const accepted: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!this.kernel.prepared.has(item.resource)) {
        throw new Error(`storeBatch: ${item.resource.resourceType}/${item.resource.id} was not prepared by this kernel (WriteTx.prepare)`);
      }
      if (rejections[i] !== undefined) continue;
      const pending = this.authorize('put', item.resource.resourceType, item.resource.id, item.resource, item.current);
      if (pending) await pending;
      accepted.push(i);
    }
    const versions = await this.writeChanges(
      accepted.map((i) => ({ kind: 'put', resource: items[i].resource, expectVersion: versionNumber(items[i].current) })),
    );
    const stored: (StoredVersion | undefined)[] = new Array(items.length).fill(undefined);
    for (let k = 0; k < accepted.length; k++) {
      stored[accepted[k]] = versions[k];
      await this.afterWrite(versions[k], items[accepted[k]].current, {});
    }
    return stored;
  }

  /** The policy's verdict: nothing (allowed), a promise of it, or a throw (refused). */
  private authorize(
    kind: 'put' | 'delete',
    resourceType: string,
    id: string,
    resource: Resource | undefined,
    current: StoredVersion | undefined,
  ): void | Promise<void> {
    return this.kernel.policy.authorize({ actor: this.actor, kind, resourceType, id, resource, current, reader: this.w });
  }

  /** The only call of StoreWriter.write outside the store adapters: the changes, and their audit in the outbox. */
  private async writeChanges(changes: ResourceChange[]): Promise<StoredVersion[]> {
    if (!changes.length) return [];
    const versions = await this.w.write(changes);
    const auditor = this.kernel.auditor;
    if (auditor) {
      const messages = versions.flatMap((v, i) => auditor.messagesFor(this.actor, v, (changes[i].expectVersion ?? 0) > 0));
      if (messages.length) await this.w.enqueue(messages);
    }
    return versions;
  }

  private async afterWrite(stored: StoredVersion, previous: StoredVersion | undefined, options: WriteOptions): Promise<void> {
    // Awaited only when there is something to wait for: the sync runs this for millions of resources.
    if (this.kernel.hooks.hasAfterWrite(stored.resourceType)) await this.kernel.hooks.afterWrite(this, stored, previous);
    if (options.silent !== undefined) {
      if (!options.silent.trim()) throw new FhirError(500, 'a silent write must say why it notifies no one', 'exception');
      return;
    }
    for (const notifier of this.kernel.notifiers) {
      const pending = notifier.notify(this, stored, previous);
      if (pending) await pending;
    }
  }
}

/** The version a change replaces, for the store to check (0: none; a deletion counts as a version). */
function versionNumber(current: StoredVersion | undefined): number {
  return current ? Number(current.versionId) : 0;
}

/** Content of a resource without the server-managed meta fields, for change detection (key order is ignored). */
function comparable(resource: Resource): Resource {
  const { meta, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta ?? {};
  return Object.keys(keptMeta).length ? ({ ...rest, meta: keptMeta } as Resource) : (rest as Resource);
}
