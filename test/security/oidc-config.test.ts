/**
 * OpenID Connect settings from the environment: defaults, and a start refused with a message naming the variable
 * for anything set but wrong.
 */
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oidcConfigFromEnv } from '../../src/security/oidc/config';

const base = {
  ROR_OIDC_ISSUER: 'https://auth.esante.gouv.fr/auth/realms/esante-wallet',
  ROR_OIDC_CLIENT_ID: 'ror-idf',
  ROR_OIDC_CLIENT_SECRET: 'client-secret',
  ROR_SESSION_SECRET: 'x'.repeat(32),
};

function pem(key: ReturnType<typeof generateKeyPairSync>['privateKey']): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

describe('oidcConfigFromEnv', () => {
  it('is undefined when ROR_OIDC_ISSUER is unset or empty', () => {
    expect(oidcConfigFromEnv({})).toBeUndefined();
    expect(oidcConfigFromEnv({ ROR_OIDC_ISSUER: '  ', ROR_OIDC_CLIENT_ID: 'x' })).toBeUndefined();
  });

  it('reads a client_secret_basic client with the default scopes and claim names', () => {
    const config = oidcConfigFromEnv(base)!;
    expect(config.issuer.href).toBe(base.ROR_OIDC_ISSUER);
    expect(config.clientId).toBe('ror-idf');
    expect(config.clientAuth).toBe('client_secret_basic');
    expect(config.clientSecret).toBe('client-secret');
    expect(config.scopes).toBe('openid profile email');
    expect(config.acrValues).toBeUndefined();
    expect(config.allowHttp).toBe(false);
    expect(config.claims).toMatchObject({ role: 'role', finess: 'finess', accessProfile: 'access_profile', name: 'name' });
  });

  it('reads scopes, acr_values, the client authentication method and the claim mapping', () => {
    const config = oidcConfigFromEnv({
      ...base,
      ROR_OIDC_SCOPES: 'openid scope_all',
      ROR_OIDC_ACR_VALUES: 'eidas1',
      ROR_OIDC_CLIENT_AUTH: 'client_secret_post',
      ROR_OIDC_ATTR_ROLE: 'ror_role',
      ROR_OIDC_ROLE_VALUES: 'ROR_ETAB=establishment',
    })!;
    expect(config.scopes).toBe('openid scope_all');
    expect(config.acrValues).toEqual(['eidas1']);
    expect(config.clientAuth).toBe('client_secret_post');
    expect(config.claims.role).toBe('ror_role');
    expect(config.claims.roleValues).toEqual({ ROR_ETAB: 'establishment' });
  });

  it('reads a private key for private_key_jwt, as PEM, JWK or file, and picks the algorithm from it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const noSecret = { ...base, ROR_OIDC_CLIENT_SECRET: undefined };
    const fromPem = oidcConfigFromEnv({ ...noSecret, ROR_OIDC_PRIVATE_KEY: pem(rsa.privateKey), ROR_OIDC_PRIVATE_KEY_ID: 'k1' })!;
    expect(fromPem.clientAuth).toBe('private_key_jwt');
    expect(fromPem.privateKey).toMatchObject({ alg: 'RS256', kid: 'k1' });
    expect(fromPem.privateKey!.pem).toContain('BEGIN PRIVATE KEY');
    // A PEM written on one line with literal \n, as environment files often carry it.
    const oneLine = pem(ec.privateKey).replace(/\n/g, '\\n');
    expect(oidcConfigFromEnv({ ...noSecret, ROR_OIDC_PRIVATE_KEY: oneLine })!.privateKey!.alg).toBe('ES256');
    const jwk = JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'from-jwk' });
    expect(oidcConfigFromEnv({ ...noSecret, ROR_OIDC_PRIVATE_KEY: jwk })!.privateKey).toMatchObject({ alg: 'ES256', kid: 'from-jwk' });
    const file = join(tmpdir(), `ror-oidc-key-${process.pid}.pem`);
    writeFileSync(file, pem(rsa.privateKey));
    try {
      expect(oidcConfigFromEnv({ ...noSecret, ROR_OIDC_PRIVATE_KEY: file })!.privateKey!.alg).toBe('RS256');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it.each([
    [{ ROR_OIDC_ISSUER: 'not a url' }, /ROR_OIDC_ISSUER must be an absolute URL/],
    [{ ROR_OIDC_ISSUER: 'ftp://idp.example' }, /ROR_OIDC_ISSUER must be an https URL/],
    [{ ROR_OIDC_ISSUER: 'https://idp.example/?x=1' }, /ROR_OIDC_ISSUER must have no query/],
    [{ ROR_OIDC_ISSUER: 'http://idp.example' }, /ROR_OIDC_ISSUER must be an https URL .*ROR_OIDC_ALLOW_HTTP/],
    [{ ROR_OIDC_ALLOW_HTTP: 'yes' }, /ROR_OIDC_ALLOW_HTTP must be 'true' or 'false'/],
    [{ ROR_OIDC_CLIENT_ID: '' }, /ROR_OIDC_CLIENT_ID is required/],
    [{ ROR_OIDC_CLIENT_SECRET: undefined }, /ROR_OIDC_CLIENT_SECRET \(or ROR_OIDC_PRIVATE_KEY/],
    [{ ROR_OIDC_PRIVATE_KEY: '/no/such/key.pem' }, /not both/],
    [{ ROR_OIDC_CLIENT_SECRET: undefined, ROR_OIDC_PRIVATE_KEY: '/no/such/key.pem' }, /ROR_OIDC_PRIVATE_KEY must be .*no such file/],
    [{ ROR_OIDC_CLIENT_SECRET: undefined, ROR_OIDC_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' }, /ROR_OIDC_PRIVATE_KEY is not a private key/],
    [{ ROR_OIDC_CLIENT_AUTH: 'private_key_jwt' }, /ROR_OIDC_CLIENT_AUTH=private_key_jwt needs ROR_OIDC_PRIVATE_KEY/],
    [{ ROR_OIDC_CLIENT_AUTH: 'tls_client_auth' }, /ROR_OIDC_CLIENT_AUTH must be one of/],
    [{ ROR_OIDC_SCOPES: 'profile email' }, /ROR_OIDC_SCOPES must include 'openid'/],
    [{ ROR_OIDC_SCOPES: 'openid "quoted"' }, /ROR_OIDC_SCOPES has an invalid scope/],
    [{ ROR_SESSION_SECRET: 'short' }, /ROR_SESSION_SECRET \(at least 32 characters\) is required/],
    [{ ROR_OIDC_ROLE_VALUES: 'ROR_ETAB=boss' }, /ROR_OIDC_ROLE_VALUES/],
    [{ ROR_OIDC_DEFAULT_ACCESS_PROFILE: '9' }, /ROR_OIDC_DEFAULT_ACCESS_PROFILE/],
  ])('refuses %j', (overrides, message) => {
    expect(() => oidcConfigFromEnv({ ...base, ...overrides })).toThrow(message);
  });

  it('refuses an RSA key too short to sign', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => oidcConfigFromEnv({ ...base, ROR_OIDC_CLIENT_SECRET: undefined, ROR_OIDC_PRIVATE_KEY: pem(weak.privateKey) })).toThrow(/at least 2048 bits/);
  });

  it('allows plain http to a provider on this machine, or when ROR_OIDC_ALLOW_HTTP=true', () => {
    expect(oidcConfigFromEnv({ ...base, ROR_OIDC_ISSUER: 'http://localhost:8080/realms/ror' })!.allowHttp).toBe(true);
    expect(oidcConfigFromEnv({ ...base, ROR_OIDC_ISSUER: 'http://127.0.0.1:8080' })!.allowHttp).toBe(true);
    expect(oidcConfigFromEnv({ ...base, ROR_OIDC_ISSUER: 'http://keycloak:8080/realms/ror', ROR_OIDC_ALLOW_HTTP: 'true' })!.allowHttp).toBe(true);
    expect(oidcConfigFromEnv(base)!.allowHttp).toBe(false);
  });
});
