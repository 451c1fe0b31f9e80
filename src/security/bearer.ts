/**
 * Bearer tokens from an identity provider of the region (ROR_JWT_*): JWTs checked with jose against the provider's
 * JWKS URL (cached; fetched again, at most every 30 s, when a token names an unknown `kid`) or against local keys
 * (a JWKS file): signature, `iss`, `aud`, `exp`/`nbf` with a small clock skew, and an allow-list of algorithms
 * (never `none`, never a symmetric one a public key could be confused with). Claims map to a Principal as the
 * sign-in methods' do (./claims.ts); `scope` narrows it.
 *
 * A client sends the same access token on every request until it expires, and checking its signature is most of
 * the cost of an authenticated read (an ECDSA or RSA verification). So the principal of a token that passed is kept
 * in a small LRU keyed by the token itself, until the token's `exp` (and at most VERIFIED_TOKEN_TTL_MS, so a
 * key removed from the provider's JWKS stops being honoured within that time, as with jose's own JWKS cache). Only
 * tokens that passed every check are kept: a refused token is checked again each time it is sent.
 */
import fs from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Principal } from '../kernel/actor';
import { ExpiringLru } from './lru';
import { principalFromClaims, type ClaimMapping } from './claims';

/** An issuer whose tokens this server accepts. */
export interface TokenIssuer {
  issuer: string;
  /** The principal a token of this issuer stands for; throws when the token is not valid. */
  verify(token: string, address: string | undefined): Promise<Principal>;
}

export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
export const CLOCK_TOLERANCE_S = 30;

export interface ExternalIssuerConfig {
  issuer: string;
  audience: string;
  /** A JWKS URL, or local keys. */
  jwksUrl?: string;
  jwks?: JSONWebKeySet;
  mapping: ClaimMapping;
  /** Shortest wait between two fetches of the JWKS URL (default 30 s: an unknown `kid` cannot make us hammer it). */
  jwksCooldownMs?: number;
}

/** Verified tokens kept at most (one entry: the token and its principal, about 1 KB). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
/** How long a verified token is believed without checking its signature again (never beyond its `exp`). */
export const VERIFIED_TOKEN_TTL_MS = 5 * 60_000;

export interface ExternalIssuerOptions {
  /** Verified tokens (default: a new LRU of VERIFIED_TOKEN_CACHE_SIZE entries). */
  cache?: ExpiringLru<Principal>;
  /** The clock, ms since the epoch (default Date.now). */
  now?: () => number;
}

export function externalIssuer(config: ExternalIssuerConfig, options: ExternalIssuerOptions = {}): TokenIssuer {
  const keys: JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: config.jwksCooldownMs ?? 30_000, cacheMaxAge: 10 * 60_000 })
    : createLocalJWKSet(config.jwks ?? { keys: [] });
  const verified = options.cache ?? new ExpiringLru<Principal>(VERIFIED_TOKEN_CACHE_SIZE);
  const now = options.now ?? Date.now;
  // A copy per request: the caller may decorate its actor, the cached one stays as verified.
  const forRequest = (p: Principal, address: string | undefined): Principal => ({
    ...p,
    finess: [...p.finess],
    ...(p.scopes ? { scopes: [...p.scopes] } : {}),
    address,
  });
  return {
    issuer: config.issuer,
    async verify(token, address) {
      // Keyed by the token itself: a Map lookup hashes a string far faster than a digest would, and an entry
      // can only be found by presenting that exact token, which already proves its holder has it.
      const key = token;
      const known = verified.get(key, now());
      if (known) return forRequest(known, address);
      const { payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(now()),
        algorithms: ACCEPTED_ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
      });
      const id = String(payload.client_id ?? payload.azp ?? payload.sub);
      const principal = principalFromClaims(payload as Record<string, unknown>, config.mapping, { kind: 'client', id, via: 'bearer', address });
      const scope = typeof payload.scope === 'string' ? payload.scope : Array.isArray(payload.scp) ? payload.scp.join(' ') : undefined;
      const result: Principal = scope === undefined ? principal : { ...principal, scopes: scope.split(' ').filter(Boolean) };
      // `exp` is required above; the entry ends at the token's expiry (without the clock tolerance) or the TTL.
      verified.set(key, forRequest(result, undefined), Math.min((payload.exp as number) * 1000, now() + VERIFIED_TOKEN_TTL_MS));
      return result;
    },
  };
}

/** Local keys from a JWKS file (ROR_JWT_JWKS_FILE). */
export function readJwksFile(path: string): JSONWebKeySet {
  const json = JSON.parse(fs.readFileSync(path, 'utf8')) as JSONWebKeySet;
  if (!Array.isArray(json.keys)) throw new Error(`${path} is not a JSON Web Key Set (no "keys" array)`);
  return json;
}
