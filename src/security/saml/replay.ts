/**
 * Two memories of the SAML sign-in (each bounded, forgetting an entry once it can no longer matter):
 * - RequestIds: the AuthnRequests we sent, so a response must answer one of them (node-saml's CacheProvider). In
 *   this instance's memory: with several instances, the response must come back to the instance that sent the
 *   request (sticky sessions on /auth/saml), or the check be relaxed (SamlConfig.inResponseTo);
 * - the IDs of the assertions already accepted, until they expire, so the same signed assertion posted a second
 *   time (a replay, e.g. from a browser's history or a captured form) opens no session: in the store
 *   (`storedAssertions`, shared by every instance on it) when the server has one, else in memory (SeenAssertions).
 */
import type { CacheItem, CacheProvider } from '@node-saml/passport-saml';
import type { AuthStore } from '../../store/auth';

/** Remembers accepted assertion IDs: false for one seen before and not expired (a replay). */
export interface AssertionMemory {
  firstUse(id: string, expiresAt: number): boolean | Promise<boolean>;
}

/** The store's replay cache (the one of client assertions), under an issuer of its own: shared by all instances. */
export function storedAssertions(auth: Pick<AuthStore, 'rememberAssertion'>, now: () => number = Date.now): AssertionMemory {
  return { firstUse: (id, expiresAt) => auth.rememberAssertion('saml-assertion', id, expiresAt, now()) };
}

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
export class SeenAssertions implements AssertionMemory {
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
