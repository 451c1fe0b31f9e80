/**
 * Who works the quality queue, through HTTP with real credentials (secureServer): an establishment reads and works
 * the tasks of its own establishments and reports discrepancies on its own resources; analysts read and work every
 * task; consumers and anonymous callers read none and work none.
 */
import request from 'supertest';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from '../security/helpers/principals';
import type { TestServer } from '../helpers/app';
import { taskId } from '../../src/quality/tasks/task';
import type { QualityConfig } from '../../src/quality/tasks';

const json = (req: request.Test, body: unknown) => req.set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
const admin = { Authorization: `Bearer ${BOOTSTRAP}` };
const org = (id: string, finess: string) => ({ resourceType: 'Organization', id, identifier: [{ system: 'https://finess.esante.gouv.fr', value: finess }], name: `Établissement ${finess}`, active: true });
const site = (id: string, org: string) => ({ resourceType: 'Location', id, name: `Site ${id}`, status: 'active', managingOrganization: { reference: `Organization/${org}` } });
const reason = { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'Justifié' }] };

let idp: TestIdp;
let t: TestServer;
let as: Record<string, Record<string, string>>;
const taskA = taskId('loc-no-position', 'Location', 'loc-a');
const taskB = taskId('loc-no-position', 'Location', 'loc-b');

beforeAll(async () => {
  idp = await testIdp();
  const quality: QualityConfig = { sweepMinutes: 0, enabled: true, staleHours: 24, now: () => new Date() };
  t = secureServer(idp, { quality });
  for (const [path, body] of [
    ['/Organization/org-a', org('org-a', '010000016')],
    ['/Organization/org-b', org('org-b', '010000024')],
    ['/Location/loc-a', site('loc-a', 'org-a')],
    ['/Location/loc-b', site('loc-b', 'org-b')],
    ['/Location/loc-a2', site('loc-a2', 'org-a')],
  ] as const) {
    expect((await json(request(t.app).put(path).set(admin), body)).status).toBe(201);
  }
  await t.server.qualityWorker.drain();
  const bearer = async (claims: Record<string, unknown>) => ({ Authorization: `Bearer ${await idp.token(claims)}` });
  as = {
    anonymous: {},
    consumer: await bearer({ sub: 'tool', role: 'consumer', access_profile: 5 }),
    establishment: await bearer({ sub: 'bed-manager', role: 'establishment', finess: ['010000016'], access_profile: 2 }),
    analyst: await bearer({ sub: 'ars-analyst', role: 'analyst' }),
  };
});
afterAll(() => t.close());

test('reads: an establishment sees its own tasks only; analysts all; consumers and anonymous none', async () => {
  const ids = async (who: string, query = '') => {
    const res = await request(t.app).get(`/Task?status=ready${query}`).set(as[who]);
    return res.status === 200 ? (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort() : res.status;
  };
  expect(await ids('analyst')).toEqual(expect.arrayContaining([taskA, taskB]));
  const own = await ids('establishment');
  expect(own).toContain(taskA);
  expect(own).not.toContain(taskB);
  expect((await request(t.app).get(`/Task/${taskA}`).set(as.establishment)).status).toBe(200);
  expect((await request(t.app).get(`/Task/${taskB}`).set(as.establishment)).status).toBe(404);
  expect(await ids('consumer')).toBe(403);
  expect(await ids('anonymous')).toBe(401);
  expect((await request(t.app).get(`/Task/${taskA}`).set(as.consumer)).status).toBe(403);
  // searches the queue by owner, theme and age
  const byOwner = await request(t.app).get('/Task?owner=Organization/org-a&code=https://mos.esante.gouv.fr/NOS/TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie|01&authored-on=ge2020-01-01').set(as.analyst);
  expect(byOwner.status).toBe(200);
  expect(byOwner.body.entry.map((e: { resource: { owner: { reference: string } } }) => e.resource.owner.reference)).toEqual(expect.arrayContaining(['Organization/org-a']));
  expect(byOwner.body.entry.every((e: { resource: { owner: { reference: string } } }) => e.resource.owner.reference === 'Organization/org-a')).toBe(true);
});

test('actions: an establishment works its own tasks, not others; analysts any; consumers none', async () => {
  const keep = (who: string, id: string) => json(request(t.app).post(`/Task/${id}/$keep-declared`).set(as[who]), reason);
  expect((await keep('consumer', taskA)).status).toBe(403);
  expect((await keep('anonymous', taskA)).status).toBe(401);
  expect((await keep('establishment', taskB)).status).toBe(403);
  const assign = await json(request(t.app).post(`/Task/${taskA}/$assign`).set(as.establishment), { resourceType: 'Parameters', parameter: [{ name: 'assignee', valueString: 'marie.curie' }] });
  expect(assign.status).toBe(200);
  expect(assign.body).toMatchObject({ status: 'in-progress', output: [{ valueIdentifier: { value: 'marie.curie' } }] });
  expect((await keep('establishment', taskA)).status).toBe(200);
  expect((await keep('analyst', taskB)).status).toBe(200);
  expect((await keep('analyst', taskB)).status).toBe(409); // already closed
  // $accept-national is for national-value tasks only
  expect((await request(t.app).post(`/Task/${taskId('loc-no-commune', 'Location', 'loc-a')}/$accept-national`).set(as.establishment)).status).toBe(422);
});

test('reporting by hand: an establishment on its own resources, an analyst on any, a consumer on none', async () => {
  const report = (who: string, focus: string) =>
    json(request(t.app).post('/Task/$report').set(as[who]), {
      resourceType: 'Parameters',
      parameter: [
        { name: 'focus', valueReference: { reference: focus } },
        { name: 'description', valueString: "Le téléphone d'accueil a changé" },
        { name: 'theme', valueCode: '06' },
        { name: 'path', valueString: 'Location.telecom' },
      ],
    });
  const mine = await report('establishment', 'Location/loc-a2');
  expect(mine.status).toBe(201);
  expect(mine.body).toMatchObject({ status: 'ready', owner: { reference: 'Organization/org-a' }, focus: { reference: 'Location/loc-a2' } });
  expect(mine.body.input).toEqual(expect.arrayContaining([expect.objectContaining({ valueString: 'IHM' }), expect.objectContaining({ valueIdentifier: expect.objectContaining({ value: 'bed-manager' }) })]));
  expect((await request(t.app).get(`/Task/${mine.body.id}`).set(as.establishment)).status).toBe(200);
  expect((await report('establishment', 'Location/loc-b')).status).toBe(403);
  expect((await report('analyst', 'Location/loc-b')).status).toBe(201);
  expect((await report('consumer', 'Location/loc-a')).status).toBe(403);
  expect((await report('anonymous', 'Location/loc-a')).status).toBe(401);
  const bad = await json(request(t.app).post('/Task/$report').set(as.analyst), { resourceType: 'Parameters', parameter: [{ name: 'theme', valueCode: '99' }] });
  expect(bad.status).toBe(400);
  expect(bad.body.issue.map((i: { diagnostics: string }) => i.diagnostics).join(' ')).toMatch(/focus.*description.*theme/s);
});
