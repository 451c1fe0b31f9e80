/**
 * The key pairs the server signs its access tokens with (ES256 by default, or RS256), kept in the store
 * (AuthStore) so that every instance on the same store signs with the same current key and verifies what any
 * instance signed. The newest active key signs; `rotate()` makes a new one and retires the others. A retired key
 * stays published (`/.well-known/jwks.json`) and verifies until every token it may have signed has expired: the
 * token lifetime, plus the time an instance may go on signing with it before it rereads the keys, plus the clock
 * tolerance of verifiers.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { AuthStore, SigningKey, StoredJwk } from '../../store/auth';

export type SigningAlg = 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

/** Clock difference tolerated between the instances that sign and verify, and their callers (seconds). */
export const CLOCK_TOLERANCE_SECONDS = 30;

export interface SigningKeysOptions {
  alg?: SigningAlg;
  /** Lifetime of the tokens signed (seconds): how long a retired key stays published. */
  tokenTtlSeconds: number;
  /** How long the keys read from the store are used before they are read again (default 60 s). */
  refreshMs?: number;
  now?: () => number;
}

/** A key ready to sign or verify with. */
export interface UsableKey {
  kid: string;
  alg: string;
  key: CryptoKey;
}

/** The least time between two reads of the store prompted by unknown key ids (tokens of garbage). */
const UNKNOWN_KID_RELOAD_MS = 1000;

export class SigningKeys {
  readonly alg: SigningAlg;
  private readonly tokenTtlMs: number;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private keys: SigningKey[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<SigningKey[]> | undefined;
  private readonly imported = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly store: AuthStore,
    options: SigningKeysOptions,
  ) {
    this.alg = options.alg ?? 'ES256';
    if (!SIGNING_ALGS.includes(this.alg)) throw new Error(`signing algorithm must be one of ${SIGNING_ALGS.join(', ')}`);
    this.tokenTtlMs = options.tokenTtlSeconds * 1000;
    this.refreshMs = options.refreshMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The key that signs now: the newest active one of this algorithm, made when there is none. */
  async current(): Promise<UsableKey> {
    let key = newestActive(await this.load(), this.alg);
    if (!key) {
      await this.rotate();
      key = newestActive(this.keys, this.alg)!;
    }
    return { kid: key.kid, alg: key.alg, key: await this.importKey(key, 'private') };
  }

  /** Makes a new current key and retires the others (they go on verifying, see above). Returns the new key id. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(this.alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    // Strictly after any key already there, so "newest" is never a tie, even on a coarse clock.
    const previous = await this.load(true);
    const last = previous.length ? Date.parse(previous[previous.length - 1].createdAt) : -Infinity;
    const created = new Date(Math.max(this.now(), last + 1)).toISOString();
    await this.store.addSigningKey({ kid, alg: this.alg, privateJwk: (await exportJWK(privateKey)) as StoredJwk, publicJwk: publicJwk as StoredJwk, createdAt: created });
    for (const k of previous) if (!k.retiredAt) await this.store.retireSigningKey(k.kid, created);
    await this.load(true);
    return kid;
  }

  /** The public keys that verify tokens still valid: the JSON Web Key Set of `/.well-known/jwks.json`. */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    const keys = await this.load();
    const now = this.now();
    return {
      keys: keys
        .filter((k) => !k.retiredAt || now < Date.parse(k.retiredAt) + this.retentionMs())
        .map((k) => ({ ...publicMembers(k.publicJwk), kid: k.kid, alg: k.alg, use: 'sig' })),
    };
  }

  /**
   * The key of id `kid` to verify a token with, read again from the store when it is unknown (a key another
   * instance made since); undefined when the store has no such key or it was retired long enough ago that nothing
   * it signed is still valid.
   */
  async verificationKey(kid: string): Promise<UsableKey | undefined> {
    let key = (await this.load()).find((k) => k.kid === kid);
    if (!key && this.now() - this.loadedAt >= UNKNOWN_KID_RELOAD_MS) key = (await this.load(true)).find((k) => k.kid === kid);
    if (!key || (key.retiredAt && this.now() >= Date.parse(key.retiredAt) + this.retentionMs())) return undefined;
    return { kid: key.kid, alg: key.alg, key: await this.importKey(key, 'public') };
  }

  /** How long after its retirement a key still verifies. */
  retentionMs(): number {
    return this.tokenTtlMs + this.refreshMs + CLOCK_TOLERANCE_SECONDS * 1000;
  }

  private load(force = false): Promise<SigningKey[]> {
    if (!force && this.now() - this.loadedAt < this.refreshMs) return Promise.resolve(this.keys);
    this.loading ??= this.store
      .signingKeys()
      .then((keys) => {
        this.keys = keys;
        this.loadedAt = this.now();
        return keys;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  private importKey(key: SigningKey, part: 'private' | 'public'): Promise<CryptoKey> {
    const id = `${part}:${key.kid}`;
    let imported = this.imported.get(id);
    if (!imported) {
      const jwk = part === 'private' ? key.privateJwk : publicMembers(key.publicJwk);
      imported = importJWK(jwk as JWK, key.alg).then((k) => k as CryptoKey);
      imported.catch(() => this.imported.delete(id));
      this.imported.set(id, imported);
    }
    return imported;
  }
}

function newestActive(keys: readonly SigningKey[], alg: string): SigningKey | undefined {
  return keys.filter((k) => !k.retiredAt && k.alg === alg).at(-1);
}

/** A public JWK's members only: whatever was stored, a private member (`d`, `p`, …) is never published. */
function publicMembers(jwk: StoredJwk): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...rest } = jwk;
  return rest as JWK;
}
