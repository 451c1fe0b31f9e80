import type { StoredVersion } from '../store';

/** A row of `resources` or `resource_history` (see migrations.ts). */
export interface ResourceRow {
  rid: number;
  resource_type: string;
  id: string;
  version: number;
  last_updated: string;
  deleted: number;
  json: string;
}

export function toStored(row: ResourceRow): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: String(row.version),
    lastUpdated: row.last_updated,
    deleted: row.deleted === 1,
    json: row.json,
  };
}
