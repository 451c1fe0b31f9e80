/**
 * A compact map from string keys to numbers, for the reconciliation state (./state.ts): one entry per synchronised
 * record, 3.6 million at national scale. A `Map<string, number>` costs ≈ 95 bytes an entry on the V8 heap, more when
 * its keys are slices of the source lines (V8 keeps the whole line alive behind a sliced string: the RPPS site ids
 * kept every RPPS line of the file in memory), and a large live heap lets V8 grow the heap to several times its size
 * between collections. Here the keys are copied as UTF-8 into one buffer and the rest lives in typed arrays, off the
 * V8 heap: ≈ 20 bytes an entry plus the key's bytes.
 *
 * Entries are never removed (the state only adds records and changes their values). Values are doubles: any
 * 48-bit fingerprint and the engine's negative markers are exact.
 */

const EMPTY = 0;

export class KeyTable {
  /** Entry i's key is bytes[starts[i], starts[i + 1]). */
  private bytes: Buffer;
  private starts: Uint32Array;
  private hashes: Uint32Array;
  private vals: Float64Array;
  /** Open addressing, linear probing: entry index + 1, 0 for an empty slot. */
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  private scratch = Buffer.alloc(256);
  /** The last key hashed: its UTF-8 length, and whether it is plain ASCII (else its bytes are in `scratch`). */
  private keyBytes = 0;
  private keyAscii = true;

  /** `expected` entries and `expectedKeyBytes` bytes of keys fit without growing. */
  constructor(expected = 1024, expectedKeyBytes = expected * 16) {
    const cap = Math.max(16, expected);
    this.bytes = Buffer.allocUnsafe(Math.max(256, expectedKeyBytes));
    this.starts = new Uint32Array(cap + 1);
    this.hashes = new Uint32Array(cap);
    this.vals = new Float64Array(cap);
    this.slots = new Uint32Array(slotCount(cap));
    this.mask = this.slots.length - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Entry index of `key`, or -1. */
  indexOf(key: string): number {
    const h = this.hashKey(key);
    const { slots, mask, hashes } = this;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[s];
      if (e === EMPTY) return -1;
      if (hashes[e - 1] === h && this.equals(e - 1, key)) return e - 1;
    }
  }

  get(key: string): number | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.vals[i];
  }

  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }

  set(key: string, value: number): this {
    const h = this.hashKey(key);
    const { slots, mask, hashes } = this;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const e = slots[s];
      if (e === EMPTY) break;
      if (hashes[e - 1] === h && this.equals(e - 1, key)) {
        this.vals[e - 1] = value;
        return this;
      }
    }
    this.append(key, h, value, s);
    return this;
  }

  valueAt(i: number): number {
    return this.vals[i];
  }

  setValueAt(i: number, value: number): void {
    this.vals[i] = value;
  }

  keyAt(i: number): string {
    return this.bytes.toString('utf8', this.starts[i], this.starts[i + 1]);
  }

  *values(): IterableIterator<number> {
    for (let i = 0; i < this.count; i++) yield this.vals[i];
  }

  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.count; i++) yield this.keyAt(i);
  }

  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.count; i++) yield [this.keyAt(i), this.vals[i]];
  }

  /** Bytes held (typed arrays and key buffer), for measurements. */
  get byteLength(): number {
    return this.bytes.length + this.starts.byteLength + this.hashes.byteLength + this.vals.byteLength + this.slots.byteLength;
  }

  private append(key: string, h: number, value: number, slot: number): void {
    const i = this.count;
    if (i + 1 >= this.starts.length) this.growEntries();
    const start = this.starts[i];
    const len = this.keyBytes;
    if (start + len > this.bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, start + len));
      this.bytes.copy(next, 0, 0, start);
      this.bytes = next;
    }
    if (this.keyAscii) {
      for (let j = 0; j < len; j++) this.bytes[start + j] = key.charCodeAt(j);
    } else this.scratch.copy(this.bytes, start, 0, len);
    this.starts[i + 1] = start + len;
    this.hashes[i] = h;
    this.vals[i] = value;
    this.count++;
    if (this.count * 4 > this.slots.length * 3) this.rehash();
    else this.slots[slot] = i + 1;
  }

  private growEntries(): void {
    const cap = this.hashes.length * 2;
    const starts = new Uint32Array(cap + 1);
    starts.set(this.starts);
    const hashes = new Uint32Array(cap);
    hashes.set(this.hashes);
    const vals = new Float64Array(cap);
    vals.set(this.vals);
    this.starts = starts;
    this.hashes = hashes;
    this.vals = vals;
  }

  /** Doubles the slot table (load factor ≤ 3/4) and re-inserts every entry by its stored hash. */
  private rehash(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.count; i++) {
      let s = this.hashes[i] & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** FNV-1a over the key's UTF-8 bytes: read from the string when it is ASCII (the usual case), else encoded. */
  private hashKey(key: string): number {
    let h = 0x811c9dc5;
    const n = key.length;
    for (let j = 0; j < n; j++) {
      const c = key.charCodeAt(j);
      if (c > 0x7f) return this.hashEncoded(key);
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.keyBytes = n;
    this.keyAscii = true;
    return h >>> 0;
  }

  private hashEncoded(key: string): number {
    const need = Buffer.byteLength(key, 'utf8');
    if (need > this.scratch.length) this.scratch = Buffer.alloc(need * 2);
    const n = this.scratch.write(key, 0, 'utf8');
    let h = 0x811c9dc5;
    for (let j = 0; j < n; j++) h = Math.imul(h ^ this.scratch[j], 0x01000193);
    this.keyBytes = n;
    this.keyAscii = false;
    return h >>> 0;
  }

  /** Whether entry i's key is the key just hashed. */
  private equals(i: number, key: string): boolean {
    const start = this.starts[i];
    const n = this.keyBytes;
    if (this.starts[i + 1] - start !== n) return false;
    const b = this.bytes;
    if (this.keyAscii) {
      for (let j = 0; j < n; j++) if (b[start + j] !== key.charCodeAt(j)) return false;
      return true;
    }
    return this.scratch.compare(b, start, start + n, 0, n) === 0;
  }
}

/** Slots for `entries` entries at a load factor of at most 3/4 (the rehash threshold). */
function slotCount(entries: number): number {
  let n = 16;
  while (n * 3 < entries * 4 + 4) n *= 2;
  return n;
}
