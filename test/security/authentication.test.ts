/**
 * Who is calling: bearer tokens (the bootstrap token, JWTs of the trusted issuer), session cookies with their CSRF
 * token; a bad credential is a 401 with a challenge, never a silent anonymous; failures and writes are audited.
 */
import request from 'supertest';
import { SignJWT, generateKeyPair, base64url } from 'jose';
import { FHIR_JSON, organization, type TestServer } from '../helpers/app';
import { SessionCookies, SESSION_COOKIE } from '../../src/security/sessions';
import { loadSecurityConfig } from '../../src/security/config';
import { BOOTSTRAP, ISSUER, secureServer, testIdp, type TestIdp } from './helpers/principals';
import { BASE } from '../helpers/app';

let idp: TestIdp;
let s: TestServer;
beforeAll(async () => {
  idp = await testIdp();
  s = secureServer(idp);
});
afterAll(() => s.close());

const create = (h: Record<string, string>) => request(s.app).post('/Organization').set(h).set('Content-Type', FHIR_JSON).send(JSON.stringify(organization()));
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

async function auditEvents(query: string): Promise<any[]> {
  await s.server.audit.flush();
  const res = await request(s.app).get(`/AuditEvent?${query}&_count=100`).set(bearer(BOOTSTRAP));
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e: any) => e.resource);
}

describe('bearer tokens', () => {
  test('the bootstrap token is an administrator; its write is audited with who, what and where', async () => {
    const res = await create(bearer(BOOTSTRAP));
    expect(res.status).toBe(201);
    const events = await auditEvents(`entity=Organization/${res.body.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'C', outcome: '0', agent: [{ altId: 'client:bootstrap', requestor: true }] });
    expect(events[0].agent[0].network.address).toBeTruthy();
  });

  test('a token of the trusted issuer: its role and FINESS numbers apply', async () => {
    const t = await idp.token({ sub: 'editor', role: 'establishment', finess: ['010000024'] });
    const res = await create(bearer(t));
    // Creating an Organization is not an establishment editor's right: refused, 403, with a reason.
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toMatch(/client:editor \(establishment\) may not write Organization/);
  });

  test('a refused write is audited: who, what, why, outcome 4', async () => {
    const t = await idp.token({ sub: 'refused-editor', role: 'establishment', finess: ['010000024'] });
    expect((await create(bearer(t))).status).toBe(403);
    const [event] = await auditEvents('altid=client:refused-editor');
    expect(event).toMatchObject({ action: 'C', outcome: '4', subtype: [{ code: 'create' }] });
    expect(event.outcomeDesc).toMatch(/^refused: an establishment editor may not create Organization/);
    expect(event.agent[0].role[0].coding[0]).toMatchObject({ code: 'establishment' });
    expect(event.agent[0].role[1].coding[0]).toMatchObject({ code: '010000024' });
  });

  test.each([
    ['not a JWT', async () => 'abc.def'],
    ['expired', async () => idp.token({ role: 'admin' }, { expiresIn: '-2m' })],
    ['for another audience', async () => idp.token({ role: 'admin' }, { audience: 'https://other.example' })],
    ['of an unknown issuer', async () => idp.token({ role: 'admin' }, { issuer: 'https://evil.example' })],
    [
      'signed by another key with the issuer’s name',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).setIssuer(ISSUER).setAudience(BASE).setSubject('x').setExpirationTime('5m').sign(privateKey);
      },
    ],
    [
      'alg none',
      async () => {
        const enc = (o: object) => base64url.encode(JSON.stringify(o));
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: ISSUER, aud: BASE, sub: 'x', role: 'admin', exp: Math.floor(Date.now() / 1000) + 300 })}.`;
      },
    ],
    ['without a role', async () => idp.token({ sub: 'nobody' })],
  ])('%s: 401 with a Bearer challenge, nothing written, the failure audited', async (label, make) => {
    const before = (await request(s.app).get('/Organization?_total=accurate&_count=0')).body.total;
    const failed = 'type=http://dicom.nema.org/resources/ontology/DCM|110114&outcome=4';
    const failuresBefore = (await auditEvents(failed)).length;
    const res = await create(bearer(await make()));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="ror", error="invalid_token"/);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await request(s.app).get('/Organization?_total=accurate&_count=0')).body.total).toBe(before);
    const failures = await auditEvents(failed);
    expect(failures.length).toBe(failuresBefore + 1);
    expect(failures.some((e) => /authentication failed \(bearer\)/.test(e.outcomeDesc))).toBe(true);
    expect(label).toBeTruthy();
  });

  test('a malformed Authorization header is a 401, even on a read', async () => {
    const res = await request(s.app).get('/Organization').set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(res.status).toBe(401);
  });

  test('no credential: reads are public, writes answer 401 with a challenge', async () => {
    expect((await request(s.app).get('/Organization')).status).toBe(200);
    const res = await create({});
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ror"');
  });
});

