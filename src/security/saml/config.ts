/**
 * The settings of sign-in through SAML 2.0, read from the environment. SAML is on when ROR_SAML_IDP_METADATA names
 * the identity provider's metadata (a file or an http(s) URL, read when the router starts: ./idp-metadata.ts); our own
 * key and certificate are optional (without them AuthnRequests go unsigned and encrypted assertions are refused).
 */
import { readFileSync } from 'node:fs';
import { boolean, integer, type Env } from '../../env';
import { claimMappingFromEnv, type ClaimMapping } from '../claims';

/** How strictly a response must answer a request this server issued (node-saml's validateInResponseTo). */
export type InResponseToCheck = 'always' | 'ifPresent' | 'never';

export interface SamlConfig {
  /** Where the IdP's metadata is: a file path or an http(s) URL. */
  idpMetadata: string;
  /** Our entity id (the Audience the IdP must address its assertions to). */
  spEntityId: string;
  /** Our private key and certificate (PEM): AuthnRequests are signed and encrypted assertions decrypted with them. */
  spKey?: string;
  spCert?: string;
  /** Tolerance on NotBefore / NotOnOrAfter, for clocks that drift apart. */
  clockSkewMs: number;
  /** The whole Response must be signed too (assertions must always be). */
  wantResponseSigned: boolean;
  /**
   * `always` (default): a response must answer an AuthnRequest this instance issued, and not too long ago.
   * The requests issued are kept in this instance's memory: with several instances, route /auth/saml to one
   * instance per browser (sticky sessions), or choose `never` (then IdP-initiated sign-in is accepted too).
   */
  inResponseTo: InResponseToCheck;
  /** How long an AuthnRequest waits for its answer. */
  requestTtlMs: number;
  mapping: ClaimMapping;
}

/** The SAML settings, or undefined when ROR_SAML_IDP_METADATA is not set (SAML sign-in is off). */
export function samlConfigFromEnv(env: Env, baseUrl = defaultBaseUrl(env)): SamlConfig | undefined {
  const idpMetadata = env.ROR_SAML_IDP_METADATA?.trim();
  if (!idpMetadata) return undefined;
  const spEntityId = env.ROR_SAML_SP_ENTITY_ID?.trim() || `${baseUrl}/auth/saml/metadata`;
  const spKey = pemFile(env, 'ROR_SAML_SP_KEY', /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/);
  const spCert = pemFile(env, 'ROR_SAML_SP_CERT', /-----BEGIN CERTIFICATE-----/);
  if ((spKey === undefined) !== (spCert === undefined)) throw new Error('ROR_SAML_SP_KEY and ROR_SAML_SP_CERT go together: set both or neither');
  const inResponseTo = (env.ROR_SAML_IN_RESPONSE_TO?.trim() || 'always') as InResponseToCheck;
  if (!['always', 'ifPresent', 'never'].includes(inResponseTo)) {
    throw new Error(`ROR_SAML_IN_RESPONSE_TO must be always, ifPresent or never, got '${inResponseTo}'`);
  }
  return {
    idpMetadata,
    spEntityId,
    spKey,
    spCert,
    clockSkewMs: integer(env, 'ROR_SAML_CLOCK_SKEW_SECONDS', 30, 0, 300) * 1000,
    wantResponseSigned: boolean(env, 'ROR_SAML_WANT_RESPONSE_SIGNED', false),
    inResponseTo,
    requestTtlMs: integer(env, 'ROR_SAML_REQUEST_TTL_SECONDS', 600, 30, 3600) * 1000,
    mapping: claimMappingFromEnv(env, 'ROR_SAML'),
  };
}

function defaultBaseUrl(env: Env): string {
  return (env.ROR_BASE_URL?.trim() || `http://localhost:${env.PORT?.trim() || 8080}`).replace(/\/+$/, '');
}

function pemFile(env: Env, name: string, expected: RegExp): string | undefined {
  const path = env[name]?.trim();
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!expected.test(text)) throw new Error(`${name}: ${path} is not the expected PEM file (${expected.source.replace(/\\/g, '')})`);
  return text;
}
