/**
 * Verifying the access tokens the built-in token endpoint issued (./token-endpoint.ts), for the Authorization
 * header middleware: signature by one of the server's keys (./keys.ts, read again from the store when a token
 * names a key this instance does not know yet), the one algorithm of that key (never `none`), `typ: at+jwt`,
 * iss and aud the server's base URL, exp and nbf with 30 s of clock tolerance. The client must not have been
 * revoked since: its status is read from the store at most every 30 s per client, so in steady state a request
 * costs no store read.
 */
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Principal } from '../../kernel/actor';
import type { ApiClient, AuthStore } from '../../store/auth';
import { FINESS_NUMBER, isRole, MAX_ACCESS_PROFILE } from '../claims';
import { CLOCK_TOLERANCE_SECONDS, type SigningKeys } from './keys';

/** The type of the access tokens (RFC 9068), so that no other JWT the server signs can pass for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';


/** A token refused; the message is fit for the `error_description` of a WWW-Authenticate challenge. */
export class InvalidTokenError extends Error {}

export interface BearerIssuer {
  /** The `iss` of the tokens this issuer verifies. */
  issuer: string;
  /** The principal the token was issued to; throws InvalidTokenError when the token is not valid now. */
  verify(token: string): Promise<Principal>;
}

export interface BuiltInIssuerOptions {
  now?: () => number;
  /** How long a client's status (revoked or not) is trusted before it is read again (ms, at most 30 s). */
  statusCacheMs?: number;
}

const MAX_STATUS_CACHE_MS = 30_000;

interface ClientStatus {
  active: boolean;
  label?: string;
  checkedAt: number;
}

export function builtInIssuer(keys: SigningKeys, store: AuthStore, baseUrl: string, options: BuiltInIssuerOptions = {}): BearerIssuer {
  const now = options.now ?? Date.now;
  const statusCacheMs = Math.min(options.statusCacheMs ?? MAX_STATUS_CACHE_MS, MAX_STATUS_CACHE_MS);
  const statuses = new Map<string, ClientStatus>();
  const reading = new Map<string, Promise<ClientStatus>>();

  const status = (clientId: string): Promise<ClientStatus> => {
    const cached = statuses.get(clientId);
    if (cached && now() - cached.checkedAt < statusCacheMs) return Promise.resolve(cached);
    let pending = reading.get(clientId);
    if (!pending) {
      pending = store
        .getClient(clientId)
        .then((client: ApiClient | undefined) => {
          const fresh: ClientStatus = { active: !!client && !client.revokedAt, label: client?.label, checkedAt: now() };
          // Only clients that hold a valid token get here: the map is as large as the set of clients.
          statuses.set(clientId, fresh);
          return fresh;
        })
        .finally(() => reading.delete(clientId));
      reading.set(clientId, pending);
    }
    return pending;
  };

  return {
    issuer: baseUrl,
    async verify(token: string): Promise<Principal> {
      let kid: unknown;
      let alg: unknown;
      try {
        ({ kid, alg } = decodeProtectedHeader(token));
      } catch {
        throw new InvalidTokenError('the token is not a JWT');
      }
      if (typeof kid !== 'string' || !kid) throw new InvalidTokenError('the token names no signing key');
      const key = await keys.verificationKey(kid);
      if (!key) throw new InvalidTokenError('the token is not signed by a key of this server');
      if (alg !== key.alg) throw new InvalidTokenError(`the token's algorithm must be ${key.alg}`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key.key, {
          algorithms: [key.alg],
          issuer: baseUrl,
          audience: baseUrl,
          typ: ACCESS_TOKEN_TYPE,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
          currentDate: new Date(now()),
        }));
      } catch (err) {
        throw new InvalidTokenError(describe(err));
      }
      const principal = principalOf(payload);
      const current = await status(principal.id);
      if (!current.active) throw new InvalidTokenError('the client is revoked');
      return current.label !== undefined ? { ...principal, name: current.label } : principal;
    },
  };
}

function principalOf(payload: JWTPayload): Principal {
  const { sub, role, finess, access_profile: accessProfile, scope } = payload;
  if (!isRole(role)) throw new InvalidTokenError('the token grants no role');
  if (!Array.isArray(finess) || !finess.every((f) => typeof f === 'string' && FINESS_NUMBER.test(f))) throw new InvalidTokenError('the token\'s finess claim is not a list of FINESS numbers');
  if (typeof accessProfile !== 'number' || !Number.isInteger(accessProfile) || accessProfile < 0 || accessProfile > MAX_ACCESS_PROFILE) {
    throw new InvalidTokenError('the token\'s access_profile is not 0 to 5');
  }
  if (typeof scope !== 'string') throw new InvalidTokenError('the token has no scope');
  return {
    kind: 'client',
    id: sub!,
    role,
    finess: finess as string[],
    accessProfile,
    scopes: scope.split(' ').filter(Boolean),
    via: 'bearer',
  };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'the token is not valid yet';
    if (err.claim === 'iss') return 'the token was not issued by this server';
    if (err.claim === 'aud') return 'the token is not meant for this server';
    if (err.claim === 'typ') return 'the token is not an access token';
    return `the token's ${err.claim} claim is invalid`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token\'s signature is invalid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token\'s algorithm is not allowed';
  return 'the token is invalid';
}
