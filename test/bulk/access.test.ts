/**
 * Exports see what searches see: the kick-off needs a credential; a caller below profile 4 exports no sensitive
 * unit (nor its deletion), profile 0 no bed availability, consumers no AuditEvent or Subscription, and confidential
 * telecoms are redacted as in a read. A job, its status and its files belong to the principal that started it.
 */
import request from 'supertest';
import { FHIR_JSON, type TestServer } from '../helpers/app';
import location from '../fixtures/ror-capacity/location-ssr.json';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from '../security/helpers/principals';
import { exportAll, kickOff, manifestOf, pathOf } from './helpers';

const SD = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/';
const R283 = 'https://mos.esante.gouv.fr/NOS/TRE_R283-NiveauConfidentialite/FHIR/TRE-R283-NiveauConfidentialite';
const level = (code: string) => ({ url: SD + 'ror-telecom-confidentiality-level', valueCodeableConcept: { coding: [{ system: R283, code }] } });

const org = {
  resourceType: 'Organization',
  id: 'org-1',
  name: 'CH de Bourg',
  telecom: [
    { system: 'phone', value: '04 00 00 00 01', extension: [level('1')] },
    { system: 'phone', value: '04 00 00 00 03', extension: [level('3')] },
  ],
};
const sensitive = { resourceType: 'HealthcareService', id: 'hs-secret', name: 'Unité protégée', extension: [{ url: SD + 'ror-healthcareservice-sensitive-unit', valueBoolean: true }] };
const ordinary = { resourceType: 'HealthcareService', id: 'hs-open', name: 'Unité ouverte' };
const bedZone = { ...location, id: 'loc-1' };

let idp: TestIdp;
let s: TestServer;
const as = async (claims: Record<string, unknown>) => ({ Authorization: `Bearer ${await idp.token({ sub: 'c', ...claims })}` });
const admin = { Authorization: `Bearer ${BOOTSTRAP}` };
const statuses = (loc: any) =>
  loc.extension
    .filter((e: any) => e.url === SD + 'ror-location-supported-capacity')
    .map((e: any) => e.extension.find((x: any) => x.url === 'capacityStatus').valueCodeableConcept.coding[0].code);

beforeAll(async () => {
  idp = await testIdp();
  s = secureServer(idp, { bulk: { settleMs: 0 } });
  const entries = [org, bedZone, sensitive, ordinary].map((r) => ({ request: { method: 'PUT', url: `${r.resourceType}/${r.id}` }, resource: r }));
  const res = await request(s.app).post('/').set(admin).set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }));
  expect(res.status).toBe(200);
  await s.server.audit.flush(); // the trail of these writes becomes AuditEvents
  await s.server.measuresReady;
});
afterAll(() => s.close());

test('the kick-off needs a credential (401 with a challenge), and so do the status and the files', async () => {
  const res = await request(s.app).get('/$export').set('Prefer', 'respond-async');
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect((await request(s.app).get('/Organization/$export').set('Prefer', 'respond-async')).status).toBe(401);
  const status = await kickOff(s.app, '/Organization/$export', admin);
  expect((await request(s.app).get(status)).status).toBe(401);
});

test('below profile 4 no sensitive unit; profile 0 no availability; confidential telecoms redacted', async () => {
  const h = await as({ role: 'consumer', access_profile: 0 });
  const { byType } = await exportAll(s.app, '/$export?_type=HealthcareService,Location,Organization', h);
  expect(byType.HealthcareService.map((r) => r.id)).toEqual(['hs-open']);
  expect(new Set(statuses(byType.Location[0]))).toEqual(new Set(['01']));
  expect(byType.Organization[0].telecom.map((t: any) => t.value)).toEqual(['04 00 00 00 01']);

  const p4 = await exportAll(s.app, '/$export?_type=HealthcareService,Location', await as({ role: 'consumer', access_profile: 4 }));
  expect(p4.byType.HealthcareService.map((r) => r.id).sort()).toEqual(['hs-open', 'hs-secret']);
  expect(statuses(p4.byType.Location[0]).some((c: string) => c !== '01')).toBe(true);
});

test('a profile-0 caller may not filter on availability: 403 at kick-off', async () => {
  const res = await request(s.app)
    .get(`/$export?_type=Location&_typeFilter=${encodeURIComponent('Location?capacity-status=02')}`)
    .set('Prefer', 'respond-async')
    .set(await as({ role: 'consumer', access_profile: 0 }));
  expect(res.status).toBe(403);
  expect(res.body.issue[0].diagnostics).toMatch(/bed availability/);
});

test('consumers export no AuditEvent or Subscription (403 when asked by name); administrators do', async () => {
  const h = await as({ role: 'consumer', access_profile: 5 });
  const all = await exportAll(s.app, '/$export', h);
  expect(Object.keys(all.byType).sort()).toEqual(['HealthcareService', 'Location', 'Measure', 'Organization']);
  const asked = await request(s.app).get('/$export?_type=AuditEvent').set('Prefer', 'respond-async').set(h);
  expect(asked.status).toBe(403);
  expect((await request(s.app).get('/AuditEvent/$export').set('Prefer', 'respond-async').set(h)).status).toBe(403);
  const byAdmin = await exportAll(s.app, '/$export', admin);
  expect(Object.keys(byAdmin.byType)).toEqual(expect.arrayContaining(['AuditEvent', 'Organization']));
});

test('a deleted sensitive unit is not revealed in the deleted array below profile 4', async () => {
  const since = new Date(Date.now() - 1).toISOString();
  await new Promise((r) => setTimeout(r, 5));
  expect((await request(s.app).delete('/HealthcareService/hs-secret').set(admin)).status).toBe(204);
  const p3 = await exportAll(s.app, `/$export?_type=HealthcareService&_since=${encodeURIComponent(since)}`, await as({ role: 'consumer', access_profile: 3 }));
  expect(p3.deleted).toEqual([]);
  const p4 = await exportAll(s.app, `/$export?_type=HealthcareService&_since=${encodeURIComponent(since)}`, await as({ role: 'consumer', access_profile: 4 }));
  expect(p4.deleted).toEqual(['HealthcareService/hs-secret']);
});

test('another principal cannot poll, fetch or cancel a job (404); the same principal with a new token can', async () => {
  const mine = await as({ sub: 'client-a', role: 'consumer', access_profile: 2 });
  const status = await kickOff(s.app, '/Organization/$export', mine);
  const { manifest } = await manifestOf(s.app, status, mine);
  const other = await as({ sub: 'client-b', role: 'consumer', access_profile: 2 });
  expect((await request(s.app).get(status).set(other)).status).toBe(404);
  expect((await request(s.app).get(pathOf(manifest.output[0].url)).set(other)).status).toBe(404);
  expect((await request(s.app).delete(status).set(other)).status).toBe(404);
  expect((await request(s.app).get(status).set(admin)).status).toBe(404);
  const again = await as({ sub: 'client-a', role: 'consumer', access_profile: 2 });
  expect((await request(s.app).get(pathOf(manifest.output[0].url)).set(again)).status).toBe(200);
});
