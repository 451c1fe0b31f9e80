/**
 * The built-in token endpoint through HTTP (supertest on an app that mounts authRouter, on a real SQLite store):
 * the three client authentications, every RFC 6749 error, revoked clients, the checks of client assertions
 * (audience, replay, expiry, `alg: none`), scope narrowing, the audit it reports; the tokens it issues verified
 * by builtInIssuer, refused once the client is revoked; signing keys rotated.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { AuditSink, AuthFailure } from '../../src/security/audit-sink';
import type { Actor } from '../../src/kernel/actor';
import { authRouter, builtInIssuer, InvalidTokenError, SigningKeys } from '../../src/security/clients';
import { registerClient, revokeClient } from '../../src/security/clients/admin';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { sqliteStoreFactory } from '../helpers/sqlite-factory';

const BASE = 'https://ror.example.org/fhir';
const TOKEN_URL = `${BASE}/auth/token`;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TTL = 300;

let store: SqliteStore;
let clock = Date.now();
const now = () => clock;
let keys: SigningKeys;
const failures: AuthFailure[] = [];
const grants: { actor: Actor; method: string }[] = [];
const audit: AuditSink = {
  authenticationFailed: (f) => failures.push(f),
  signedIn: (actor, method) => grants.push({ actor, method }),
  accessRefused: () => undefined,
};
let app: express.Express;
let jwksServer: http.Server;
let jwksUrl: string;
const secrets: Record<string, string> = {};
let es384: { privateKey: CryptoKey; publicJwk: JWK };
let rs384: { privateKey: CryptoKey; publicJwk: JWK };

async function keyPair(alg: string, kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

beforeAll(async () => {
  store = await sqliteStoreFactory().open();
  keys = new SigningKeys(store.auth, { tokenTtlSeconds: TTL, now });
  app = express();
  app.use(authRouter({ store: store.auth, keys, audit, baseUrl: BASE, tokenTtlSeconds: TTL, now }));

  es384 = await keyPair('ES384', 'inline-1');
  rs384 = await keyPair('RS384', 'remote-1');
  jwksServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [rs384.publicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;

  const at = new Date(clock);
  secrets.reader = (await registerClient(store.auth, { clientId: 'reader', role: 'consumer', accessProfile: 2, label: 'ViaTrajectoire' }, at)).secret!;
  secrets['bed.manager~1'] = (await registerClient(store.auth, { clientId: 'bed.manager~1', role: 'establishment', finess: ['010000024'], accessProfile: 3 }, at)).secret!;
  secrets.analyst = (await registerClient(store.auth, { clientId: 'analyst', role: 'analyst', scopes: ['system/*.read'] }, at)).secret!;
  secrets.gone = (await registerClient(store.auth, { clientId: 'gone', role: 'consumer' }, at)).secret!;
  await revokeClient(store.auth, 'gone', at);
  await registerClient(store.auth, { clientId: 'backend', role: 'establishment', finess: ['2A0000016'], jwks: { keys: [es384.publicJwk] } }, at);
  await registerClient(store.auth, { clientId: 'remote', role: 'consumer', jwksUrl }, at);
});

afterAll(async () => {
  await new Promise((resolve) => jwksServer.close(resolve));
  await store.close();
});

beforeEach(() => {
  failures.length = 0;
  grants.length = 0;
});

const basic = (id: string, secret: string) => {
  const form = (s: string) => new URLSearchParams({ s }).toString().slice(2);
  return `Basic ${Buffer.from(`${form(id)}:${form(secret)}`).toString('base64')}`;
};

function token(form: Record<string, string>, authorization?: string) {
  const req = request(app).post('/auth/token').type('form').send(new URLSearchParams(form).toString());
  return authorization ? req.set('Authorization', authorization) : req;
}

interface AssertionOptions {
  iss?: string;
  sub?: string;
  aud?: string;
  expIn?: number;
  jti?: string;
  key?: CryptoKey;
  alg?: string;
  kid?: string;
}

let jtiCounter = 0;
function assertion(clientId: string, o: AssertionOptions = {}): Promise<string> {
  const iat = Math.floor(clock / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: o.alg ?? 'ES384', kid: o.kid ?? 'inline-1', typ: 'JWT' })
    .setIssuer(o.iss ?? clientId)
    .setSubject(o.sub ?? clientId)
    .setAudience(o.aud ?? TOKEN_URL)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.expIn ?? 240))
    .setJti(o.jti ?? `jti-${++jtiCounter}-${Math.random()}`)
    .sign(o.key ?? es384.privateKey);
}

const jwtForm = (clientAssertion: string, extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: clientAssertion,
  ...extra,
});

function expectOAuthError(res: request.Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error, error_description: expect.any(String) });
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('discovery', () => {
  test('the SMART configuration names the token endpoint, the authentication methods and the capabilities', async () => {
    const res = await request(app).get('/.well-known/smart-configuration').expect(200);
    expect(res.body).toMatchObject({
      token_endpoint: TOKEN_URL,
      jwks_uri: `${BASE}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      capabilities: expect.arrayContaining(['client-confidential-symmetric', 'client-confidential-asymmetric', 'permission-v2']),
    });
    expect(res.body.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    expect(res.body.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
    expect(res.body.scopes_supported).toEqual(expect.arrayContaining(['system/*.rs', 'system/*.cruds']));
  });

  test('the JWKS holds the public signing key only', async () => {
    await keys.current();
    const res = await request(app).get('/.well-known/jwks.json').expect(200);
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const k of res.body.keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
      expect(k).not.toHaveProperty('d');
    }
  });
});

describe('client authentication', () => {
  test('client_secret_basic: a token for the client, verified by the built-in issuer', async () => {
    const res = await token({ grant_type: 'client_credentials' }, basic('reader', secrets.reader)).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: TTL, scope: 'system/*.rs' });
    const header = decodeProtectedHeader(res.body.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: (await keys.current()).kid });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ iss: BASE, aud: BASE, sub: 'reader', role: 'consumer', finess: [], access_profile: 2, scope: 'system/*.rs' });
    expect(claims.exp! - claims.iat!).toBe(TTL);
    expect(typeof claims.jti).toBe('string');

    const principal = await builtInIssuer(keys, store.auth, BASE, { now }).verify(res.body.access_token);
    expect(principal).toEqual({ kind: 'client', id: 'reader', name: 'ViaTrajectoire', role: 'consumer', finess: [], accessProfile: 2, scopes: ['system/*.rs'], via: 'bearer' });
    expect(grants).toEqual([{ actor: expect.objectContaining({ kind: 'client', id: 'reader', role: 'consumer' }), method: 'client_secret_basic' }]);
  });

  test('client_secret_basic: the id and secret are form-urlencoded before base64 (RFC 6749 §2.3.1)', async () => {
    const res = await token({ grant_type: 'client_credentials' }, basic('bed.manager~1', secrets['bed.manager~1'])).expect(200);
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: 'bed.manager~1', role: 'establishment', finess: ['010000024'], access_profile: 3 });
    expect(res.body.scope).toBe('system/*.rs system/Organization.u system/HealthcareService.cu system/Location.cu system/Task.cu');
  });

  test('client_secret_post: client_id and client_secret in the body', async () => {
    const res = await token({ grant_type: 'client_credentials', client_id: 'analyst', client_secret: secrets.analyst }).expect(200);
    expect(res.body.scope).toBe('system/*.rs');
    expect(grants[0].method).toBe('client_secret_post');
  });

  test('private_key_jwt with the client\'s inline JWKS', async () => {
    const res = await token(jwtForm(await assertion('backend'))).expect(200);
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: 'backend', role: 'establishment', finess: ['2A0000016'] });
    expect(grants[0].method).toBe('private_key_jwt');
  });

  test('private_key_jwt with keys fetched from the client\'s JWKS URL', async () => {
    const signed = await assertion('remote', { alg: 'RS384', kid: 'remote-1', key: rs384.privateKey });
    const res = await token(jwtForm(signed, { scope: 'system/Location.read' })).expect(200);
    expect(res.body.scope).toBe('system/Location.rs');
  });

  test('a wrong secret and an unknown client get the same answer (401, Basic challenge) and are audited', async () => {
    const wrong = await token({ grant_type: 'client_credentials' }, basic('reader', `${secrets.reader}x`));
    const unknown = await token({ grant_type: 'client_credentials' }, basic('nobody', secrets.reader));
    for (const res of [wrong, unknown]) {
      expectOAuthError(res, 401, 'invalid_client');
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    }
    expect(wrong.body).toEqual(unknown.body);
    expect(failures).toEqual([
      expect.objectContaining({ method: 'client_secret_basic', claimed: 'reader', reason: 'wrong secret' }),
      expect.objectContaining({ method: 'client_secret_basic', claimed: 'nobody', reason: 'unknown client' }),
    ]);
    expect(JSON.stringify(failures)).not.toContain(secrets.reader);
    expect(grants).toEqual([]);
  });

  test('a wrong secret in the body: 401 invalid_client', async () => {
    expectOAuthError(await token({ grant_type: 'client_credentials', client_id: 'analyst', client_secret: secrets.reader }), 401, 'invalid_client');
    expect(failures[0]).toMatchObject({ method: 'client_secret_post', claimed: 'analyst' });
  });

  test('a revoked client gets no token, whatever the method', async () => {
    expectOAuthError(await token({ grant_type: 'client_credentials' }, basic('gone', secrets.gone)), 401, 'invalid_client');
    expect(failures[0].reason).toMatch(/revoked/);
  });

  test('no client authentication, a malformed Basic header, two methods at once', async () => {
    const none = await token({ grant_type: 'client_credentials' });
    expectOAuthError(none, 401, 'invalid_client');
    expectOAuthError(await token({ grant_type: 'client_credentials' }, 'Basic !!!'), 401, 'invalid_client');
    expectOAuthError(await token({ grant_type: 'client_credentials' }, `Basic ${Buffer.from('no-colon').toString('base64')}`), 401, 'invalid_client');
    expectOAuthError(await token({ grant_type: 'client_credentials' }, `Basic ${Buffer.from('a%zz:b').toString('base64')}`), 401, 'invalid_client');
    const both = await token({ grant_type: 'client_credentials', client_id: 'reader', client_secret: secrets.reader }, basic('reader', secrets.reader));
    expectOAuthError(both, 400, 'invalid_request');
    expect(failures).toHaveLength(5);
  });

  test('a client authenticating with a secret it does not have (it registered keys) is refused', async () => {
    expectOAuthError(await token({ grant_type: 'client_credentials', client_id: 'backend', client_secret: 'guess' }), 401, 'invalid_client');
  });
});

describe('client assertions (private_key_jwt)', () => {
  test('an assertion for another audience is refused', async () => {
    expectOAuthError(await token(jwtForm(await assertion('backend', { aud: `${BASE}/other` }))), 401, 'invalid_client');
    expect(failures[0]).toMatchObject({ method: 'private_key_jwt', claimed: 'backend', reason: expect.stringMatching(/aud/) });
  });

  test('an assertion used twice is refused the second time (its jti is remembered)', async () => {
    const signed = await assertion('backend', { jti: 'once' });
    await token(jwtForm(signed)).expect(200);
    expectOAuthError(await token(jwtForm(signed)), 401, 'invalid_client');
    expect(failures[0].reason).toMatch(/replayed/);
    // a new assertion with the same jti is a replay too
    expectOAuthError(await token(jwtForm(await assertion('backend', { jti: 'once' }))), 401, 'invalid_client');
  });

  test('an expired assertion is refused; so is one that expires more than five minutes ahead', async () => {
    const signed = await assertion('backend', { expIn: 60 });
    clock += 120_000;
    try {
      expectOAuthError(await token(jwtForm(signed)), 401, 'invalid_client');
      expect(failures[0].reason).toMatch(/expired/);
    } finally {
      clock -= 120_000;
    }
    expectOAuthError(await token(jwtForm(await assertion('backend', { expIn: 600 }))), 401, 'invalid_client');
    expect(failures[1].reason).toMatch(/five minutes/);
  });

  test('an unsigned assertion (alg none) is refused', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const iat = Math.floor(clock / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'backend', sub: 'backend', aud: TOKEN_URL, iat, exp: iat + 60, jti: 'none-1' })}.`;
    expectOAuthError(await token(jwtForm(unsigned)), 401, 'invalid_client');
    expect(failures[0].reason).toMatch(/none/);
  });

  test('an assertion signed by a key the client did not register is refused', async () => {
    const other = await keyPair('ES384', 'inline-1');
    expectOAuthError(await token(jwtForm(await assertion('backend', { key: other.privateKey }))), 401, 'invalid_client');
    expect(failures[0].reason).toMatch(/signature/);
  });

  test('iss and sub must both be the client id; a client_id given must match', async () => {
    expectOAuthError(await token(jwtForm(await assertion('backend', { sub: 'someone' }))), 401, 'invalid_client');
    expectOAuthError(await token(jwtForm(await assertion('backend'), { client_id: 'reader' })), 401, 'invalid_client');
    // a client registered with a secret cannot use an assertion signed by another client's key
    expectOAuthError(await token(jwtForm(await assertion('reader'))), 401, 'invalid_client');
  });

  test('a wrong assertion type or a missing assertion is a malformed request', async () => {
    expectOAuthError(await token(jwtForm(await assertion('backend'), { client_assertion_type: 'urn:other' })), 400, 'invalid_request');
    expectOAuthError(await token({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE }), 400, 'invalid_request');
    expectOAuthError(await token(jwtForm('not-a-jwt')), 401, 'invalid_client');
  });
});

describe('the request', () => {
  test('grant_type missing: invalid_request; another grant: unsupported_grant_type', async () => {
    expectOAuthError(await token({}, basic('reader', secrets.reader)), 400, 'invalid_request');
    expectOAuthError(await token({ grant_type: 'password', username: 'u', password: 'p' }, basic('reader', secrets.reader)), 400, 'unsupported_grant_type');
    expectOAuthError(await token({ grant_type: 'authorization_code', code: 'x' }, basic('reader', secrets.reader)), 400, 'unsupported_grant_type');
  });

  test('a body that is not a form, a repeated parameter, a GET: invalid_request, never a 500', async () => {
    const json = await request(app).post('/auth/token').set('Authorization', basic('reader', secrets.reader)).send({ grant_type: 'client_credentials' });
    expectOAuthError(json, 400, 'invalid_request');
    const repeated = await request(app).post('/auth/token').type('form').set('Authorization', basic('reader', secrets.reader)).send('grant_type=client_credentials&grant_type=client_credentials');
    expectOAuthError(repeated, 400, 'invalid_request');
    const huge = await request(app).post('/auth/token').type('form').send(`grant_type=client_credentials&scope=${'x'.repeat(20_000)}`);
    expectOAuthError(huge, 413, 'invalid_request');
    const get = await request(app).get('/auth/token');
    expectOAuthError(get, 405, 'invalid_request');
    expect(get.headers.allow).toBe('POST');
  });
});

describe('scopes', () => {
  test('a requested scope is narrowed to what the client may have', async () => {
    const res = await token({ grant_type: 'client_credentials', scope: 'system/Location.cruds system/Organization.read' }, basic('bed.manager~1', secrets['bed.manager~1'])).expect(200);
    // Location: read and search from system/*.rs, create and update from system/Location.cu; Organization.u is not
    // read, so the read asked for is all there is
    expect(res.body.scope).toBe('system/Location.crus system/Organization.rs');
    expect(decodeJwt(res.body.access_token).scope).toBe(res.body.scope);
  });

  test('v1 scopes are accepted and answered in v2', async () => {
    const res = await token({ grant_type: 'client_credentials', scope: 'system/HealthcareService.read' }, basic('reader', secrets.reader)).expect(200);
    expect(res.body.scope).toBe('system/HealthcareService.rs');
  });

  test('a scope the client may not have at all, or not a system scope: invalid_scope', async () => {
    expectOAuthError(await token({ grant_type: 'client_credentials', scope: 'system/*.rs system/Task.c' }, basic('reader', secrets.reader)), 400, 'invalid_scope');
    expectOAuthError(await token({ grant_type: 'client_credentials', scope: 'patient/*.rs' }, basic('reader', secrets.reader)), 400, 'invalid_scope');
    expectOAuthError(await token({ grant_type: 'client_credentials', scope: 'openid' }, basic('reader', secrets.reader)), 400, 'invalid_scope');
    // registered scopes replace the role's: this analyst may read, not write Tasks
    expectOAuthError(await token({ grant_type: 'client_credentials', scope: 'system/Task.c' }, basic('analyst', secrets.analyst)), 400, 'invalid_scope');
  });
});

describe('the tokens issued, verified', () => {
  const issue = async (clientId = 'reader') => (await token({ grant_type: 'client_credentials' }, basic(clientId, secrets[clientId])).expect(200)).body.access_token as string;

  test('a token is refused once its client is revoked, after the client status cache time', async () => {
    secrets.temp = (await registerClient(store.auth, { clientId: 'temp', role: 'consumer' }, new Date(clock))).secret!;
    const issuer = builtInIssuer(keys, store.auth, BASE, { now, statusCacheMs: 10_000 });
    const accessToken = await issue('temp');
    await expect(issuer.verify(accessToken)).resolves.toMatchObject({ id: 'temp' });
    await revokeClient(store.auth, 'temp', new Date(clock));
    // within the cache time the status read before still holds; after it, the revocation is seen
    await expect(issuer.verify(accessToken)).resolves.toMatchObject({ id: 'temp' });
    clock += 10_000;
    try {
      await expect(issuer.verify(accessToken)).rejects.toThrow(new InvalidTokenError('the client is revoked'));
      // and the revoked client gets no new token
      expectOAuthError(await token({ grant_type: 'client_credentials' }, basic('temp', secrets.temp)), 401, 'invalid_client');
    } finally {
      clock -= 10_000;
    }
  });

  test('an expired token, a token for another audience or from another issuer, an unsigned token are refused', async () => {
    const issuer = builtInIssuer(keys, store.auth, BASE, { now });
    const accessToken = await issue();
    clock += (TTL + 31) * 1000;
    try {
      await expect(issuer.verify(accessToken)).rejects.toThrow('the token has expired');
    } finally {
      clock -= (TTL + 31) * 1000;
    }
    // within the clock tolerance it still passes
    clock += (TTL + 20) * 1000;
    try {
      await expect(issuer.verify(accessToken)).resolves.toMatchObject({ id: 'reader' });
    } finally {
      clock -= (TTL + 20) * 1000;
    }

    const current = await keys.current();
    const signed = (aud: string, iss: string, typ = 'at+jwt') =>
      new SignJWT({ role: 'admin', finess: [], access_profile: 5, scope: 'system/*.cruds' })
        .setProtectedHeader({ alg: current.alg, kid: current.kid, typ })
        .setIssuer(iss)
        .setAudience(aud)
        .setSubject('reader')
        .setIssuedAt(Math.floor(clock / 1000))
        .setExpirationTime(Math.floor(clock / 1000) + 60)
        .setJti('x')
        .sign(current.key);
    await expect(issuer.verify(await signed('https://elsewhere.example.org', BASE))).rejects.toThrow('the token is not meant for this server');
    await expect(issuer.verify(await signed(BASE, 'https://idp.example.org'))).rejects.toThrow('the token was not issued by this server');
    await expect(issuer.verify(await signed(BASE, BASE, 'JWT'))).rejects.toThrow('the token is not an access token');

    const [h, p] = accessToken.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const none = `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${p}.`;
    await expect(issuer.verify(none)).rejects.toThrow(InvalidTokenError);
    const hs = `${Buffer.from(JSON.stringify({ ...header, alg: 'HS256' })).toString('base64url')}.${p}.${accessToken.split('.')[2]}`;
    await expect(issuer.verify(hs)).rejects.toThrow(InvalidTokenError);
    await expect(issuer.verify(`${h}.${p}.${'A'.repeat(86)}`)).rejects.toThrow('the token\'s signature is invalid');
    await expect(issuer.verify('garbage')).rejects.toThrow('the token is not a JWT');
  });

  test('a token signed by a key of another server (unknown kid) is refused', async () => {
    const foreign = await generateKeyPair('ES256');
    const forged = await new SignJWT({ role: 'admin', finess: [], access_profile: 5, scope: 'system/*.cruds' })
      .setProtectedHeader({ alg: 'ES256', kid: 'forged', typ: 'at+jwt' })
      .setIssuer(BASE).setAudience(BASE).setSubject('reader').setIssuedAt().setExpirationTime('1m').setJti('y')
      .sign(foreign.privateKey);
    await expect(builtInIssuer(keys, store.auth, BASE, { now }).verify(forged)).rejects.toThrow('the token is not signed by a key of this server');
  });

  test('after a key rotation the new key signs, and tokens signed by the old one still verify until they expire', async () => {
    const issuer = builtInIssuer(keys, store.auth, BASE, { now });
    const before = await issue();
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = await keys.rotate();
    expect(newKid).not.toBe(oldKid);
    const after = await issue();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    await expect(issuer.verify(before)).resolves.toMatchObject({ id: 'reader' });
    await expect(issuer.verify(after)).resolves.toMatchObject({ id: 'reader' });
    const published = (await request(app).get('/.well-known/jwks.json').expect(200)).body.keys.map((k: JWK) => k.kid);
    expect(published).toEqual(expect.arrayContaining([oldKid, newKid]));

    // Another instance on the same store (its own SigningKeys) verifies both, and signs with the new key.
    const otherKeys = new SigningKeys(store.auth, { tokenTtlSeconds: TTL, now });
    const otherIssuer = builtInIssuer(otherKeys, store.auth, BASE, { now });
    await expect(otherIssuer.verify(before)).resolves.toMatchObject({ id: 'reader' });
    expect((await otherKeys.current()).kid).toBe(newKid);

    // Once every token the old key signed has expired, it is no longer published.
    const later = keys.retentionMs() + 1000;
    clock += later;
    try {
      const kids = (await request(app).get('/.well-known/jwks.json').expect(200)).body.keys.map((k: JWK) => k.kid);
      expect(kids).toContain(newKid);
      expect(kids).not.toContain(oldKid);
      await expect(issuer.verify(before)).rejects.toThrow(InvalidTokenError);
    } finally {
      clock -= later;
    }
  });
});
