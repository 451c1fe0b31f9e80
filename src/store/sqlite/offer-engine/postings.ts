/**
 * Posting lists of the in-memory offer engine: for one term, the slots of the documents holding it, ascending, with
 * the term's weighted frequency in each (Σ field weight × occurrences, what the bm25 ranking needs). Growable typed
 * arrays: a new document usually takes a slot past every other one, so adding is an append; a removal or a reused
 * slot shifts the tail (a memmove). `gallop` and `intersect` find common slots of sorted lists.
 */

export class PostingList {
  docs: Int32Array;
  freqs: Uint16Array;
  length = 0;

  constructor(capacity = 4) {
    this.docs = new Int32Array(capacity);
    this.freqs = new Uint16Array(capacity);
  }

  /** Adds (or replaces the frequency of) `doc`. */
  add(doc: number, freq: number): void {
    const f = Math.min(0xffff, Math.max(0, Math.round(freq)));
    const n = this.length;
    if (n > 0 && this.docs[n - 1] >= doc) {
      const at = lowerBound(this.docs, 0, n, doc);
      if (at < n && this.docs[at] === doc) {
        this.freqs[at] = f;
        return;
      }
      this.reserve(n + 1);
      this.docs.copyWithin(at + 1, at, n);
      this.freqs.copyWithin(at + 1, at, n);
      this.docs[at] = doc;
      this.freqs[at] = f;
      this.length = n + 1;
      return;
    }
    this.reserve(n + 1);
    this.docs[n] = doc;
    this.freqs[n] = f;
    this.length = n + 1;
  }

  /** Removes `doc`; false when it was not there. */
  remove(doc: number): boolean {
    const n = this.length;
    const at = lowerBound(this.docs, 0, n, doc);
    if (at >= n || this.docs[at] !== doc) return false;
    this.docs.copyWithin(at, at + 1, n);
    this.freqs.copyWithin(at, at + 1, n);
    this.length = n - 1;
    return true;
  }

  private reserve(n: number): void {
    if (n <= this.docs.length) return;
    const capacity = Math.max(n, this.docs.length * 2);
    const docs = new Int32Array(capacity);
    docs.set(this.docs.subarray(0, this.length));
    const freqs = new Uint16Array(capacity);
    freqs.set(this.freqs.subarray(0, this.length));
    this.docs = docs;
    this.freqs = freqs;
  }

  /** Bytes held (for memory reports). */
  get bytes(): number {
    return this.docs.byteLength + this.freqs.byteLength;
  }
}

/** The first index in sorted `a[from, to)` whose value is ≥ `value` (`to` when none). */
export function lowerBound(a: Int32Array, from: number, to: number, value: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Exponential then binary search from `from`: the first index ≥ `from` in sorted `a[0, to)` whose value is ≥
 * `value`. Cheap when the answer is near `from`, as when walking a long list for the slots of a short one.
 */
export function gallop(a: Int32Array, from: number, to: number, value: number): number {
  if (from >= to || a[from] >= value) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < to && a[hi] < value) {
    lo = hi;
    step <<= 1;
    hi = from + step;
  }
  return lowerBound(a, lo + 1, Math.min(hi + 1, to), value);
}

/** The values common to two sorted lists, ascending (the AND of two terms). */
export function intersect(a: Int32Array, aLength: number, b: Int32Array, bLength: number): Int32Array {
  if (aLength > bLength) return intersect(b, bLength, a, aLength);
  const out = new Int32Array(aLength);
  let n = 0;
  let j = 0;
  for (let i = 0; i < aLength && j < bLength; i++) {
    const v = a[i];
    j = gallop(b, j, bLength, v);
    if (j < bLength && b[j] === v) out[n++] = v;
  }
  return out.slice(0, n);
}
