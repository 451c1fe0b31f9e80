/**
 * Managing API clients (`npm run clients`, scripts/clients.ts): registering one with validated settings and a
 * fresh secret, revoking it, giving it a new secret. API clients are not FHIR resources: these changes go to the
 * AuthStore directly, not through the kernel's write path; the caller reports who made them.
 */
import { importJWK, type JWK } from 'jose';
import { ROLES, type Role } from '../../kernel/actor';
import type { ApiClient, AuthStore, JsonWebKeySet, StoredJwk } from '../../store/auth';
import { FINESS_NUMBER, isRole, MAX_ACCESS_PROFILE } from '../claims';
import { ASSERTION_ALGS } from './client-auth';
import { normaliseScopes, ScopeError } from './scopes';
import { generateSecret, hashSecret } from './secrets';

/** A change refused because of what was asked; the message is for the operator. */
export class ClientAdminError extends Error {}

export interface NewClient {
  clientId: string;
  role: string;
  finess?: string[];
  /** Default 1 (as for people whose identity provider sends no access profile). */
  accessProfile?: number;
  /** Scopes the client may have (default: its role's). */
  scopes?: string[];
  jwks?: unknown;
  jwksUrl?: string;
  mtlsSubject?: string;
  label?: string;
}

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Registers a client. Its secret, when it gets one, is returned here and never again (only its hash is stored);
 * a client that proves itself with its keys (`jwks`, `jwksUrl`) or its certificate (`mtlsSubject`) gets none.
 */
export async function registerClient(store: AuthStore, input: NewClient, now = new Date()): Promise<{ client: ApiClient; secret?: string }> {
  if (!CLIENT_ID.test(input.clientId)) {
    throw new ClientAdminError(`client id '${input.clientId}' must be 1 to 100 letters, digits, '.', '_', '~' or '-', starting with a letter or digit`);
  }
  if (!isRole(input.role)) throw new ClientAdminError(`unknown role '${input.role}': one of ${ROLES.join(', ')}`);
  const role: Role = input.role;
  const finess = [...new Set(input.finess ?? [])];
  for (const f of finess) if (!FINESS_NUMBER.test(f)) throw new ClientAdminError(`'${f}' is not a FINESS number (9 characters: 2 digits or 2A/2B, then 7 digits)`);
  if (role === 'establishment' && finess.length === 0) throw new ClientAdminError('an establishment client needs at least one FINESS number (--finess)');
  const accessProfile = input.accessProfile ?? 1;
  if (!Number.isInteger(accessProfile) || accessProfile < 0 || accessProfile > MAX_ACCESS_PROFILE) {
    throw new ClientAdminError(`access profile must be a whole number from 0 to ${MAX_ACCESS_PROFILE}, got '${input.accessProfile}'`);
  }
  let scopes: string[] | undefined;
  if (input.scopes) {
    try {
      scopes = normaliseScopes(input.scopes);
    } catch (err) {
      if (err instanceof ScopeError) throw new ClientAdminError(err.message);
      throw err;
    }
    if (scopes.length === 0) throw new ClientAdminError('--scope given without a scope');
  }
  if (input.jwks !== undefined && input.jwksUrl !== undefined) throw new ClientAdminError('give the client\'s keys inline or by URL, not both');
  const jwks = input.jwks === undefined ? undefined : await publicKeySet(input.jwks);
  const jwksUrl = input.jwksUrl === undefined ? undefined : checkJwksUrl(input.jwksUrl);
  const mtlsSubject = input.mtlsSubject?.trim();
  if (input.mtlsSubject !== undefined && !mtlsSubject) throw new ClientAdminError('the certificate subject is empty');
  if (mtlsSubject) {
    const holder = await store.clientByMtlsSubject(mtlsSubject);
    if (holder) throw new ClientAdminError(`certificate subject '${mtlsSubject}' already identifies client '${holder.clientId}'`);
  }
  const label = input.label?.trim();
  if (label !== undefined && label.length > 200) throw new ClientAdminError('the label is longer than 200 characters');

  const secret = jwks || jwksUrl || mtlsSubject ? undefined : generateSecret();
  const client: ApiClient = {
    clientId: input.clientId,
    role,
    finess,
    accessProfile,
    ...(scopes ? { scopes } : {}),
    ...(secret ? { secretHash: await hashSecret(secret) } : {}),
    ...(jwks ? { jwks } : {}),
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(mtlsSubject ? { mtlsSubject } : {}),
    createdAt: now.toISOString(),
    ...(label ? { label } : {}),
  };
  if (!(await store.addClient(client))) throw new ClientAdminError(`client '${input.clientId}' already exists (revoked or not): choose another id`);
  return { client, secret };
}

/** Revokes a client: it gets no more tokens, and those it holds are refused within 30 s. */
export async function revokeClient(store: AuthStore, clientId: string, now = new Date()): Promise<ApiClient> {
  const client = await existing(store, clientId);
  if (client.revokedAt) throw new ClientAdminError(`client '${clientId}' was already revoked at ${client.revokedAt}`);
  return (await store.updateClient(clientId, { revokedAt: now.toISOString() }))!;
}

/** Gives a client a new secret (the former one stops working at once); returns it, once. */
export async function rotateClientSecret(store: AuthStore, clientId: string): Promise<{ client: ApiClient; secret: string }> {
  const client = await existing(store, clientId);
  if (client.revokedAt) throw new ClientAdminError(`client '${clientId}' is revoked (at ${client.revokedAt}): register a new client instead`);
  const secret = generateSecret();
  const updated = (await store.updateClient(clientId, { secretHash: await hashSecret(secret) }))!;
  return { client: updated, secret };
}

async function existing(store: AuthStore, clientId: string): Promise<ApiClient> {
  const client = await store.getClient(clientId);
  if (!client) throw new ClientAdminError(`no client '${clientId}'`);
  return client;
}

/** A JWKS of public signing keys, each importable for an accepted algorithm; private keys are refused. */
async function publicKeySet(raw: unknown): Promise<JsonWebKeySet> {
  const keys = (raw as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new ClientAdminError('the JWKS must be an object with a non-empty "keys" array');
  for (const [i, key] of keys.entries()) {
    const jwk = key as JWK;
    const name = `key ${i + 1}${typeof jwk?.kid === 'string' ? ` (kid ${jwk.kid})` : ''}`;
    if (typeof jwk !== 'object' || jwk === null || (jwk.kty !== 'RSA' && jwk.kty !== 'EC')) throw new ClientAdminError(`${name}: only RSA and EC public keys are accepted`);
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new ClientAdminError(`${name} is a private key: register the client's public keys only`);
    if (jwk.use !== undefined && jwk.use !== 'sig') throw new ClientAdminError(`${name} is not a signing key (use '${jwk.use}')`);
    const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS384' : ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[jwk.crv ?? '']);
    if (!alg || !ASSERTION_ALGS.includes(alg)) throw new ClientAdminError(`${name}: algorithm '${jwk.alg ?? jwk.crv}' is not one of ${ASSERTION_ALGS.join(', ')}`);
    try {
      await importJWK(jwk, alg);
    } catch (err) {
      throw new ClientAdminError(`${name} is not a valid ${alg} key: ${(err as Error).message}`);
    }
  }
  return { keys: keys as StoredJwk[] };
}

/** An https URL (http only on this machine, for tests and a local key server). */
function checkJwksUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ClientAdminError(`'${raw}' is not a URL`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) throw new ClientAdminError(`the JWKS URL must be https, got '${raw}'`);
  return url.href;
}
