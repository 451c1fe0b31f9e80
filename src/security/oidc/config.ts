/**
 * Settings of sign-in through OpenID Connect (Pro Santé Connect, or a region's identity provider), read from the
 * environment (ROR_OIDC_*, see README "Security"). The server is a confidential client: it authenticates to the
 * provider's token endpoint with a client secret or, as Pro Santé Connect supports, a private key (private_key_jwt).
 * Anything set but invalid stops the start with a message naming the variable.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { boolean, type Env } from '../../env';
import { claimMappingFromEnv, type ClaimMapping } from '../claims';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

export interface OidcPrivateKey {
  /** PKCS#8 PEM of the key (imported as a CryptoKey when the client starts). */
  pem: string;
  /** JWS algorithm the client assertion is signed with, from the key's type. */
  alg: 'RS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';
  /** Key id announced in the assertion's header (the `kid` the provider knows the public key by). */
  kid?: string;
}

export interface OidcConfig {
  /** The issuer: its discovery document is `<issuer>/.well-known/openid-configuration` (or this URL itself when it is one). */
  issuer: URL;
  clientId: string;
  clientAuth: ClientAuthMethod;
  clientSecret?: string;
  privateKey?: OidcPrivateKey;
  /** Space-separated scopes requested; always include `openid`. */
  scopes: string;
  /** `acr_values` requested (Pro Santé Connect: `eidas1`); when set, the ID token's `acr` must be one of them. */
  acrValues?: string[];
  claims: ClaimMapping;
  /** Plain http to the provider is allowed (a provider on this machine, or ROR_OIDC_ALLOW_HTTP=true). */
  allowHttp: boolean;
  /** Key material for the short-lived sign-in cookie (state, nonce, PKCE verifier): the session secret. */
  stateSecret: string;
}

