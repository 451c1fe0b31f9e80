/**
 * A storage-neutral search plan: what the FHIR search layer (src/fhir/search) hands to a store adapter.
 * Parsing and planning know nothing of SQL or MongoDB; each adapter translates a plan into its own query.
 *
 * Values in a plan are already normalized the way index rows are written (see src/indexing/index-values.ts),
 * so an adapter only compares: it never parses FHIR values itself.
 */
import type { IndexType } from '../indexing/types';
import type { StoredVersion } from './version';

export type { IndexType };

/** FHIR comparison prefixes, https://hl7.org/fhir/R4/search.html#prefix */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** A token to match: `system` undefined = any system; null = no system (`|code`); `code` undefined = any code. */
export interface TokenValue {
  system?: string | null;
  code?: string;
}

/** A reference target: `type/id`, a bare `id` (any type), or an absolute/canonical `url`. */
export interface ReferenceValue {
  type?: string;
  id?: string;
  url?: string;
}

/** A range [lo, hi] (inclusive, in ms since epoch for dates) compared under a prefix. */
export interface RangeValue {
  prefix: Prefix;
  /** The search value itself (numbers, quantities); for dates the low bound. */
  value: number;
  lo: number;
  hi: number;
}

export interface QuantityValue extends RangeValue {
  system?: string;
  /** Matched against Quantity.code, or Quantity.unit when the value has no system. */
  code?: string;
}

/** Leaf conditions on one search parameter (`code`, a SearchParameter code), values ORed. */
export type LeafCondition =
  /**
   * Default string search: normalized starts-with; `exact`: case/accent sensitive equality; `contains`; `equals`:
   * normalized equality (the `_filter` `eq` of strings, case and accents ignored).
   */
  | { kind: 'string'; code: string; mode: 'starts' | 'exact' | 'contains' | 'equals'; values: string[] }
  | { kind: 'token'; code: string; values: TokenValue[] }
  /** token `:text`: normalized starts-with on display/text. */
  | { kind: 'token-text'; code: string; values: string[] }
  /** token `:of-type` on Identifier: type system|code and value. */
  | { kind: 'of-type'; code: string; values: { system: string; code: string; value: string }[] }
  | { kind: 'uri'; code: string; mode: 'eq' | 'above' | 'below'; values: string[] }
  | { kind: 'reference'; code: string; values: ReferenceValue[] }
  /** reference `:identifier`: the Reference.identifier as a token. */
  | { kind: 'reference-identifier'; code: string; values: TokenValue[] }
  | { kind: 'date'; code: string; values: RangeValue[] }
  | { kind: 'number'; code: string; values: RangeValue[] }
  | { kind: 'quantity'; code: string; values: QuantityValue[] }
  /** `near`: within `km` of (lat, lon). */
  | { kind: 'near'; code: string; values: { lat: number; lon: number; km: number }[] }
  /** `:missing`: the parameter has (missing=false) or has not (missing=true) any indexed value. */
  | { kind: 'missing'; code: string; index: IndexType; missing: boolean };

export type Condition =
  | LeafCondition
  | { kind: 'and'; conditions: Condition[] }
  | { kind: 'or'; conditions: Condition[] }
  /** Resources of the scope that do not satisfy `condition` (token `:not`, `ne`, `:not-in`). */
  | { kind: 'not'; condition: Condition }
  /** Matches resources by logical id. */
  | { kind: 'id'; ids: string[] }
  /**
   * Leaf conditions that must all hold on the *same element instance* (composite parameters; the ROR capacity
   * parameters on one `ror-location-supported-capacity` entry). Index rows carry a group ordinal for that.
   * A `missing: false` leaf here means "this element has a value for that parameter" (composite `:missing`).
   */
  | { kind: 'same-element'; conditions: LeafCondition[] }
  /** Chained parameter: the reference `code` points to a resource of `targetTypes` satisfying `where`. */
  | { kind: 'chain'; code: string; targetTypes: string[]; where: Condition[] }
  /** Reverse chain (`_has`): some `sourceType` resource whose reference `code` points here satisfies `where`. */
  | { kind: 'has'; sourceType: string; code: string; where: Condition[] }
  /** `_text` (narrative) / `_content` (all text): normalized contains. */
  | { kind: 'text'; field: 'text' | 'content'; values: string[] };

/** A sort key: a parameter (`index` says how its values are kept), `_id`, `_lastUpdated`, or distance to a point. */
export type SortKey =
  | { kind: 'param'; code: string; index: IndexType; descending: boolean }
  | { kind: 'id'; descending: boolean }
  | { kind: 'lastUpdated'; descending: boolean }
  | { kind: 'distance'; code: string; lat: number; lon: number; descending: boolean };

export interface SearchPlan {
  /** One type for type-level search; several for system-level search with `_type`; empty = every type. */
  resourceTypes: string[];
  /** Every condition holds (AND). */
  where: Condition[];
  /** Sort keys in order; the adapter appends its own unique tie-breaker. Empty: adapter order (stable). */
  sort: SortKey[];
  /** Page size; 0 asks for the total only. */
  count: number;
  /** Opaque cursor from a previous result (`next`, `previous` or `self`). */
  cursor?: string;
  total: 'none' | 'estimate' | 'accurate';
}

export interface SearchResult {
  entries: StoredVersion[];
  total?: number;
  /** Cursor of this page (for the `self` link), when the page was reached through a cursor. */
  self?: string;
  /** Cursor of the next page, when there is one. */
  next?: string;
  /** Cursor of the previous page, when there is one. */
  previous?: string;
}
