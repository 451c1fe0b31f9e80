/**
 * Growing the engine's typed arrays (per-slot columns, scratch, counters): a new array of the same type holding the
 * old one's values, as many as fit.
 */
type Growable = Int32Array | Uint8Array | Float64Array;

/** A copy of `a` with `length` elements: its values first (cut at `length`), zeros after. */
export function grown<T extends Growable>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a.length <= length ? a : a.subarray(0, length));
  return b;
}
