/**
 * Demo accounts (src/security/demo-accounts.ts): on only when asked (by default with the demo data and no identity
 * provider), a session like any other (same rights, same CSRF rule), and sign-out through /auth/logout.
 */
import pino from 'pino';
import request from 'supertest';
import { loadDemoDataIfEmpty } from '../../src/demo/load-demo';
import { systemActor } from '../../src/kernel/actor';
import { requestContext } from '../../src/fhir/context';
import { demoAccountsEnabled } from '../../src/security/demo-accounts';
import { testServer, type TestServer } from '../helpers/app';
import { freeBedsParameters } from '../helpers/ror';

async function locationId(s: TestServer, identifier: string): Promise<string> {
  const res = await request(s.app).get(`/Location?identifier=${encodeURIComponent(identifier)}`).set('Accept', 'application/fhir+json');
  return res.body.entry[0].resource.id;
}

describe('demo accounts', () => {
  let s: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    s = testServer({ secure: true, demoAccounts: true });
    off = testServer({ secure: true, demoAccounts: false });
    await loadDemoDataIfEmpty(requestContext(s.server.services, systemActor('demo')), pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await s.close();
    await off.close();
  });

  it('are on by default only with the demo data and without an identity provider; the variable decides otherwise', () => {
    expect(demoAccountsEnabled({}, true, false)).toBe(true);
    expect(demoAccountsEnabled({}, false, false)).toBe(false);
    expect(demoAccountsEnabled({}, true, true)).toBe(false);
    expect(demoAccountsEnabled({ ROR_DEMO_ACCOUNTS: 'false' }, true, false)).toBe(false);
    expect(demoAccountsEnabled({ ROR_DEMO_ACCOUNTS: 'true' }, false, true)).toBe(true);
    expect(() => demoAccountsEnabled({ ROR_DEMO_ACCOUNTS: 'peut-être' }, true, false)).toThrow(/ROR_DEMO_ACCOUNTS/);
  });

  it('do not exist when off', async () => {
    expect((await request(off.app).get('/auth/demo/accounts')).status).toBe(404);
    expect((await request(off.app).post('/auth/demo/sign-in').send({ account: 'demo-administrateur' })).status).not.toBe(200);
    expect((await request(off.app).get('/auth/methods')).body.demo).toBeUndefined();
    expect((await request(s.app).get('/auth/methods')).body.demo).toBe('/auth/demo/accounts');
  });

  it('refuse an unknown account with a message saying where the list is', async () => {
    const res = await request(s.app).post('/auth/demo/sign-in').send({ account: 'root' });
    expect(res.status).toBe(400);
    expect(res.body.error_description).toContain('/auth/demo/accounts');
  });

  it('sign in from a form and go back to a local page only', async () => {
    const form = await request(s.app).post('/auth/demo/sign-in').type('form').send({ account: 'demo-analyste-ars', returnTo: '/ui/recherche' });
    expect(form.status).toBe(303);
    expect(form.headers.location).toBe('/ui/recherche');
    expect(String(form.headers['set-cookie'])).toMatch(/ror_session=.*HttpOnly/);
    const away = await request(s.app).post('/auth/demo/sign-in').type('form').send({ account: 'demo-analyste-ars', returnTo: 'https://evil.example/' });
    expect(away.headers.location).toBe('/ui/');
  });

  it('give a session with the account’s rights: an establishment updates its own beds, not another’s, and only with the CSRF token', async () => {
    const agent = request.agent(s.app);
    const signedIn = await agent.post('/auth/demo/sign-in').send({ account: 'demo-etablissement-bourg' });
    expect(signedIn.status).toBe(200);
    const session = await agent.get('/auth/session');
    expect(session.body).toMatchObject({ signedIn: true, role: 'establishment', finess: ['010780054', '010000024'] });
    const csrf = session.body.csrfToken as string;
    const own = await locationId(s, 'https://demo.ror.example.org/fhir/sid/lieu|010000024-urgences');
    const other = await locationId(s, 'https://demo.ror.example.org/fhir/sid/lieu|970300026-urgences');
    const set = (id: string, token?: string) => {
      const r = agent.post(`/Location/${id}/$set-capacity`).set('Content-Type', 'application/fhir+json').set('Accept', 'application/fhir+json');
      return (token ? r.set('X-CSRF-Token', token) : r).send(JSON.stringify(freeBedsParameters(3)));
    };
    expect((await set(own)).status).toBe(403); // no CSRF token
    expect((await set(own, csrf)).status).toBe(200);
    expect((await set(other, csrf)).status).toBe(403);
  });

  it('sign out with the CSRF token only', async () => {
    const agent = request.agent(s.app);
    await agent.post('/auth/demo/sign-in').send({ account: 'demo-orientation' });
    const { csrfToken } = (await agent.get('/auth/session')).body;
    expect((await agent.post('/auth/logout')).status).toBe(403);
    expect((await agent.get('/auth/session')).status).toBe(200);
    expect((await agent.post('/auth/logout').set('X-CSRF-Token', csrfToken)).status).toBe(204);
    expect((await agent.get('/auth/session')).status).toBe(401);
    expect((await agent.get('/auth/session?optional')).body).toMatchObject({ signedIn: false });
  });
});
