/**
 * Who may evaluate and read indicators, through real HTTP with real credentials (secureServer): analysts and
 * administrators everything; an establishment editor its own establishment's indicators only; consumers and
 * anonymous callers nothing. Measure definitions are read like the offer.
 */
import request from 'supertest';
import { secureServer, testIdp, type TestIdp } from '../security/helpers/principals';
import type { TestServer } from '../helpers/app';
import { AT, FINESS_A, iso, writeRegion } from './measures-fixture';

let idp: TestIdp;
let t: TestServer;
const auth: Record<string, Record<string, string>> = {};
const CLAIMS: Record<string, Record<string, unknown>> = {
  consumer: { sub: 'orientation-tool', role: 'consumer', access_profile: 1 },
  establishment: { sub: 'bed-manager', role: 'establishment', finess: [FINESS_A], access_profile: 2 },
  analyst: { sub: 'ars-analyst', role: 'analyst' },
  admin: { sub: 'ops', role: 'admin' },
};
const evaluate = (who: string, subject: string) =>
  request(t.app)
    .get(`/Measure/ror-situation-lits/$evaluate-measure?subject=${encodeURIComponent(subject)}&periodEnd=${encodeURIComponent(iso(AT))}`)
    .set(auth[who] ?? {});

beforeAll(async () => {
  idp = await testIdp();
  t = secureServer(idp, { measureDefinitions: true });
  await t.server.measuresReady;
  await writeRegion(t, { kind: 'admin', name: 'fixture' });
  for (const [role, claims] of Object.entries(CLAIMS)) auth[role] = { Authorization: `Bearer ${await idp.token(claims)}` };
});
afterAll(() => t.close());

test('evaluating: analysts and administrators any subject, an establishment its own, nobody else', async () => {
  expect((await evaluate('analyst', 'region/84')).status).toBe(201);
  expect((await evaluate('admin', 'department/01')).status).toBe(201);
  expect((await evaluate('establishment', 'Organization/a')).status).toBe(201);
  expect((await evaluate('establishment', 'Organization/c')).status).toBe(403);
  expect((await evaluate('establishment', 'region/84')).status).toBe(403);
  expect((await evaluate('consumer', 'region/84')).status).toBe(403);
  expect((await evaluate('anonymous', 'region/84')).status).toBe(401);
});

test('reading: an establishment finds its own reports only; consumers and anonymous callers none', async () => {
  const all = await request(t.app).get('/MeasureReport').set(auth.analyst);
  expect(all.status).toBe(200);
  const subjects = all.body.entry.map((e: any) => e.resource.subject.reference ?? e.resource.subject.identifier.value).sort();
  expect(subjects).toEqual(['01', '84', 'Organization/a']);

  const own = await request(t.app).get('/MeasureReport').set(auth.establishment);
  expect(own.status).toBe(200);
  expect(own.body.entry.map((e: any) => e.resource.subject.reference)).toEqual(['Organization/a']);
  const region = all.body.entry.find((e: any) => e.resource.subject.identifier?.value === '84').resource;
  expect((await request(t.app).get(`/MeasureReport/${region.id}`).set(auth.establishment)).status).toBe(404);
  expect((await request(t.app).get(`/MeasureReport/${region.id}/$csv`).set(auth.establishment)).status).toBe(404);
  expect((await request(t.app).get(`/MeasureReport/${region.id}/$csv`).set(auth.analyst)).status).toBe(200);

  expect((await request(t.app).get('/MeasureReport').set(auth.consumer)).status).toBe(403);
  expect((await request(t.app).get(`/MeasureReport/${region.id}`)).status).toBe(401);
  expect((await request(t.app).get('/Measure/ror-situation-lits/$series?subject=region/84').set(auth.consumer)).status).toBe(403);
  const series = await request(t.app).get('/Measure/ror-situation-lits/$series?subject=Organization/a').set(auth.establishment);
  expect([series.status, series.body.reports]).toEqual([200, 1]);
  // The definitions are public.
  expect((await request(t.app).get('/Measure/ror-situation-lits')).status).toBe(200);
});

test('stored reports are records: an analyst neither changes nor deletes one, nor writes a Measure', async () => {
  const all = await request(t.app).get('/MeasureReport').set(auth.analyst);
  const report = all.body.entry[0].resource;
  const put = await request(t.app).put(`/MeasureReport/${report.id}`).set(auth.analyst).set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...report, status: 'error' }));
  expect(put.status).toBe(403);
  expect((await request(t.app).delete(`/MeasureReport/${report.id}`).set(auth.analyst)).status).toBe(403);
  const measure = (await request(t.app).get('/Measure/ror-situation-lits')).body;
  const change = await request(t.app).put('/Measure/ror-situation-lits').set(auth.analyst).set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...measure, title: 'x' }));
  expect(change.status).toBe(403);
});
