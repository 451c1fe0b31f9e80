/**
 * Two memories of the SAML sign-in, both kept in this instance's memory (several instances share neither, see
 * SamlConfig.inResponseTo; each is bounded, and forgets an entry once it can no longer matter):
 * - RequestIds: the AuthnRequests we sent, so a response must answer one of them (node-saml's CacheProvider);
 * - SeenAssertions: the IDs of the assertions already accepted, until they expire, so the same signed assertion
 *   posted a second time (a replay, e.g. from a browser's history or a captured form) opens no session.
 */
import type { CacheItem, CacheProvider } from '@node-saml/passport-saml';

const MAX_ENTRIES = 100_000;

/** AuthnRequest IDs, each kept `ttlMs` after it was issued, then forgotten. */
export class RequestIds implements CacheProvider {
  private readonly items = new Map<string, CacheItem>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    this.prune();
    if (this.items.has(key)) return null;
    if (this.items.size >= MAX_ENTRIES) this.items.delete(this.items.keys().next().value as string);
    const item = { value, createdAt: this.now() };
    this.items.set(key, item);
    return item;
  }

  async getAsync(key: string): Promise<string | null> {
    const item = this.items.get(key);
    if (!item) return null;
    if (this.now() - item.createdAt > this.ttlMs) {
      this.items.delete(key);
      return null;
    }
    return item.value;
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null) return null;
    const item = this.items.get(key);
    this.items.delete(key);
    return item?.value ?? null;
  }

  /** Entries are in insertion order, so the expired ones are at the front. */
  private prune(): void {
    const limit = this.now() - this.ttlMs;
    for (const [key, item] of this.items) {
      if (item.createdAt > limit) break;
      this.items.delete(key);
    }
  }
}

/** Assertion IDs already accepted, each remembered until its expiry. */
export class SeenAssertions {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records `id` as used until `expiresAt` (ms since the epoch). False when it was already used: a replay.
   * When full of assertions that have not expired yet, the oldest is forgotten (bounded memory).
   */
  firstUse(id: string, expiresAt: number): boolean {
    const now = this.now();
    const known = this.expiries.get(id);
    if (known !== undefined && known > now) return false;
    if (this.expiries.size >= MAX_ENTRIES) this.prune(now);
    if (this.expiries.size >= MAX_ENTRIES) this.expiries.delete(this.expiries.keys().next().value as string);
    this.expiries.delete(id);
    this.expiries.set(id, expiresAt);
    if (this.expiries.size % 1000 === 0) this.prune(now);
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  private prune(now: number): void {
    for (const [id, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(id);
  }
}
