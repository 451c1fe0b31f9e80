/**
 * Bearer tokens from an identity provider of the region (ROR_JWT_*): JWTs checked with jose against the provider's
 * JWKS URL (cached; fetched again, at most every 30 s, when a token names an unknown `kid`) or against local keys
 * (a JWKS file): signature, `iss`, `aud`, `exp`/`nbf` with a small clock skew, and an allow-list of algorithms
 * (never `none`, never a symmetric one a public key could be confused with). Claims map to a Principal as the
 * sign-in methods' do (./claims.ts); `scope` narrows it.
 */
import fs from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Principal } from '../kernel/actor';
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

export function externalIssuer(config: ExternalIssuerConfig): TokenIssuer {
  const keys: JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: config.jwksCooldownMs ?? 30_000, cacheMaxAge: 10 * 60_000 })
    : createLocalJWKSet(config.jwks ?? { keys: [] });
  return {
    issuer: config.issuer,
    async verify(token, address) {
      const { payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        algorithms: ACCEPTED_ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
      });
      const id = String(payload.client_id ?? payload.azp ?? payload.sub);
      const principal = principalFromClaims(payload as Record<string, unknown>, config.mapping, { kind: 'client', id, via: 'bearer', address });
      const scope = typeof payload.scope === 'string' ? payload.scope : Array.isArray(payload.scp) ? payload.scp.join(' ') : undefined;
      return scope === undefined ? principal : { ...principal, scopes: scope.split(' ').filter(Boolean) };
    },
  };
}

/** Local keys from a JWKS file (ROR_JWT_JWKS_FILE). */
export function readJwksFile(path: string): JSONWebKeySet {
  const json = JSON.parse(fs.readFileSync(path, 'utf8')) as JSONWebKeySet;
  if (!Array.isArray(json.keys)) throw new Error(`${path} is not a JSON Web Key Set (no "keys" array)`);
  return json;
}
