/**
 * Extension points of the write and read paths, so domain modules (src/ror, subscriptions…) add behaviour without
 * the FHIR layer knowing them:
 * - `prepare`: adjusts a proposed resource before validation (e.g. fill a server-managed date the client omitted);
 * - `afterWrite`: runs inside the write's transaction, after the version is stored (e.g. queue a notification in the
 *   same commit, so a crash loses none); a throw rolls the write back;
 * - `present`: adjusts a stored resource on its way out (read, vread, search, history), e.g. flag stale data. It is
 *   called only for the types it names, so other types keep the byte-for-byte fast path.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion, StoreWriter } from '../store/store';

export interface WriteHook {
  /** Resource types the hook applies to; undefined means every type. */
  types?: string[];
  prepare?(resource: Resource, current: StoredVersion | undefined): Resource;
  afterWrite?(tx: StoreWriter, stored: StoredVersion, previous: StoredVersion | undefined): Promise<void>;
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

const writeHooks: WriteHook[] = [];
const presentHooks = new Map<string, PresentHook[]>();

export function registerWriteHook(hook: WriteHook): void {
  writeHooks.push(hook);
}

export function registerPresentHook(hook: PresentHook): void {
  for (const type of hook.types) presentHooks.set(type, [...(presentHooks.get(type) ?? []), hook]);
}

function applies(hook: WriteHook, type: string): boolean {
  return !hook.types || hook.types.includes(type);
}

export function prepareForWrite(resource: Resource, current: StoredVersion | undefined): Resource {
  let out = resource;
  for (const hook of writeHooks) if (hook.prepare && applies(hook, out.resourceType)) out = hook.prepare(out, current);
  return out;
}

export async function afterWrite(tx: StoreWriter, stored: StoredVersion, previous: StoredVersion | undefined): Promise<void> {
  for (const hook of writeHooks) {
    if (hook.afterWrite && applies(hook, stored.resourceType)) await hook.afterWrite(tx, stored, previous);
  }
}

/** True when some hook changes how resources of this type are served. */
export function hasPresentHook(type: string): boolean {
  return presentHooks.has(type);
}

/** The resource as it is served: present hooks applied to the parsed resource. */
export function presentResource(resource: Resource): Resource {
  let out = resource;
  for (const hook of presentHooks.get(resource.resourceType) ?? []) out = hook.present(out);
  return out;
}

/**
 * The JSON of a stored version as it is served: the stored bytes unless a present hook changes the resource. The
 * stored JSON is JSON.stringify's output, so it is also the JSON of the parsed resource a hook returns unchanged.
 */
export function presentJson(version: StoredVersion): string {
  const hooks = presentHooks.get(version.resourceType);
  if (!hooks || hooks.every((h) => h.mayChange && !h.mayChange(version.json))) return version.json;
  const stored = JSON.parse(version.json) as Resource;
  const served = presentResource(stored);
  return served === stored ? version.json : JSON.stringify(served);
}
