/**
 * Variable-length rows per slot in one flat typed array (compressed sparse rows): a document's facet code ids, or
 * its positions as [lat, lon, …]. A row written anew is appended and its former place becomes garbage; the pool is
 * compacted when garbage passes half of it. Reading a row is a subarray, no allocation of its values.
 */
import { grown } from './typed-arrays';

type Pool = Int32Array | Float64Array;

export class SegmentPool<P extends Pool> {
  private pool: P;
  private used = 0;
  private garbage = 0;
  private start = new Int32Array(1024);
  private length = new Int32Array(1024);

  constructor(private readonly make: (n: number) => P) {
    this.pool = make(4096);
  }

  set(slot: number, values: ArrayLike<number>): void {
    this.ensureSlots(slot + 1);
    this.garbage += this.length[slot];
    this.length[slot] = 0;
    const n = values.length;
    this.reserve(n);
    this.pool.set(values, this.used);
    this.start[slot] = this.used;
    this.length[slot] = n;
    this.used += n;
  }

  delete(slot: number): void {
    if (slot >= this.length.length) return;
    this.garbage += this.length[slot];
    this.length[slot] = 0;
  }

  get(slot: number): P {
    if (slot >= this.length.length) return this.pool.subarray(0, 0) as P;
    const s = this.start[slot];
    return this.pool.subarray(s, s + this.length[slot]) as P;
  }

  /** Offset and length of a row in `values` (for hot loops that index the pool directly). */
  startOf(slot: number): number {
    return this.start[slot];
  }

  lengthOf(slot: number): number {
    return slot < this.length.length ? this.length[slot] : 0;
  }

  get values(): P {
    return this.pool;
  }

  clear(): void {
    this.used = 0;
    this.garbage = 0;
    this.length.fill(0);
  }

  get bytes(): number {
    return this.pool.byteLength + this.start.byteLength + this.length.byteLength;
  }

  /** Room for `extra` more values: a compaction when garbage outweighs live rows, else a larger pool. */
  private reserve(extra: number): void {
    if (this.used + extra <= this.pool.length) return;
    const live = this.used - this.garbage;
    if (this.garbage > live) {
      const pool = this.make(Math.max(4096, (live + extra) * 2));
      let at = 0;
      for (let slot = 0; slot < this.length.length; slot++) {
        const len = this.length[slot];
        if (!len) continue;
        pool.set(this.pool.subarray(this.start[slot], this.start[slot] + len), at);
        this.start[slot] = at;
        at += len;
      }
      this.pool = pool;
      this.used = at;
      this.garbage = 0;
      return;
    }
    const pool = this.make(Math.max(this.used + extra, this.pool.length * 2));
    pool.set(this.pool.subarray(0, this.used));
    this.pool = pool;
  }

  private ensureSlots(n: number): void {
    if (n <= this.start.length) return;
    const capacity = Math.max(n, this.start.length * 2);
    this.start = grown(this.start, capacity);
    this.length = grown(this.length, capacity);
  }
}