/** The OpenID Connect settings, or undefined when ROR_OIDC_ISSUER is unset (sign-in through OpenID Connect is off). */
export function oidcConfigFromEnv(env: Env): OidcConfig | undefined {
  const issuerRaw = given(env, 'ROR_OIDC_ISSUER');
  if (issuerRaw === undefined) return undefined;
  let issuer: URL;
  try {
    issuer = new URL(issuerRaw);
  } catch {
    throw new Error(`ROR_OIDC_ISSUER must be an absolute URL (the identity provider's issuer), got '${issuerRaw}'`);
  }
  if (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') throw new Error(`ROR_OIDC_ISSUER must be an https URL, got '${issuerRaw}'`);
  if (issuer.search || issuer.hash) throw new Error(`ROR_OIDC_ISSUER must have no query or fragment, got '${issuerRaw}'`);
  const allowHttp = boolean(env, 'ROR_OIDC_ALLOW_HTTP', false) || isLoopback(issuer.hostname);
  if (issuer.protocol === 'http:' && !allowHttp) {
    throw new Error(`ROR_OIDC_ISSUER must be an https URL (plain http only for a provider on this machine, or with ROR_OIDC_ALLOW_HTTP=true), got '${issuerRaw}'`);
  }

  const clientId = given(env, 'ROR_OIDC_CLIENT_ID');
  if (clientId === undefined) throw new Error('ROR_OIDC_CLIENT_ID is required when ROR_OIDC_ISSUER is set');
  const clientSecret = given(env, 'ROR_OIDC_CLIENT_SECRET');
  const keyRaw = given(env, 'ROR_OIDC_PRIVATE_KEY');
  if (clientSecret !== undefined && keyRaw !== undefined) throw new Error('set ROR_OIDC_CLIENT_SECRET or ROR_OIDC_PRIVATE_KEY, not both');
  if (clientSecret === undefined && keyRaw === undefined) {
    throw new Error('ROR_OIDC_CLIENT_SECRET (or ROR_OIDC_PRIVATE_KEY for private_key_jwt) is required when ROR_OIDC_ISSUER is set');
  }
  const privateKey = keyRaw === undefined ? undefined : readPrivateKey(keyRaw, given(env, 'ROR_OIDC_PRIVATE_KEY_ID'));
  const clientAuth = clientAuthMethod(env, privateKey !== undefined);

  const scopes = (given(env, 'ROR_OIDC_SCOPES') ?? 'openid profile email').trim().split(/\s+/);
  if (!scopes.includes('openid')) throw new Error(`ROR_OIDC_SCOPES must include 'openid', got '${scopes.join(' ')}'`);
  if (scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) throw new Error(`ROR_OIDC_SCOPES has an invalid scope: '${scopes.join(' ')}'`);
  const acr = given(env, 'ROR_OIDC_ACR_VALUES')?.trim().split(/\s+/);
  if (acr?.some((a) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(a))) throw new Error(`ROR_OIDC_ACR_VALUES has an invalid value: '${acr.join(' ')}'`);

  const stateSecret = given(env, 'ROR_SESSION_SECRET');
  if (stateSecret === undefined || stateSecret.length < 32) {
    throw new Error('ROR_SESSION_SECRET (at least 32 characters) is required when ROR_OIDC_ISSUER is set: it protects the sign-in cookies');
  }

  return {
    issuer,
    clientId: clientId.trim(),
    clientAuth,
    clientSecret,
    privateKey,
    scopes: [...new Set(scopes)].join(' '),
    acrValues: acr,
    claims: claimMappingFromEnv(env, 'ROR_OIDC'),
    allowHttp,
    stateSecret,
  };
}

function given(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

function clientAuthMethod(env: Env, hasKey: boolean): ClientAuthMethod {
  const raw = given(env, 'ROR_OIDC_CLIENT_AUTH')?.trim();
  if (raw === undefined) return hasKey ? 'private_key_jwt' : 'client_secret_basic';
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(raw)) {
    throw new Error(`ROR_OIDC_CLIENT_AUTH must be one of ${CLIENT_AUTH_METHODS.join(', ')}, got '${raw}'`);
  }
  if ((raw === 'private_key_jwt') !== hasKey) {
    throw new Error(`ROR_OIDC_CLIENT_AUTH=${raw} needs ${hasKey ? 'ROR_OIDC_CLIENT_SECRET, not ROR_OIDC_PRIVATE_KEY' : 'ROR_OIDC_PRIVATE_KEY, not ROR_OIDC_CLIENT_SECRET'}`);
  }
  return raw as ClientAuthMethod;
}

/**
 * ROR_OIDC_PRIVATE_KEY: a PEM private key (PKCS#8, PKCS#1 or SEC1; `\n` may be written as the two characters), a
 * private JWK as JSON, or the path of a file holding either (a mounted secret).
 */
function readPrivateKey(raw: string, kid: string | undefined): OidcPrivateKey {
  let text = raw.trim();
  if (!text.startsWith('-----BEGIN') && !text.startsWith('{')) {
    if (!existsSync(text)) throw new Error('ROR_OIDC_PRIVATE_KEY must be a PEM private key, a private JWK or the path of a file holding one (no such file)');
    text = readFileSync(text, 'utf8').trim();
  }
  let key: KeyObject;
  let jwkKid: string | undefined;
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as { kid?: unknown };
      jwkKid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else {
      key = createPrivateKey(text.replace(/\\n/g, '\n'));
    }
  } catch (err) {
    throw new Error(`ROR_OIDC_PRIVATE_KEY is not a private key (${(err as Error).message})`);
  }
  return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), alg: algorithmOf(key), kid: kid?.trim() ?? jwkKid };
}

function algorithmOf(key: KeyObject): OidcPrivateKey['alg'] {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('ROR_OIDC_PRIVATE_KEY: an RSA key must have at least 2048 bits');
    return 'RS256';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
    throw new Error(`ROR_OIDC_PRIVATE_KEY: the elliptic curve ${curve ?? '?'} is not supported (P-256, P-384 or P-521)`);
  }
  if (type === 'ed25519') return 'EdDSA';
  throw new Error(`ROR_OIDC_PRIVATE_KEY: a ${type ?? 'symmetric'} key cannot sign client assertions (RSA, EC or Ed25519)`);
}
