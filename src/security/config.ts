/**
 * Security settings from the environment (README, "Security"). Without any, the server starts and the demo works:
 * reads are public (as access profile 0), writes need a credential.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { boolean, decimal, integer, type Env } from '../env';
import { claimMappingFromEnv } from './claims';
import { readJwksFile, type ExternalIssuerConfig } from './bearer';

export interface SecurityConfig {
  bootstrapToken?: string;
  publicReads: boolean;
  publicAccessProfile: number;
  /** Key material of session cookies (ROR_SESSION_SECRET; else a random one kept in the data directory). */
  sessionSecret: string;
  /** A region's identity provider whose JWTs are accepted as bearer tokens. */
  externalIssuer?: ExternalIssuerConfig;
  mtlsHeader?: string;
  /** Addresses of the reverse proxies whose forwarded address and client-certificate header are believed. */
  trustedProxies: string[];
  auditReadSample: number;
}

export function loadSecurityConfig(env: Env, dataDir: string, baseUrl: string): SecurityConfig {
  const bootstrapToken = env.ROR_BOOTSTRAP_TOKEN?.trim() || undefined;
  if (bootstrapToken !== undefined && bootstrapToken.length < 32) {
    throw new Error('ROR_BOOTSTRAP_TOKEN must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  if (bootstrapToken !== undefined && !/^[A-Za-z0-9\-._~+/]+=*$/.test(bootstrapToken)) {
    throw new Error('ROR_BOOTSTRAP_TOKEN may contain only letters, digits and - . _ ~ + / (a bearer token, RFC 6750)');
  }
  const sessionSecret = env.ROR_SESSION_SECRET?.trim() || localSecret(dataDir);
  if (sessionSecret.length < 32) throw new Error('ROR_SESSION_SECRET must be at least 32 characters');
  let externalIssuer: ExternalIssuerConfig | undefined;
  const issuer = env.ROR_JWT_ISSUER?.trim();
  if (issuer) {
    const jwksUrl = env.ROR_JWT_JWKS_URL?.trim() || undefined;
    const jwksFile = env.ROR_JWT_JWKS_FILE?.trim() || undefined;
    if (!jwksUrl === !jwksFile) throw new Error('ROR_JWT_ISSUER needs exactly one of ROR_JWT_JWKS_URL and ROR_JWT_JWKS_FILE');
    if (jwksUrl && !/^https?:\/\//.test(jwksUrl)) throw new Error(`ROR_JWT_JWKS_URL must be an http(s) URL, got '${jwksUrl}'`);
    externalIssuer = {
      issuer,
      audience: env.ROR_JWT_AUDIENCE?.trim() || baseUrl,
      jwksUrl,
      jwks: jwksFile ? readJwksFile(jwksFile) : undefined,
      mapping: claimMappingFromEnv(env, 'ROR_JWT'),
    };
  }
  return {
    bootstrapToken,
    publicReads: boolean(env, 'ROR_PUBLIC_READS', true),
    publicAccessProfile: integer(env, 'ROR_PUBLIC_ACCESS_PROFILE', 0, 0, 5),
    sessionSecret,
    externalIssuer,
    mtlsHeader: env.ROR_MTLS_HEADER?.trim() || undefined,
    trustedProxies: (env.ROR_TRUSTED_PROXIES ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    auditReadSample: decimal(env, 'ROR_AUDIT_READ_SAMPLE', 0, 0, 1),
  };
}

/** A random secret kept in the data directory (one instance; several instances must share ROR_SESSION_SECRET). */
function localSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      // `wx`: of two processes starting on one data directory, the first writes it and both read that one.
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}
