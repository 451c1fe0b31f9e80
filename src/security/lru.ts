/**
 * A small bounded cache for the security layer's hot paths (verified bearer tokens, redacted JSON of stored versions).
 */
/** A bounded map whose entries expire: least recently used first out when full (a Map keeps insertion order). */
export class ExpiringLru<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error('an LRU needs a capacity of at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value of `key` if present and not expired at `now` (ms since the epoch). */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
