/**
 * The audit trail (src/security/audit.ts): every kind of AuditEvent it writes is a valid R4 AuditEvent; a write
 * and its trace commit together (a refused transaction leaves no trace of its allowed entries; a trace enqueued
 * before a crash is stored after the restart); the store never holds an AuditEvent written by a caller.
 */
import request from 'supertest';
import { FHIR_JSON, organization, testServer, type TestServer } from '../helpers/app';
import { tempDir } from '../helpers/tmp';
import { loadSecurityConfig } from '../../src/security/config';
import { BASE } from '../helpers/app';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from './helpers/principals';

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
let idp: TestIdp;
beforeAll(async () => {
  idp = await testIdp();
});

async function trail(s: TestServer): Promise<any[]> {
  await s.server.audit.flush();
  const res = await request(s.app).get('/AuditEvent?_count=200').set(bearer(BOOTSTRAP));
  return (res.body.entry ?? []).map((e: any) => e.resource);
}

test('every kind of event is a valid R4 AuditEvent', async () => {
  const s = secureServer(idp, { env: { ROR_AUDIT_READ_SAMPLE: '1' } });
  try {
    const created = await request(s.app).post('/Organization').set(bearer(BOOTSTRAP)).set('Content-Type', FHIR_JSON).send(JSON.stringify(organization()));
    expect(created.status).toBe(201);
    await request(s.app).put(`/Organization/${created.body.id}`).set(bearer(BOOTSTRAP)).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...created.body, name: 'Renamed' }));
    await request(s.app).delete(`/Organization/${created.body.id}`).set(bearer(BOOTSTRAP));
    await request(s.app).get('/Organization').set('Authorization', 'Bearer not-a-token');
    await request(s.app).post('/Organization').set(bearer(await idp.token({ role: 'consumer' }))).set('Content-Type', FHIR_JSON).send(JSON.stringify(organization()));
    await request(s.app).get('/Location?capacity-status=02');
    await request(s.app).get('/Organization?name=x').set(bearer(await idp.token({ role: 'consumer' })));
    s.server.audit.signedIn({ kind: 'user', id: 'marie', role: 'analyst', finess: [], accessProfile: 5, via: 'session', address: '10.1.2.3' }, 'saml');
    const events = await trail(s);
    const kinds = new Set(events.map((e) => `${e.action}/${e.outcome}/${e.subtype[0].code}`));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['C/0/create', 'U/0/update', 'D/0/delete', 'E/4/authenticate', 'C/4/create', 'R/4/search', 'R/0/search', 'E/0/110122']));
    for (const event of events) {
      const { meta: _meta, ...body } = event;
      expect(() => s.server.kernel.validator.validateForWrite(body, { expectedType: 'AuditEvent' })).not.toThrow();
    }
  } finally {
    await s.close();
  }
});

test('a refused transaction leaves no trace of the entries it would have written; the refusal is traced', async () => {
  const s = secureServer(idp);
  try {
    const editor = await idp.token({ sub: 'ed', role: 'establishment', finess: ['010000024'] });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'POST', url: 'HealthcareService' }, resource: { resourceType: 'HealthcareService', name: 'x' } },
        { request: { method: 'POST', url: 'Organization' }, resource: organization() },
      ],
    };
    const res = await request(s.app).post('/').set(bearer(editor)).set('Content-Type', FHIR_JSON).send(JSON.stringify(bundle));
    expect(res.status).toBe(403);
    const events = await trail(s);
    expect(events.filter((e) => e.outcome === '0')).toEqual([]);
    expect(events.filter((e) => e.outcome === '4' && e.agent[0].altId === 'client:ed').length).toBeGreaterThan(0);
  } finally {
    await s.close();
  }
});

test('a trace enqueued before a crash is stored after the restart', async () => {
  const dataDir = tempDir('ror-audit-');
  const security = loadSecurityConfig({ ROR_BOOTSTRAP_TOKEN: BOOTSTRAP }, dataDir, BASE);
  const first = testServer({ secure: true, dataDir, security });
  const created = await request(first.app).post('/Organization').set(bearer(BOOTSTRAP)).set('Content-Type', FHIR_JSON).send(JSON.stringify(organization()));
  expect(created.status).toBe(201);
  // The process dies: the store closes, the trail never drains.
  await first.store.close();
  const second = testServer({ secure: true, dataDir, security });
  try {
    const events = await trail(second);
    expect(events.map((e) => e.entity?.[0]?.what?.reference)).toContain(`Organization/${created.body.id}/_history/1`);
  } finally {
    await second.close();
  }
});

test('nobody writes an AuditEvent through the API, not even in a bundle', async () => {
  const s = secureServer(idp);
  try {
    const forged = { resourceType: 'AuditEvent', type: { code: 'rest' }, recorded: '2026-01-01T00:00:00Z', agent: [{ requestor: true }], source: { observer: { display: 'x' } } };
    expect((await request(s.app).post('/AuditEvent').set(bearer(BOOTSTRAP)).set('Content-Type', FHIR_JSON).send(JSON.stringify(forged))).status).toBe(403);
    const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: 'AuditEvent' }, resource: forged }] };
    const res = await request(s.app).post('/').set(bearer(BOOTSTRAP)).set('Content-Type', FHIR_JSON).send(JSON.stringify(batch));
    expect(res.body.entry[0].response.status).toMatch(/^403/);
  } finally {
    await s.close();
  }
});
