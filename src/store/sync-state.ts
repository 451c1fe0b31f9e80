/**
 * Sync state, part of the ResourceStore port: for every record a referential sync keeps in step with the store,
 * a fingerprint of what it last wrote and, when the resource's id is not the one the sync derives from the key,
 * that id. The sync reads it whole at the start of a run and saves rows in the transactions that write the
 * matching resources, so the state and the resources never disagree after a crash.
 *
 * The store does not interpret the rows: `kind` is the sync's record kind, `hash` a number the sync computes (0
 * marks a record it deactivated). Contract: test/contract/sync-state.contract.ts.
 */

export interface SyncStateRow {
  kind: string;
  /** Business key of the record, unique within its kind. */
  key: string;
  /** Any integer of at most 48 bits, kept exactly. */
  hash: number;
  /** Omitted when the resource has the id the sync derives from the key. */
  resourceId?: string;
}

/** The rows of one kind: how many, and the UTF-8 bytes of their keys (to size the sync's compact key table). */
export interface SyncStateSize {
  count: number;
  keyBytes: number;
}
