/**
 * Extension points of the write and read paths, so domain modules (src/ror, src/subscriptions…) add behaviour
 * without the FHIR layer or the kernel knowing them. One `Hooks` per kernel, filled by the composition root:
 * - `prepare`: adjusts a proposed resource before validation (e.g. fill a server-managed date the client omitted);
 * - `afterWrite`: runs inside the write's transaction, after the version is stored (e.g. check what only makes
 *   sense once stored, invalidate a cache); a throw rolls the write back; its own writes go through the same
 *   write path (the `tx` it gets);
 * - `present`: adjusts a stored resource on its way out (read, vread, search, history), e.g. flag stale data. It is
 *   called only for the types it names, so other types keep the byte-for-byte fast path.
 * Notifications (subscriptions) are not hooks: see ./notifications.ts.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../store/store';
import type { WriteTx } from './write-tx';

export interface WriteHook {
  /** Resource types the hook applies to; undefined means every type. */
  types?: string[];
  prepare?(resource: Resource, current: StoredVersion | undefined): Resource;
  afterWrite?(tx: WriteTx, stored: StoredVersion, previous: StoredVersion | undefined): Promise<void>;
}

export interface PresentHook {
  types: string[];
  /**
   * Returns the resource to serve: a modified copy, or the same object when nothing changes (then the stored JSON
   * is served as it is). It never modifies its argument.
   */
  present(resource: Resource): Resource;
  /**
   * A cheap test on the stored JSON text: false promises that `present` would return the resource unchanged, so
   * the stored bytes are served without parsing them. Without it, every resource of the types is parsed.
   */
  mayChange?(json: string): boolean;
}

/** How stored versions are served (what the present hooks make of them): read paths take it from the kernel. */
export interface Presenter {
  present(resource: Resource): Resource;
  presentJson(version: StoredVersion): string;
}

export class Hooks implements Presenter {
  private readonly writeHooks: WriteHook[] = [];
  private readonly presentHooks = new Map<string, PresentHook[]>();
  /** The after-write hooks of each type, worked out on its first write (most types have none). */
  private readonly afterWriteByType = new Map<string, WriteHook[]>();

  addWrite(hook: WriteHook): void {
    this.writeHooks.push(hook);
    this.afterWriteByType.clear();
  }

  addPresent(hook: PresentHook): void {
    for (const type of hook.types) this.presentHooks.set(type, [...(this.presentHooks.get(type) ?? []), hook]);
  }

  prepare(resource: Resource, current: StoredVersion | undefined): Resource {
    let out = resource;
    for (const hook of this.writeHooks) if (hook.prepare && applies(hook, out.resourceType)) out = hook.prepare(out, current);
    return out;
  }

  /** Whether a write of this type has after-write hooks to run (a bulk write skips the call otherwise). */
  hasAfterWrite(type: string): boolean {
    return this.afterWriteHooks(type).length > 0;
  }

  async afterWrite(tx: WriteTx, stored: StoredVersion, previous: StoredVersion | undefined): Promise<void> {
    for (const hook of this.afterWriteHooks(stored.resourceType)) await hook.afterWrite!(tx, stored, previous);
  }

  private afterWriteHooks(type: string): WriteHook[] {
    let hooks = this.afterWriteByType.get(type);
    if (!hooks) this.afterWriteByType.set(type, (hooks = this.writeHooks.filter((h) => h.afterWrite && applies(h, type))));
    return hooks;
  }

  /** True when some hook changes how resources of this type are served. */
  hasPresent(type: string): boolean {
    return this.presentHooks.has(type);
  }

  /** The resource as it is served: present hooks applied to the parsed resource. */
  present(resource: Resource): Resource {
    let out = resource;
    for (const hook of this.presentHooks.get(resource.resourceType) ?? []) out = hook.present(out);
    return out;
  }

  /**
   * The JSON of a stored version as it is served: the stored bytes unless a present hook changes the resource. The
   * stored JSON is JSON.stringify's output, so it is also the JSON of the parsed resource a hook returns unchanged.
   */
  presentJson(version: StoredVersion): string {
    const hooks = this.presentHooks.get(version.resourceType);
    if (!hooks || hooks.every((h) => h.mayChange && !h.mayChange(version.json))) return version.json;
    const stored = JSON.parse(version.json) as Resource;
    const served = this.present(stored);
    return served === stored ? version.json : JSON.stringify(served);
  }
}

function applies(hook: WriteHook, type: string): boolean {
  return !hook.types || hook.types.includes(type);
}
