/**
 * What a federation run remembers per source, in the store's sync state (src/store/sync-state.ts), saved in the
 * transactions that write the resources (so a crash never leaves them disagreeing):
 *
 * - kind `federation:<source key>:<type>`, one row per resource the source sent: key = its id at the source,
 *   `resourceId` = its id here when not the derived one (`fed-<source key>-<remote id>`), `hash`:
 *   - 0: **local** — matched to a resource of this store by business identifier, or a federated resource that was
 *     edited here since the federation wrote it: the federation never writes it again;
 *   - 2v + 1: written by the federation, current at version v;
 *   - 2v: deactivated (or deleted) by the federation at version v, because it disappeared from the source.
 * - kind `federation:<source key>`, key `since`: the source's transactionTime of the last successful run (hash: its
 *   epoch milliseconds; `resourceId`: the instant as the source wrote it).
 *
 * The source key is the first 8 hex digits of the SHA-256 of the source's base URL.
 */
import { createHash } from 'node:crypto';
import type { ResourceStore } from '../store/store';
import type { SyncStateRow } from '../store/sync-state';

export const LOCAL = 0;

export interface Entry {
  hash: number;
  /** The id here. */
  localId: string;
}

export const sourceKey = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 8);
export const kindOf = (sk: string, type: string) => `federation:${sk}:${type}`;
const sinceKind = (sk: string) => `federation:${sk}`;

/** The id a resource of the source gets here: readable, stable, distinct per source, at most 64 characters. */
export function derivedId(sk: string, remoteId: string): string {
  const id = `fed-${sk}-${remoteId}`;
  return id.length <= 64 ? id : `fed-${sk}-${createHash('sha1').update(remoteId).digest('hex')}`;
}

export const owned = (hash: number) => hash > 0;
export const ownedActive = (hash: number) => hash > 0 && hash % 2 === 1;
export const versionOf = (hash: number) => Math.floor(hash / 2);
export const activeAt = (version: number) => 2 * version + 1;
export const inactiveAt = (version: number) => 2 * version;

/** The rows of one type of a source, keyed by remote id. */
export async function loadTypeState(store: ResourceStore, sk: string, type: string): Promise<Map<string, Entry>> {
  const map = new Map<string, Entry>();
  for await (const page of store.syncStateRows(kindOf(sk, type))) {
    for (const r of page) map.set(r.key, { hash: r.hash, localId: r.resourceId ?? derivedId(sk, r.key) });
  }
  return map;
}

export function row(sk: string, type: string, remoteId: string, e: Entry): SyncStateRow {
  return { kind: kindOf(sk, type), key: remoteId, hash: e.hash, ...(e.localId !== derivedId(sk, remoteId) ? { resourceId: e.localId } : {}) };
}

export async function loadSince(store: ResourceStore, sk: string): Promise<string | undefined> {
  return (await store.syncStateRow(sinceKind(sk), 'since'))?.resourceId;
}

export function sinceRow(sk: string, transactionTime: string): SyncStateRow {
  const ms = Date.parse(transactionTime);
  if (!Number.isFinite(ms)) throw new Error(`the source's transactionTime is not an instant: '${transactionTime}'`);
  return { kind: sinceKind(sk), key: 'since', hash: ms, resourceId: transactionTime };
}
