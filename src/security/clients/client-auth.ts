/**
 * Who is asking the token endpoint for a token: client authentication of RFC 6749 §2.3 and SMART Backend Services.
 *
 * - `client_secret_basic`: `Authorization: Basic base64(id:secret)`, id and secret form-urlencoded first (§2.3.1);
 * - `client_secret_post`: `client_id` and `client_secret` in the body;
 * - `private_key_jwt` (https://hl7.org/fhir/smart-app-launch/backend-services.html, RFC 7523): a JWT the client
 *   signed with its registered key (inline JWKS, or fetched from its JWKS URL), iss = sub = client id, aud = the
 *   token endpoint, expiring within five minutes, whose `jti` was never seen before.
 *
 * Every failure says the same thing to the caller (whether the client id exists is never told); the reason, for
 * the audit trail, is kept in the error.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ApiClient, AuthStore, JsonWebKeySet } from '../../store/auth';
import { spendVerificationTime, verifySecret } from './secrets';
import { CLOCK_TOLERANCE_SECONDS } from './keys';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Algorithms of client assertions: SMART asks servers to support RS384 and ES384; never `none` or a MAC. */
export const ASSERTION_ALGS = ['RS384', 'ES384', 'RS256', 'ES256', 'RS512', 'ES512', 'PS256', 'PS384', 'PS512'];

/** How far ahead a client assertion may expire (SMART Backend Services: no more than five minutes). */
const MAX_ASSERTION_LIFETIME_S = 300;

/** What is said to a caller whose authentication failed, whatever the reason. */
const FAILED = 'client authentication failed';

export class ClientAuthError extends Error {
  constructor(
    /** `invalid_client` (who the client is was not proven) or `invalid_request` (the request is malformed). */
    readonly code: 'invalid_client' | 'invalid_request',
    /** Said to the caller. */
    readonly description: string,
    /** Why, for the audit trail (never a secret or a whole assertion). */
    readonly reason: string,
    readonly method: ClientAuthMethod | 'none',
    /** The client id the caller gave, when it gave one. */
    readonly claimed?: string,
  ) {
    super(reason);
  }
}

export interface ClientAuthRequest {
  authorization?: string;
  /** The form parameters (each given once: the endpoint refuses repeated ones before). */
  body: Record<string, string>;
}

export interface ClientAuthDeps {
  store: AuthStore;
  /** The token endpoint's URL: the audience of client assertions. */
  tokenUrl: string;
  now: () => number;
  /** The key set at a client's JWKS URL (default: jose's createRemoteJWKSet, cached per URL). */
  remoteJwks: (url: string) => JWTVerifyGetKey;
}

/** A remote JWKS getter per URL, kept so that its keys (and jose's fetch cooldown) serve later requests. */
export function remoteJwksCache(max = 1000): (url: string) => JWTVerifyGetKey {
  const sets = new Map<string, JWTVerifyGetKey>();
  return (url) => {
    let set = sets.get(url);
    if (!set) {
      if (sets.size >= max) sets.delete(sets.keys().next().value!);
      set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
      sets.set(url, set);
    }
    return set;
  };
}

export interface AuthenticatedClient {
  client: ApiClient;
  method: ClientAuthMethod;
}

export async function authenticateClient(req: ClientAuthRequest, deps: ClientAuthDeps): Promise<AuthenticatedClient> {
  const { body } = req;
  const basic = /^basic(\s|$)/i.test(req.authorization ?? '');
  const post = body.client_secret !== undefined;
  const jwt = body.client_assertion !== undefined || body.client_assertion_type !== undefined;
  const used = [basic, post, jwt].filter(Boolean).length;
  if (used > 1) {
    throw new ClientAuthError('invalid_request', 'use exactly one client authentication method', 'several client authentication methods in one request', 'none', body.client_id);
  }
  if (basic) return secretClient('client_secret_basic', ...parseBasic(req.authorization!), body.client_id, deps);
  if (post) {
    if (!body.client_id) throw new ClientAuthError('invalid_request', 'client_secret needs client_id', 'client_secret without client_id', 'client_secret_post');
    return secretClient('client_secret_post', body.client_id, body.client_secret, undefined, deps);
  }
  if (jwt) return assertionClient(body, deps);
  throw new ClientAuthError('invalid_client', 'client authentication required', 'no client authentication', 'none', body.client_id);
}

/** `Basic` credentials: id and secret, each form-urlencoded before they were joined and encoded (§2.3.1). */
function parseBasic(header: string): [string, string] {
  const fail = (reason: string): never => {
    throw new ClientAuthError('invalid_client', FAILED, reason, 'client_secret_basic');
  };
  const encoded = header.replace(/^basic\s*/i, '').trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) fail('Basic credentials are not base64');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) fail('Basic credentials without a colon');
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  } catch {
    return fail('Basic credentials are not form-urlencoded');
  }
}

