/**
 * API clients and the server's token-signing keys, part of the ResourceStore port (storage-neutral: each adapter
 * keeps them its own way).
 *
 * API clients are the systems (orientation tools, bed-management software) that call the FHIR API with a bearer
 * token from the built-in token endpoint (src/security/clients). They are NOT FHIR resources: they are not written
 * through the kernel's FHIR write path (no validation, hooks, policy or Subscription notifications apply to them),
 * they are managed by the operator with `npm run clients` (scripts/clients.ts), which says who did what.
 *
 * The signing keys live here, not in each process, so that every server instance on the same store signs with
 * the same current key and verifies the tokens any instance issued. The private keys are stored as JWKs: the store
 * must be protected like any secret.
 *
 * The replay cache of client assertions (`jti` of private_key_jwt) is here too, so that an assertion used at one
 * instance is refused at every other one.
 *
 * Times are ISO 8601 instants (clients, keys) or milliseconds since the epoch given by the caller (the replay
 * cache, as for leases: the contract drives time without waiting).
 *
 * Contract: test/contract/auth.contract.ts.
 */

/** The roles a client may hold (the kernel's Role, restated here: the port knows nothing of the kernel). */
export type ClientRole = 'consumer' | 'establishment' | 'analyst' | 'admin';

/** A JSON Web Key as stored (public or private members), RFC 7517. */
export type StoredJwk = Record<string, unknown> & { kty: string };

/** A JSON Web Key Set, RFC 7517 §5. */
export interface JsonWebKeySet {
  keys: StoredJwk[];
}

export interface ApiClient {
  clientId: string;
  role: ClientRole;
  /** FINESS numbers (EJ or ET) whose offer the client maintains (establishment role). */
  finess: string[];
  /** The national ROR's access profile, 0 to 5. */
  accessProfile: number;
  /** SMART scopes the client may be granted; absent: the defaults of its role. */
  scopes?: string[];
  /** The client secret's hash (scrypt, src/security/clients/secrets.ts), never the secret. */
  secretHash?: string;
  /** Public keys of the client's assertions (private_key_jwt), inline… */
  jwks?: JsonWebKeySet;
  /** …or fetched from this URL. */
  jwksUrl?: string;
  /** Subject DN of the client's certificate, when it authenticates with mutual TLS. */
  mtlsSubject?: string;
  createdAt: string;
  /** Set once the client is revoked: it gets no more tokens, and the tokens it holds are refused. */
  revokedAt?: string;
  label?: string;
}

/**
 * A change to a client: a field given replaces the stored one; `null` clears an optional field; absent fields are
 * kept. The client id and creation time never change.
 */
export type ApiClientChanges = {
  [K in Exclude<keyof ApiClient, 'clientId' | 'createdAt'>]?: undefined extends ApiClient[K] ? ApiClient[K] | null : ApiClient[K];
};

export interface SigningKey {
  /** Key id, in the `kid` header of the tokens it signs. */
  kid: string;
  /** JWS algorithm, e.g. `ES256`. */
  alg: string;
  privateJwk: StoredJwk;
  publicJwk: StoredJwk;
  createdAt: string;
  /** When a newer key replaced it: it signs no more, and verifies the tokens it signed until they expire. */
  retiredAt?: string;
}

export interface AuthStore {
  /** Adds a client; false (and nothing changed) when a client of that id exists, revoked or not. */
  addClient(client: ApiClient): Promise<boolean>;
  getClient(clientId: string): Promise<ApiClient | undefined>;
  /** The client whose certificate subject DN is `subject` (exact match). */
  clientByMtlsSubject(subject: string): Promise<ApiClient | undefined>;
  /** Every client, revoked ones included, by client id. */
  listClients(): Promise<ApiClient[]>;
  /** Applies `changes`; the client as it now is, undefined when there is no such client. */
  updateClient(clientId: string, changes: ApiClientChanges): Promise<ApiClient | undefined>;

  addSigningKey(key: SigningKey): Promise<void>;
  /** Every signing key, retired ones included, oldest first. */
  signingKeys(): Promise<SigningKey[]>;
  /** Marks the key retired at `at` (an ISO instant); false when there is no such key or it was already retired. */
  retireSigningKey(kid: string, at: string): Promise<boolean>;

  /**
   * Records that the client assertion `jti` of `clientId` was used, remembered until `expiresAt` (ms since epoch);
   * false when it was already recorded and has not expired at `now` (a replay). Expired entries may be forgotten.
   */
  rememberAssertion(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
}

/** The client with `changes` applied, as every adapter's `updateClient` does: null clears a field, undefined keeps it. */
export function applyClientChanges(client: ApiClient, changes: ApiClientChanges): ApiClient {
  const next: Record<string, unknown> = { ...client };
  for (const [field, value] of Object.entries(changes)) {
    if (field === 'clientId' || field === 'createdAt' || value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as unknown as ApiClient;
}

/** A copy without undefined members, as adapters store a client or key, so what is read back equals what was given. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
