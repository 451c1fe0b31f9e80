/** One stored version of a resource. `json` is the exact serialized resource (meta included), served as is. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: string;
  /** ISO 8601 instant with milliseconds, UTC. */
  lastUpdated: string;
  /** True when this version records a deletion; `json` is then empty. */
  deleted: boolean;
  json: string;
}
