/**
 * What FINESS / RPPS last said about a resource, kept for the data-quality rules (src/quality, README "Data
 * quality"): the sync's state gets, next to each record's fingerprint, a row of kind `national` per resource the
 * sync maintains whose declared data is compared with the referential (Organizations: name, address, category,
 * legal status, telecom). The row's key is `Organization/<id>` and its number is the **version the sync last wrote**
 * (or found equal to what it would write): the store keeps every version, so that version, read back, is the
 * national value, whatever establishments changed since. It is saved in the transaction that stores the version,
 * like every sync state row, so it never points at a version that was not committed.
 */
import type { StoredVersion } from '../../store/store';
import type { SyncStateRow } from '../../store/sync-state';

export const NATIONAL_KIND = 'national';
/** Types whose national version is recorded. */
export const NATIONAL_TYPES: ReadonlySet<string> = new Set(['Organization']);

export function nationalKey(resourceType: string, id: string): string {
  return `${resourceType}/${id}`;
}

/** The row recording `version` as the national value of its resource, when its type is one the rules compare. */
export function nationalRow(version: Pick<StoredVersion, 'resourceType' | 'id' | 'versionId' | 'deleted'>): SyncStateRow | undefined {
  if (!NATIONAL_TYPES.has(version.resourceType) || version.deleted) return undefined;
  const n = Number(version.versionId);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  return { kind: NATIONAL_KIND, key: nationalKey(version.resourceType, version.id), hash: n };
}
