/**
 * A bounded cache of current versions for reads outside transactions, the hottest path of the server (orientation
 * tools and establishments read the same Locations all day).
 *
 * Correctness rests on two invalidations: a key is dropped when a transaction writes it, and again once that
 * transaction has committed or rolled back, because a read on the reader connection in between sees (and may
 * cache) the previous committed version.
 */
import type { StoredVersion } from '../store';

export class CurrentVersionCache {
  private readonly entries = new Map<string, StoredVersion>();
  private readonly touched = new Set<string>();

  constructor(private readonly capacity: number) {}

  static key(resourceType: string, id: string): string {
    return `${resourceType}/${id}`;
  }

  get(key: string): StoredVersion | undefined {
    return this.entries.get(key);
  }

  /** Caches a version read outside any transaction; the oldest entry goes when the cache is full. */
  set(key: string, version: StoredVersion): void {
    if (this.capacity <= 0) return;
    if (this.entries.size >= this.capacity && !this.entries.has(key)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, version);
  }

  /** A transaction is writing `key`. */
  written(key: string): void {
    this.entries.delete(key);
    this.touched.add(key);
  }

  /** The transaction group ended (committed or rolled back): forget what it wrote, as read in the meantime. */
  settled(): void {
    for (const key of this.touched) this.entries.delete(key);
    this.touched.clear();
  }
}
