/**
 * How the values of a search parameter are kept once extracted: one kind of index row per value type. `uri` values
 * are indexed with tokens (no system); `geo` is the position of `near`.
 */
export type IndexType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'geo';
