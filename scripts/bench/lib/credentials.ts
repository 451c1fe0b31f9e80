/**
 * Credentials for benches against the real server, which refuses anonymous writes: a bootstrap token made for one
 * bench run (ROR_BOOTSTRAP_TOKEN, an administrator), and a bench identity provider (an ES256 key pair made here,
 * its public JWKS written to a file the server trusts through ROR_JWT_*) that signs JWTs with the ROR claims.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** A fresh bootstrap token: 43 base64url characters (≥ 32, bearer-token alphabet). */
export function newBootstrapToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export const BENCH_ISSUER = 'https://idp.bench.invalid';

export interface BenchIdp {
  /** Environment that makes the server trust this provider (issuer, audience, JWKS file). */
  env: Record<string, string>;
  /** A JWT of this provider with `claims` (role, finess, access_profile, scope…), valid for `expiresIn`. */
  token(claims: Record<string, unknown>, expiresIn?: string): Promise<string>;
}

/** An identity provider whose public keys are written to `dir`/jwks.json; tokens are for `audience`. */
export async function benchIdp(dir: string, audience: string): Promise<BenchIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' };
  const file = path.join(dir, 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({ keys: [jwk] }));
  return {
    env: { ROR_JWT_ISSUER: BENCH_ISSUER, ROR_JWT_AUDIENCE: audience, ROR_JWT_JWKS_FILE: file },
    token: (claims, expiresIn = '2h') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'bench-1' })
        .setIssuer(BENCH_ISSUER)
        .setAudience(audience)
        .setSubject(String(claims.sub ?? 'bench-client'))
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
  };
}