async function secretClient(
  method: 'client_secret_basic' | 'client_secret_post',
  clientId: string,
  secret: string,
  bodyClientId: string | undefined,
  deps: ClientAuthDeps,
): Promise<AuthenticatedClient> {
  const fail = (reason: string): never => {
    throw new ClientAuthError('invalid_client', FAILED, reason, method, clientId || undefined);
  };
  if (!clientId || !secret) fail('empty client id or secret');
  if (bodyClientId !== undefined && bodyClientId !== clientId) fail('client_id in the body differs from the Basic credentials');
  const client = await deps.store.getClient(clientId);
  if (!client?.secretHash) {
    // As long as checking a secret would take, so the answer's time does not tell whether the client exists.
    await spendVerificationTime(secret);
    return fail(client ? 'the client has no secret (it authenticates otherwise)' : 'unknown client');
  }
  if (!(await verifySecret(secret, client.secretHash))) fail('wrong secret');
  if (client.revokedAt) fail(`client revoked at ${client.revokedAt}`);
  return { client, method };
}

async function assertionClient(body: Record<string, string>, deps: ClientAuthDeps): Promise<AuthenticatedClient> {
  const method = 'private_key_jwt';
  let claimed = body.client_id || undefined;
  const fail = (reason: string, code: 'invalid_client' | 'invalid_request' = 'invalid_client', description = FAILED): never => {
    throw new ClientAuthError(code, description, reason, method, claimed);
  };
  if (body.client_assertion_type !== JWT_BEARER_ASSERTION) {
    fail(`client_assertion_type '${String(body.client_assertion_type ?? '').slice(0, 100)}'`, 'invalid_request', `client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  }
  const assertion = body.client_assertion;
  if (!assertion) return fail('client_assertion missing', 'invalid_request', 'client_assertion is required');

  let iss: unknown;
  let sub: unknown;
  try {
    const header = decodeProtectedHeader(assertion);
    ({ iss, sub } = decodeJwt(assertion));
    if (typeof header.alg !== 'string' || !ASSERTION_ALGS.includes(header.alg)) {
      claimed ??= typeof iss === 'string' ? iss : undefined;
      return fail(`assertion signed with '${String(header.alg)}', not an accepted algorithm`);
    }
  } catch (err) {
    if (err instanceof ClientAuthError) throw err;
    return fail('client_assertion is not a JWT');
  }
  if (typeof iss !== 'string' || !iss) return fail('assertion without iss');
  claimed ??= iss;
  if (sub !== iss) fail('assertion sub differs from iss');
  if (body.client_id !== undefined && body.client_id !== iss) fail('client_id differs from the assertion iss');

  const client = await deps.store.getClient(iss);
  if (!client) return fail('unknown client');
  const keySet = clientKeys(client, deps);
  if (!keySet) return fail('the client has no registered key (it authenticates otherwise)');
  const now = deps.now();
  let exp: number;
  let jti: unknown;
  try {
    const { payload } = await jwtVerify(assertion, keySet, {
      algorithms: ASSERTION_ALGS,
      issuer: iss,
      subject: iss,
      audience: deps.tokenUrl,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now),
    });
    exp = payload.exp!;
    jti = payload.jti;
  } catch (err) {
    return fail(`assertion refused: ${describeJoseError(err)}`);
  }
  if (exp * 1000 > now + (MAX_ASSERTION_LIFETIME_S + CLOCK_TOLERANCE_SECONDS) * 1000) fail('assertion expires more than five minutes ahead');
  if (typeof jti !== 'string' || !jti || jti.length > 255) fail('assertion jti is not a string of 1 to 255 characters');
  if (client.revokedAt) fail(`client revoked at ${client.revokedAt}`);
  const remembered = await deps.store.rememberAssertion(iss, jti as string, (exp + CLOCK_TOLERANCE_SECONDS) * 1000, now);
  if (!remembered) fail('assertion replayed (jti already used)');
  return { client, method };
}

function clientKeys(client: ApiClient, deps: ClientAuthDeps): JWTVerifyGetKey | undefined {
  if (client.jwks) return createLocalJWKSet(client.jwks as JsonWebKeySet as Parameters<typeof createLocalJWKSet>[0]);
  if (client.jwksUrl) return deps.remoteJwks(client.jwksUrl);
  return undefined;
}

function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason}`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'no registered key matches';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof errors.JWKSTimeout) return 'the JWKS URL did not answer in time';
  if (err instanceof errors.JOSEError) return `${err.code}: ${err.message}`.slice(0, 300);
  return `${(err as Error)?.message ?? String(err)}`.slice(0, 300);
}
