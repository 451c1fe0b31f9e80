/**
 * Bulk export (https://hl7.org/fhir/uv/bulkdata/export.html) as a client sees it: kick-off, polling, the manifest
 * and its NDJSON files; `_type`, `_typeFilter`, POST with Parameters; the CapabilityStatement.
 */
import request from 'supertest';
import { post, put, testServer, type TestServer } from '../helpers/app';
import { exportAll, kickOff, manifestOf, ndjson, pathOf } from './helpers';

const TAG = 'https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/RegionOM';
let s: TestServer;

const unit = (id: string, region: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'HealthcareService',
  id,
  active: true,
  name: `Unité ${id}`,
  meta: { tag: [{ system: TAG, code: region }] },
  ...extra,
});

beforeAll(async () => {
  s = testServer({ bulk: { pageSize: 10 } });
  for (let i = 0; i < 25; i++) expect((await put(s.app, `/Organization/org-${i}`, { resourceType: 'Organization', id: `org-${i}`, name: `Établissement ${i}`, active: true })).status).toBe(201);
  for (let i = 0; i < 12; i++) expect((await put(s.app, `/HealthcareService/hs-${i}`, unit(`hs-${i}`, i % 2 ? '84' : '11'))).status).toBe(201);
  expect((await post(s.app, '/Practitioner', { resourceType: 'Practitioner', name: [{ family: 'Martin' }] })).status).toBe(201);
});
afterAll(() => s.close());

test('GET /$export: 202 and a status URL; polled to the manifest; every resource once in its type file', async () => {
  const res = await request(s.app).get('/$export').set('Prefer', 'respond-async');
  expect(res.status).toBe(202);
  expect(res.headers['content-location']).toMatch(/^http:\/\/fhir\.test\/bulk-export\/[0-9a-f-]{36}$/);
  expect(res.body.resourceType).toBe('OperationOutcome');
  const { manifest } = await manifestOf(s.app, pathOf(res.headers['content-location']));
  expect(manifest).toMatchObject({ request: 'http://fhir.test/$export', requiresAccessToken: true, deleted: [], error: [] });
  expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
  const counts = Object.fromEntries(manifest.output.map((f: any) => [f.type, f.count]));
  expect(counts).toMatchObject({ Organization: 25, HealthcareService: 12, Practitioner: 1 });
  const orgs = await ndjson(s.app, manifest.output.find((f: any) => f.type === 'Organization').url);
  expect(orgs.map((o) => o.id).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `org-${i}`).sort());
  expect(orgs[0]).toMatchObject({ resourceType: 'Organization', meta: { versionId: '1' } });
});

test('_type and the type level export only those types; _outputFormat accepts the NDJSON names', async () => {
  const typed = await exportAll(s.app, '/$export?_type=HealthcareService,Practitioner&_outputFormat=application/fhir%2Bndjson');
  expect(Object.keys(typed.byType).sort()).toEqual(['HealthcareService', 'Practitioner']);
  expect(typed.manifest.request).toBe('http://fhir.test/$export?_type=HealthcareService%2CPractitioner&_outputFormat=application%2Ffhir%2Bndjson');
  const level = await exportAll(s.app, '/Organization/$export?_outputFormat=ndjson');
  expect(Object.keys(level.byType)).toEqual(['Organization']);
  expect(level.byType.Organization).toHaveLength(25);
});

test('_typeFilter runs the server search per type; several queries of a type are ORed, each resource once', async () => {
  const one = await exportAll(s.app, `/$export?_type=HealthcareService&_typeFilter=${encodeURIComponent(`HealthcareService?_tag=${TAG}|84`)}`);
  expect(one.byType.HealthcareService.map((r) => r.id).sort()).toEqual(['hs-1', 'hs-11', 'hs-3', 'hs-5', 'hs-7', 'hs-9']);
  const filters = [`HealthcareService?_tag=${TAG}|84`, 'HealthcareService?_id=hs-1,hs-2,hs-3'].map(encodeURIComponent);
  const ored = await exportAll(s.app, `/$export?_type=HealthcareService,Organization&_typeFilter=${filters[0]}&_typeFilter=${filters[1]}`);
  expect(ored.byType.HealthcareService.map((r) => r.id).sort()).toEqual(['hs-1', 'hs-11', 'hs-2', 'hs-3', 'hs-5', 'hs-7', 'hs-9']);
  // A type without a filter is exported whole.
  expect(ored.byType.Organization).toHaveLength(25);
});

