/**
 * Servers with the real security defaults, and bearer tokens for each role: a test identity provider (ES256 keys
 * made here) is the server's trusted external issuer, so tokens go through the real verification.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { claimMappingFromEnv } from '../../../src/security/claims';
import { loadSecurityConfig } from '../../../src/security/config';
import { BASE, testServer, type TestServer, type TestServerOptions } from '../../helpers/app';
import { tempDir } from '../../helpers/tmp';

export const ISSUER = 'https://idp.test';
export const BOOTSTRAP = 'test-bootstrap-token-0123456789abcdefghijklmnop';

export interface TestIdp {
  jwks: { keys: JWK[] };
  token(claims: Record<string, unknown>, options?: { expiresIn?: string; audience?: string; issuer?: string }): Promise<string>;
}

export async function testIdp(): Promise<TestIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    token: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? BASE)
        .setSubject(String(claims.sub ?? 'client-1'))
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey),
  };
}

/** A server as `npm start` builds it (anonymous is anonymous, writes audited), trusting `idp` and the bootstrap token. */
export function secureServer(idp: TestIdp, options: TestServerOptions & { env?: Record<string, string> } = {}): TestServer {
  const { env = {}, ...rest } = options;
  const dataDir = tempDir('ror-sec-');
  const security = {
    ...loadSecurityConfig({ ROR_BOOTSTRAP_TOKEN: BOOTSTRAP, ...env }, dataDir, BASE),
    externalIssuer: { issuer: ISSUER, audience: BASE, jwks: idp.jwks, mapping: claimMappingFromEnv({}, 'ROR_JWT') },
  };
  return testServer({ secure: true, dataDir, security, ...rest });
}
