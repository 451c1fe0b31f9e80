/**
 * The built-in OAuth 2.0 authorisation server, for regions without an identity provider of their own: the
 * client-credentials grant of SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html)
 * for API clients registered with `npm run clients`.
 *
 * - `POST /auth/token`: `grant_type=client_credentials` and an optional `scope`; the client authenticates with its
 *   secret (Basic or in the body) or a signed assertion (./client-auth.ts). The answer is an access token: a JWT
 *   (`typ: at+jwt`) signed by the server's current key, iss = aud = the FHIR base URL, sub = the client id, with
 *   the client's role, FINESS numbers, access profile and granted scope. Errors follow RFC 6749 §5.2.
 * - `GET /.well-known/jwks.json`: the public keys that verify the tokens (./keys.ts).
 * - `GET /.well-known/smart-configuration`: what this server supports (SMART App Launch 2, "Conformance").
 *
 * Verifying the tokens on the FHIR API is ./issuer.ts.
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../../logger';
import type { ApiClient, AuthStore } from '../../store/auth';
import type { AuditSink } from '../audit-sink';
import { ASSERTION_ALGS, authenticateClient, CLIENT_AUTH_METHODS, ClientAuthError, remoteJwksCache } from './client-auth';
import { ACCESS_TOKEN_TYPE } from './issuer';
import type { SigningKeys } from './keys';
import { clientPrincipal } from './principal';
import { defaultScopes, grantScopes, ScopeError } from './scopes';

export const TOKEN_PATH = '/auth/token';
export const JWKS_PATH = '/.well-known/jwks.json';
export const SMART_CONFIGURATION_PATH = '/.well-known/smart-configuration';

export interface AuthRouterDeps {
  store: AuthStore;
  keys: SigningKeys;
  audit: AuditSink;
  /** The FHIR base URL (ROR_BASE_URL): issuer and audience of the tokens; the endpoints' URLs are built on it. */
  baseUrl: string;
  /** Lifetime of the access tokens (ROR_TOKEN_TTL, default 300 s). */
  tokenTtlSeconds?: number;
  logger?: Logger;
  now?: () => number;
  /** The key set at a client's JWKS URL (default: fetched with jose's createRemoteJWKSet, cached per URL). */
  remoteJwks?: (url: string) => JWTVerifyGetKey;
}

type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/** Largest token request body: a client assertion signed with a 4096-bit RSA key is under 2 kB. */
const MAX_BODY = '16kb';