test('POST /$export with a Parameters body', async () => {
  const body = {
    resourceType: 'Parameters',
    parameter: [
      { name: '_type', valueString: 'HealthcareService' },
      { name: '_typeFilter', valueString: `HealthcareService?_tag=${TAG}|11` },
      { name: '_outputFormat', valueString: 'application/fhir+ndjson' },
    ],
  };
  const res = await request(s.app).post('/$export').set('Prefer', 'respond-async').set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
  expect(res.status).toBe(202);
  const { manifest } = await manifestOf(s.app, pathOf(res.headers['content-location']));
  const units = await ndjson(s.app, manifest.output[0].url);
  expect(units.map((u) => u.id).sort()).toEqual(['hs-0', 'hs-10', 'hs-2', 'hs-4', 'hs-6', 'hs-8']);
});

test('while a job waits, the status answers 202 with X-Progress and Retry-After', async () => {
  await s.server.exports.stop(); // the worker stops: the job stays queued until it starts again
  const status = await kickOff(s.app, '/Organization/$export');
  const res = await request(s.app).get(status);
  expect(res.status).toBe(202);
  expect(res.headers['x-progress']).toMatch(/queued: 0\/1 types done/);
  expect(res.headers['retry-after']).toBe('2');
  await s.server.exports.start();
  const { manifest } = await manifestOf(s.app, status);
  expect(manifest.output).toEqual([expect.objectContaining({ type: 'Organization', count: 25 })]);
});

describe('bad kick-offs are 400s with an OperationOutcome naming the parameter', () => {
  test.each([
    ['/$export?_outputFormat=application/json', /_outputFormat: 'application\/json' is not supported/],
    ['/$export?_outputFormat=text/csv', /_outputFormat/],
    ['/$export?_since=yesterday', /_since: 'yesterday' is not a FHIR instant/],
    ['/$export?_since=2024-01-01', /_since/],
    ['/$export?_type=Nope', /_type: unknown resource type 'Nope'/],
    ['/$export?_type=', /_type: give one or more resource types/],
    ['/$export?patient=Patient/1', /does not support the parameter 'patient'/],
    ['/$export?_elements=id', /does not support the parameter '_elements'/],
    ['/$export?_typeFilter=name%3DX', /_typeFilter: 'name=X' does not start with a resource type/],
    ['/$export?_typeFilter=HealthcareService%3F', /has no search parameters/],
    ['/$export?_type=Organization&_typeFilter=HealthcareService%3Fname%3DX', /HealthcareService is not one of the exported types/],
    ['/$export?_typeFilter=HealthcareService%3Fnope%3D1', /nope/],
    ['/$export?_typeFilter=HealthcareService%3F_count%3D5', /'_count' cannot be used in an export filter/],
    ['/$export?_typeFilter=HealthcareService%3Fname:bogus%3D5', /bogus/],
    ['/Organization/$export?_type=HealthcareService', /exports Organization only/],
  ])('%s', async (path, message) => {
    const res = await request(s.app).get(path).set('Prefer', 'respond-async');
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(message);
  });

  test('without Prefer: respond-async', async () => {
    const res = await request(s.app).get('/$export');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/Prefer: respond-async/);
  });

  test('a POST whose body is not Parameters', async () => {
    const res = await request(s.app).post('/$export').set('Prefer', 'respond-async').set('Content-Type', 'application/fhir+json').send('{"resourceType":"Organization"}');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/Parameters/);
  });

  test('an unknown job is a 404; a file not in the manifest too', async () => {
    expect((await request(s.app).get('/bulk-export/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    const { status } = await exportAll(s.app, '/Practitioner/$export');
    expect((await request(s.app).get(`${status}/Organization.ndjson`)).status).toBe(404);
  });
});

test('the CapabilityStatement lists $export and instantiates the Bulk Data server statement', async () => {
  const cs = (await request(s.app).get('/metadata')).body;
  expect(cs.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
  expect(cs.rest[0].operation).toEqual(expect.arrayContaining([{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }]));
});
