/**
 * A storage-neutral search plan: what the FHIR search layer (src/fhir/search) hands to a store adapter.
 * Parsing and planning know nothing of SQL or MongoDB; each adapter translates a plan into its own query.
 */
import type { StoredVersion } from './store';

/** Search parameter value types, as indexed on write. */
export type IndexType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'geo';

/** One condition on one indexed search parameter; values are ORed. */
export interface ParamCondition {
  kind: 'param';
  /** SearchParameter code, e.g. `identifier`. */
  code: string;
  type: IndexType;
  modifier?: string;
  /** Parsed values, ORed together. The shape depends on `type` (see src/fhir/search). */
  values: unknown[];
}

/** Every sub-condition holds (AND). */
export interface AndCondition {
  kind: 'and';
  conditions: Condition[];
}

/** At least one sub-condition holds (OR). */
export interface OrCondition {
  kind: 'or';
  conditions: Condition[];
}

/** Matches resources by logical id. */
export interface IdCondition {
  kind: 'id';
  ids: string[];
  not?: boolean;
}

export type Condition = ParamCondition | AndCondition | OrCondition | IdCondition;

export interface SortKey {
  code: string;
  descending: boolean;
}

export interface SearchPlan {
  /** One type for type-level search; several for system-level search with `_type`. */
  resourceTypes: string[];
  where: Condition[];
  sort: SortKey[];
  /** Page size; 0 asks for the total only. */
  count: number;
  /** Opaque cursor from a previous result. */
  cursor?: string;
  total: 'none' | 'estimate' | 'accurate';
}

export interface SearchResult {
  entries: StoredVersion[];
  total?: number;
  /** Cursor of the next page, when there is one. */
  next?: string;
  /** Cursor of the previous page, when there is one. */
  previous?: string;
}