describe('sessions of people', () => {
  test('a session cookie authenticates; a write needs its CSRF token; a forged cookie is a 401', async () => {
    const sessions: SessionCookies = s.server.sessions;
    const fake = { setHeader: jest.fn(), getHeader: () => undefined } as any;
    const session = await sessions.issue(fake, { kind: 'user', id: 'marie', role: 'admin', finess: [], accessProfile: 5, via: 'session' }, false);
    const cookie = String(fake.setHeader.mock.calls[0][1][0]).split(';')[0];
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect((await create({ Cookie: cookie })).status).toBe(403);
    expect((await create({ Cookie: cookie, 'X-CSRF-Token': 'wrong' })).status).toBe(403);
    const ok = await create({ Cookie: cookie, 'X-CSRF-Token': session.csrf });
    expect(ok.status).toBe(201);
    const events = await auditEvents(`entity=Organization/${ok.body.id}`);
    expect(events[0].agent[0].altId).toBe('user:marie');
    // The web application learns who is signed in and the CSRF token from /auth/session.
    const me = await request(s.app).get('/auth/session').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'user', id: 'marie', role: 'admin', csrfToken: session.csrf });
    expect(me.headers['cache-control']).toBe('no-store');
    expect((await request(s.app).get('/auth/session')).status).toBe(401);
    const tampered = cookie.slice(0, -3) + (cookie.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await request(s.app).get('/auth/session').set('Cookie', tampered)).status).toBe(401);
    expect((await request(s.app).get('/Organization').set('Cookie', tampered)).status).toBe(401);
  });
});

describe('configuration', () => {
  test('a bootstrap token shorter than 32 characters stops the start', () => {
    expect(() => loadSecurityConfig({ ROR_BOOTSTRAP_TOKEN: 'short' }, '/tmp', BASE)).toThrow(/at least 32 characters/);
  });

  test('public reads can be turned off: anonymous reads then answer 401', async () => {
    const closed = secureServer(idp, { env: { ROR_PUBLIC_READS: 'false' } });
    try {
      expect((await request(closed.app).get('/Organization')).status).toBe(401);
      expect((await request(closed.app).get('/metadata')).status).toBe(200);
      expect((await request(closed.app).get('/Organization').set(bearer(await idp.token({ role: 'consumer' })))).status).toBe(200);
    } finally {
      await closed.close();
    }
  });

  test('ROR_AUDIT_READ_SAMPLE=1 records every successful read', async () => {
    const sampled = secureServer(idp, { env: { ROR_AUDIT_READ_SAMPLE: '1' } });
    try {
      const t = await idp.token({ sub: 'reader', role: 'consumer' });
      expect((await request(sampled.app).get('/Organization?name=x').set(bearer(t))).status).toBe(200);
      expect((await request(sampled.app).get('/Organization/none').set(bearer(t))).status).toBe(404);
      await sampled.server.audit.flush();
      const res = await request(sampled.app).get('/AuditEvent?altid=client:reader').set(bearer(BOOTSTRAP));
      // The search is recorded (with its query); the failed read is not a successful one.
      expect(res.body.entry).toHaveLength(1);
      expect(res.body.entry[0].resource).toMatchObject({ action: 'R', outcome: '0', entity: [{ name: 'Organization?name=x' }] });
    } finally {
      await sampled.close();
    }
  });

  test('the audit trail cannot be written or deleted through the API, even by an administrator', async () => {
    const [event] = await auditEvents('action=C');
    const put = await request(s.app).put(`/AuditEvent/${event.id}`).set(bearer(BOOTSTRAP)).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...event, outcome: '8' }));
    expect(put.status).toBe(403);
    expect((await request(s.app).delete(`/AuditEvent/${event.id}`).set(bearer(BOOTSTRAP))).status).toBe(403);
  });
});
