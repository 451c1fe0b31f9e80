/**
 * Tokens of a region's identity provider (src/security/bearer.ts): keys from a JWKS URL, fetched again when a
 * token names a key the cache does not have (the provider rotated), within the cooldown; claims to a Principal;
 * scopes narrow it (through the server: a scoped token may do no more than its scopes say).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { externalIssuer } from '../../src/security/bearer';
import { claimMappingFromEnv } from '../../src/security/claims';
import { FHIR_JSON, type TestServer } from '../helpers/app';
import location from '../fixtures/ror-capacity/location-ssr.json';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from './helpers/principals';

describe('keys from a JWKS URL', () => {
  let server: http.Server;
  let keys: JWK[] = [];
  let fetches = 0;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      fetches++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  async function key(kid: string) {
    const pair = await generateKeyPair('ES256');
    return { kid, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256' } };
  }
  const sign = (k: { kid: string; privateKey: CryptoKey }, claims: object) =>
    new SignJWT({ role: 'consumer', access_profile: 2, scope: 'system/Location.rs', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: k.kid })
      .setIssuer('https://idp.region.example')
      .setAudience('https://ror.region.example')
      .setSubject('viatrajectoire')
      .setExpirationTime('2m')
      .sign(k.privateKey);

  test('verifies, caches, fetches again for an unknown kid (a rotation), and maps the claims', async () => {
    const first = await key('k1');
    keys = [first.jwk];
    const issuer = externalIssuer({
      issuer: 'https://idp.region.example',
      audience: 'https://ror.region.example',
      jwksUrl: url,
      mapping: claimMappingFromEnv({}, 'ROR_JWT'),
      jwksCooldownMs: 0,
    });
    const p = await issuer.verify(await sign(first, {}), '10.0.0.1');
    expect(p).toMatchObject({ kind: 'client', id: 'viatrajectoire', role: 'consumer', accessProfile: 2, scopes: ['system/Location.rs'], via: 'bearer', address: '10.0.0.1' });
    await issuer.verify(await sign(first, {}), undefined);
    expect(fetches).toBe(1);
    const second = await key('k2');
    keys = [first.jwk, second.jwk];
    await expect(issuer.verify(await sign(second, {}), undefined)).resolves.toMatchObject({ id: 'viatrajectoire' });
    expect(fetches).toBe(2);
    const stranger = await key('k3');
    await expect(issuer.verify(await sign(stranger, {}), undefined)).rejects.toThrow();
  });
});

describe('scopes narrow what a token may do', () => {
  let idp: TestIdp;
  let s: TestServer;
  const zone = { ...location, id: 'loc-1', managingOrganization: { reference: 'Organization/et-1' } };
  beforeAll(async () => {
    idp = await testIdp();
    s = secureServer(idp);
    const entries = [{ resourceType: 'Organization', id: 'et-1', identifier: [{ system: 'https://finess.esante.gouv.fr', value: '010000024' }], name: 'CH' }, zone].map((r) => ({
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
      resource: r,
    }));
    expect((await request(s.app).post('/').set('Authorization', `Bearer ${BOOTSTRAP}`).set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }))).status).toBe(200);
  });
  afterAll(() => s.close());

  const editor = (scope: string) => idp.token({ sub: 'bed-manager', role: 'establishment', finess: ['010000024'], scope });
  const update = async (scope: string) =>
    request(s.app)
      .put('/Location/loc-1')
      .set('Authorization', `Bearer ${await editor(scope)}`)
      .set('Content-Type', FHIR_JSON)
      .send(JSON.stringify({ ...zone, name: `Renamed under ${scope}` }));

  test('an editor whose token reads Locations only may not update its own', async () => {
    const res = await update('system/Location.rs');
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toMatch(/scopes do not allow to update Location/);
  });

  test('with system/Location.u (or v1 .write) it may', async () => {
    expect((await update('system/Location.u')).status).toBe(200);
    expect((await update('system/Location.write')).status).toBe(200);
  });

  test('reads outside the scopes are refused; a system-level search keeps to the scoped types', async () => {
    const t = await editor('system/Location.rs');
    expect((await request(s.app).get('/Organization/et-1').set('Authorization', `Bearer ${t}`)).status).toBe(403);
    expect((await request(s.app).get('/Location/loc-1').set('Authorization', `Bearer ${t}`)).status).toBe(200);
    const all = await request(s.app).get('/').set('Authorization', `Bearer ${t}`);
    expect(all.status).toBe(200);
    expect(new Set(all.body.entry.map((e: any) => e.resource.resourceType))).toEqual(new Set(['Location']));
    // patient/ scopes grant nothing: a directory has no patient compartment.
    const patient = await editor('patient/*.rs');
    expect((await request(s.app).get('/Location/loc-1').set('Authorization', `Bearer ${patient}`)).status).toBe(403);
  });
});
