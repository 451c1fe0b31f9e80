/**
 * The server as composed (src/main.ts) with its own token endpoint and the mTLS identity: a client registered in
 * the store gets a token at /auth/token and writes its own bed zone with it; its certificate subject, passed by a
 * trusted proxy, identifies it too; the same header from anywhere else is ignored.
 */
import request from 'supertest';
import { FHIR_JSON, BASE, type TestServer } from '../helpers/app';
import { registerClient } from '../../src/security/clients';
import location from '../fixtures/ror-capacity/location-ssr.json';
import { BOOTSTRAP, secureServer, testIdp } from './helpers/principals';

const SUBJECT = 'CN=gestion-lits.ch-bourg.example,O=CH de Bourg,C=FR';
let s: TestServer;
let secret: string;

beforeAll(async () => {
  s = secureServer(await testIdp(), { env: { ROR_MTLS_HEADER: 'X-SSL-Client-S-DN', ROR_TRUSTED_PROXIES: '127.0.0.1/8,::1' } });
  const entries = [
    { resourceType: 'Organization', id: 'et-1', identifier: [{ system: 'https://finess.esante.gouv.fr', value: '010000024' }], name: 'CH de Bourg' },
    { ...location, id: 'loc-1', managingOrganization: { reference: 'Organization/et-1' } },
  ].map((r) => ({ request: { method: 'PUT', url: `${r.resourceType}/${r.id}` }, resource: r }));
  const res = await request(s.app).post('/').set('Authorization', `Bearer ${BOOTSTRAP}`).set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }));
  expect(res.status).toBe(200);
  ({ secret } = (await registerClient(s.store.auth, { clientId: 'gestion-lits', role: 'establishment', finess: ['010000024'], accessProfile: 3 })) as { secret: string });
  // A client identified by its certificate gets no secret.
  expect((await registerClient(s.store.auth, { clientId: 'gestion-lits-mtls', role: 'establishment', finess: ['010000024'], mtlsSubject: SUBJECT })).secret).toBeUndefined();
});
afterAll(() => s.close());

const rename = (h: Record<string, string>, name: string) =>
  request(s.app).put('/Location/loc-1').set(h).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...location, id: 'loc-1', managingOrganization: { reference: 'Organization/et-1' }, name }));

test('client credentials at /auth/token, then a write with the token; the smart-configuration and the CapabilityStatement name the endpoint', async () => {
  const smart = await request(s.app).get('/.well-known/smart-configuration');
  expect(smart.body.token_endpoint).toBe(`${BASE}/auth/token`);
  const security = (await request(s.app).get('/metadata')).body.rest[0].security;
  expect(security.service[0].coding.map((c: any) => c.code)).toEqual(['OAuth', 'SMART-on-FHIR']);
  expect(security.extension[0].extension[0]).toEqual({ url: 'token', valueUri: `${BASE}/auth/token` });
  const token = await request(s.app).post('/auth/token').auth('gestion-lits', secret).type('form').send({ grant_type: 'client_credentials' });
  expect(token.status).toBe(200);
  expect(token.body).toMatchObject({ token_type: 'Bearer' });
  const res = await rename({ Authorization: `Bearer ${token.body.access_token}` }, 'Renamed with a token');
  expect({ status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({ status: 200, body: undefined });
  const wrong = await request(s.app).post('/auth/token').auth('gestion-lits', 'not-the-secret').type('form').send({ grant_type: 'client_credentials' });
  expect(wrong.status).toBe(401);
  expect(wrong.body.error).toBe('invalid_client');
});

test('mTLS: the certificate subject from a trusted proxy identifies the client; an unknown subject is a 401', async () => {
  const res = await rename({ 'X-SSL-Client-S-DN': SUBJECT }, 'Renamed over mTLS');
  expect(res.status).toBe(200);
  const unknown = await rename({ 'X-SSL-Client-S-DN': 'CN=someone-else' }, 'no');
  expect(unknown.status).toBe(401);
});

test('mTLS: the header from an address that is not a trusted proxy is not believed', async () => {
  const other = secureServer(await testIdp(), { env: { ROR_MTLS_HEADER: 'X-SSL-Client-S-DN', ROR_TRUSTED_PROXIES: '10.9.9.9' } });
  try {
    const res = await request(other.app).put('/Location/loc-1').set('X-SSL-Client-S-DN', SUBJECT).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...location, id: 'loc-1' }));
    expect(res.status).toBe(401);
    expect(res.body.issue[0].diagnostics).toMatch(/needs a credential/);
  } finally {
    await other.close();
  }
});
