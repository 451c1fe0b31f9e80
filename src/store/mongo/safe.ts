/**
 * Injection safety: a client value never becomes a MongoDB operator. Every value the adapter puts into a filter
 * or an update goes through these helpers: only strings, finite numbers, booleans and null pass (an object such as
 * `{"$gt": ""}` or `{"$where": …}` is refused before it reaches the driver), equality is always written `$eq` (so
 * even a value that looks like an operator, `"$where"`, is compared as text), and text searched inside a value is
 * matched through an escaped regular expression. Field names are never built from client values: parameter codes,
 * queue names, kinds and keys are stored as values and compared as values.
 */

export type Scalar = string | number | boolean | null;

export class UnsafeValueError extends Error {
  constructor(what: string) {
    super(`refused a ${what} as a query value: only strings, numbers, booleans and null are compared`);
    this.name = 'UnsafeValueError';
  }
}

/** The value itself when it is a scalar; throws otherwise. */
export function lit<T extends Scalar>(value: T): T {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new UnsafeValueError(typeof value === 'number' ? 'non-finite number' : typeof value);
}

/** `{ $eq: value }`: equality that no value can turn into another operator. */
export function eq<T extends Scalar>(value: T): { $eq: T } {
  return { $eq: lit(value) };
}

/** `{ $in: values }` of scalars. */
export function oneOf<T extends Scalar>(values: readonly T[]): { $in: T[] } {
  return { $in: values.map(lit) };
}

/** Upper bound of every string starting with a prefix (U+10FFFF sorts after any other code point). */
export const MAX_CHAR = '\u{10FFFF}';

/** Strings starting with `prefix`, as a range (an index serves it; no pattern is built from the value). */
export function startsWith(prefix: string): { $gte: string; $lt: string } {
  return { $gte: lit(prefix), $lt: lit(prefix) + MAX_CHAR };
}

/** A regular expression matching `text` literally, anywhere. */
export function containing(text: string): { $regex: string } {
  return { $regex: lit(text).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&') };
}
