/**
 * Reconciliation state: for every synchronised record, a fingerprint of what the sync last wrote (and the resource
 * id when it is not the deterministic one, i.e. an existing resource the sync adopted). It lets a nightly run skip
 * the records whose source did not change without reading them (the whole national store is ~2.5 million
 * resources), and find what disappeared from a file without scanning the store.
 *
 * It is a cache of the store, kept by the store itself (the sync state of the ResourceStore port,
 * ../../store/sync-state.ts) and saved in the same transaction as the resources (StoreWriter.saveSyncState), so a
 * crash leaves both consistent. Hash 0 marks a record the sync deactivated.
 */
import { createHash, hash } from 'node:crypto';
import type { ResourceStore } from '../../store/store';
import type { SyncStateRow } from '../../store/sync-state';
import type { SyncKind } from '../types';
import { KeyTable } from './key-table';

export interface KindState {
  /** key → fingerprint (0: deactivated), in a compact table (./key-table.ts: 3.6 million keys at national scale). */
  hashes: KeyTable;
  /** key → resource id, only where it differs from idFor(kind, key). */
  ids: Map<string, string>;
}

/** A state row of one of the sync's kinds. */
export type StateRow = SyncStateRow & { kind: SyncKind };

/** Loads a kind's state from the store, into a key table sized from the stored count and key bytes. */
export async function loadKindState(store: Pick<ResourceStore, 'syncStateSize' | 'syncStateRows'>, kind: SyncKind): Promise<KindState> {
  const { count, keyBytes } = await store.syncStateSize(kind);
  // Room for the records of the file that are not in the state yet (a first import starts from 0).
  const hashes = new KeyTable(Math.max(1024, Math.ceil(count * 1.05)), Math.ceil(keyBytes * 1.05) + 16_384);
  const ids = new Map<string, string>();
  for await (const page of store.syncStateRows(kind)) {
    for (const row of page) {
      hashes.set(row.key, row.hash);
      if (row.resourceId) ids.set(row.key, row.resourceId);
    }
  }
  return { hashes, ids };
}

const ID_PREFIX: Record<SyncKind, string> = {
  'finess-ej': 'finess-ej-',
  'finess-et': 'finess-et-',
  'finess-et-location': 'finess-loc-',
  'rpps-practitioner': 'rpps-',
  'rpps-role': 'rpps-role-',
};

const PLAIN_ID = /^[A-Za-z0-9.-]*$/;

/** The id the sync gives a resource it creates: readable, stable across runs and stores. */
export function idFor(kind: SyncKind, key: string): string {
  if (key.length <= 64 - ID_PREFIX[kind].length && PLAIN_ID.test(key)) return ID_PREFIX[kind] + key;
  const clean = key.replace(/[^A-Za-z0-9.-]/g, '-');
  const id = ID_PREFIX[kind] + clean;
  if (id.length <= 64 && clean === key) return id;
  return ID_PREFIX[kind] + createHash('sha1').update(key).digest('hex').slice(0, 40);
}

/**
 * Version of the mapping code, part of every raw-record fingerprint: bump it whenever a mapping function
 * (../finess/map.ts, ../rpps/map.ts, ../map-common.ts) changes its output, so that the next run re-maps every
 * record instead of skipping the unchanged source lines.
 */
export const MAPPING_VERSION = 1;

/** Digest of a raw record's text, shared by its items' fingerprints (rawItemFingerprint). */
export function textDigest(text: string): string {
  return hash('md5', text, 'base64');
}

/** Fingerprint of one item of a raw record: mapping version, item, the text's digest and its links' current targets. */
export function rawItemFingerprint(digest: string, kind: SyncKind, key: string, targets: string): number {
  return fingerprint(`${MAPPING_VERSION}\u0000${kind}\u0000${key}\u0000${targets}\u0000${digest}`);
}

/** A 48-bit fingerprint, never 0 (0 marks deactivated records). */
export function fingerprint(text: string): number {
  // One-shot hash (no Hash object): it runs for every item of every record, 3.6 million times a night.
  const h = hash('md5', text, 'buffer');
  return h.readUIntBE(0, 6) || 1;
}