export function authRouter(deps: AuthRouterDeps): express.Router {
  const now = deps.now ?? Date.now;
  const ttl = deps.tokenTtlSeconds ?? 300;
  const tokenUrl = `${deps.baseUrl}${TOKEN_PATH}`;
  const clientAuth = { store: deps.store, tokenUrl, now, remoteJwks: deps.remoteJwks ?? remoteJwksCache() };
  const router = express.Router();

  router.post(TOKEN_PATH, express.urlencoded({ extended: false, limit: MAX_BODY, parameterLimit: 50 }), async (req: Request, res: Response) => {
    if (!req.is('application/x-www-form-urlencoded')) {
      return oauthError(res, 400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
    }
    const raw = (req.body ?? {}) as Record<string, string | string[]>;
    const repeated = Object.keys(raw).find((k) => Array.isArray(raw[k]));
    if (repeated) return oauthError(res, 400, 'invalid_request', `parameter '${repeated}' is repeated`);
    const body = raw as Record<string, string>;

    let authenticated;
    try {
      authenticated = await authenticateClient({ authorization: req.headers.authorization, body }, clientAuth);
    } catch (err) {
      if (!(err instanceof ClientAuthError)) throw err;
      deps.audit.authenticationFailed({ method: err.method, claimed: err.claimed, address: req.ip, reason: err.reason });
      if (err.code === 'invalid_client') {
        const challenge = err.method === 'client_secret_basic' || err.method === 'none';
        return oauthError(res, 401, 'invalid_client', err.description, challenge ? { 'WWW-Authenticate': `Basic realm="${tokenUrl}", charset="UTF-8"` } : {});
      }
      return oauthError(res, 400, err.code, err.description);
    }
    const { client, method } = authenticated;

    if (body.grant_type === undefined) return oauthError(res, 400, 'invalid_request', 'grant_type is required');
    if (body.grant_type !== 'client_credentials') {
      return oauthError(res, 400, 'unsupported_grant_type', 'this server grants client_credentials only');
    }
    let scopes: string[];
    try {
      scopes = grantScopes(body.scope, allowedScopes(client));
    } catch (err) {
      if (!(err instanceof ScopeError)) throw err;
      return oauthError(res, 400, 'invalid_scope', err.message);
    }
    if (scopes.length === 0) return oauthError(res, 400, 'invalid_scope', 'the client may have no scope');

    const key = await deps.keys.current();
    const issuedAt = Math.floor(now() / 1000);
    const accessToken = await new SignJWT({
      client_id: client.clientId,
      role: client.role,
      finess: client.finess,
      access_profile: client.accessProfile,
      scope: scopes.join(' '),
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(deps.baseUrl)
      .setAudience(deps.baseUrl)
      .setSubject(client.clientId)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .setJti(randomUUID())
      .sign(key.key);
    deps.audit.signedIn(clientPrincipal(client, scopes, 'bearer', req.ip), method);
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    res.status(200).json({ access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') });
  });

  router.all(TOKEN_PATH, (_req, res) => {
    res.set('Allow', 'POST');
    oauthError(res, 405, 'invalid_request', 'the token endpoint takes POST requests');
  });

  router.get(JWKS_PATH, async (_req, res) => {
    const jwks = await deps.keys.publicJwks();
    res.set('Cache-Control', 'public, max-age=60');
    res.type('application/jwk-set+json').send(JSON.stringify(jwks));
  });

  router.get(SMART_CONFIGURATION_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    res.json(smartConfiguration(deps.baseUrl));
  });

  // Errors of this router's requests (a body that does not parse or is too large, a store that fails) are
  // answered in RFC 6749's shape, never as an HTML page.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const description = status === 413 ? `the request body is larger than ${MAX_BODY}` : 'the request body could not be read';
      return oauthError(res, status === 413 ? 413 : 400, 'invalid_request', description);
    }
    deps.logger?.error({ err, path: req.path }, 'token endpoint failure');
    res.set('Cache-Control', 'no-store');
    res.status(503).json({ error: 'temporarily_unavailable', error_description: 'the authorisation server cannot answer now; retry later' });
  });

  return router;
}

/** The scopes `client` may be granted: those registered with it, else its role's. */
export function allowedScopes(client: ApiClient): string[] {
  return client.scopes ?? defaultScopes(client.role);
}

/**
 * The SMART configuration document (SMART App Launch 2, "Conformance"). Only the client-credentials grant is
 * offered (no authorization endpoint: people sign in through the region's identity provider), so the fields of the
 * authorization-code flow (authorization_endpoint, response_types_supported, code_challenge_methods_supported) and
 * of OpenID Connect (issuer) are left out.
 */
export function smartConfiguration(baseUrl: string): Record<string, unknown> {
  const scopes = new Set((['consumer', 'establishment', 'analyst', 'admin'] as const).flatMap(defaultScopes));
  return {
    token_endpoint: `${baseUrl}${TOKEN_PATH}`,
    jwks_uri: `${baseUrl}${JWKS_PATH}`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    scopes_supported: [...scopes],
    capabilities: ['client-confidential-symmetric', 'client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
  };
}

function oauthError(res: Response, status: number, error: OAuthError, description: string, headers: Record<string, string> = {}): void {
  res.set({ ...headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  res.status(status).json({ error, error_description: description });
}
