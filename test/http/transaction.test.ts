import request from 'supertest';
import { BASE, issue, organization, post, testServer, type TestServer } from '../helpers/app';

let s: TestServer;
beforeEach(() => (s = testServer()));
afterEach(() => s.close());

const bundle = (type: string, entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });

describe('transaction', () => {
  test('creates resources atomically and resolves urn:uuid references between entries', async () => {
    const orgUrn = 'urn:uuid:9b1f9c7e-3f0e-4c1e-9a57-1c2d3e4f5a6b';
    const locUrn = 'urn:uuid:0c7d9a8b-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
    const res = await post(s.app, '/', bundle('transaction', [
      { fullUrl: locUrn, resource: { resourceType: 'Location', name: 'SSR', managingOrganization: { reference: orgUrn } }, request: { method: 'POST', url: 'Location' } },
      { fullUrl: orgUrn, resource: organization(), request: { method: 'POST', url: 'Organization' } },
      { resource: { resourceType: 'HealthcareService', providedBy: { reference: orgUrn }, location: [{ reference: locUrn }] }, request: { method: 'POST', url: 'HealthcareService' } },
    ]));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const loc = res.body.entry[0].resource;
    const org = res.body.entry[1].resource;
    expect(loc.managingOrganization.reference).toBe(`Organization/${org.id}`);
    const hs = res.body.entry[2].resource;
    expect(hs.providedBy.reference).toBe(`Organization/${org.id}`);
    expect(hs.location[0].reference).toBe(`Location/${loc.id}`);
    expect(res.body.entry[1].fullUrl).toBe(`${BASE}/Organization/${org.id}`);
    expect(res.body.entry[1].response.location).toBe(`Organization/${org.id}/_history/1`);
  });

  test('one failing entry rolls back every entry, with the failing entry named', async () => {
    const res = await post(s.app, '/', bundle('transaction', [
      { resource: organization('1'), request: { method: 'POST', url: 'Organization' } },
      { resource: { ...organization('2'), active: 'no' }, request: { method: 'POST', url: 'Organization' } },
    ]));
    expect(res.status).toBe(400);
    expect(issue(res.body).diagnostics).toContain('Bundle.entry[1]');
    expect((await request(s.app).get('/_history')).body.total).toBe(0);
  });

  test('a failing If-Match in a transaction is a 412 and nothing is kept', async () => {
    await post(s.app, '/Organization', { ...organization(), id: 'x' });
    const created = (await request(s.app).put('/Organization/o1').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...organization(), id: 'o1' }))).body;
    const res = await post(s.app, '/', bundle('transaction', [
      { resource: organization('new'), request: { method: 'POST', url: 'Organization' } },
      { resource: { ...created, name: 'x' }, request: { method: 'PUT', url: 'Organization/o1', ifMatch: 'W/"7"' } },
    ]));
    expect(res.status).toBe(412);
    expect((await request(s.app).get('/Organization/_history')).body.total).toBe(2);
  });

  test('entries run in the FHIR order: DELETE, POST, PUT/PATCH, GET; responses keep the request order', async () => {
    await request(s.app).put('/Organization/keep').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...organization(), id: 'keep' }));
    await request(s.app).put('/Organization/gone').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...organization('g'), id: 'gone' }));
    const res = await post(s.app, '/', bundle('transaction', [
      { request: { method: 'GET', url: 'Organization/keep' } },
      { resource: { ...organization(), id: 'keep', name: 'updated' }, request: { method: 'PUT', url: 'Organization/keep' } },
      { request: { method: 'DELETE', url: 'Organization/gone' } },
    ]));
    expect(res.status).toBe(200);
    // GET runs last, so it sees the PUT of the same transaction.
    expect(res.body.entry[0].resource.name).toBe('updated');
    expect(res.body.entry[1].response.status).toBe('200 OK');
    expect(res.body.entry[2].response.status).toBe('204 No Content');
  });

  test('conditional create inside a transaction reuses the existing resource and its id in references', async () => {
    const existing = (await post(s.app, '/Organization', organization('750000001'))).body;
    const urn = 'urn:uuid:11111111-2222-4333-8444-555555555555';
    const res = await post(s.app, '/', bundle('transaction', [
      { fullUrl: urn, resource: organization('750000001'), request: { method: 'POST', url: 'Organization', ifNoneExist: 'identifier=750000001' } },
      { resource: { resourceType: 'Location', name: 'L', managingOrganization: { reference: urn } }, request: { method: 'POST', url: 'Location' } },
    ]));
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toBe('200 OK');
    expect(res.body.entry[1].resource.managingOrganization.reference).toBe(`Organization/${existing.id}`);
  });

  test('conditional update and JSON Patch (Binary) entries', async () => {
    const res = await post(s.app, '/', bundle('transaction', [
      { resource: organization('750000077', 'A'), request: { method: 'PUT', url: 'Organization?identifier=750000077' } },
    ]));
    expect(res.body.entry[0].response.status).toBe('201 Created');
    const id = res.body.entry[0].resource.id;
    const patch = Buffer.from(JSON.stringify([{ op: 'replace', path: '/name', value: 'B' }])).toString('base64');
    const res2 = await post(s.app, '/', bundle('transaction', [
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: `Organization/${id}` } },
    ]));
    expect(res2.status).toBe(200);
    expect(res2.body.entry[0].resource.name).toBe('B');
  });

  test('two entries changing the same resource are refused', async () => {
    const res = await post(s.app, '/', bundle('transaction', [
      { resource: { ...organization(), id: 'a' }, request: { method: 'PUT', url: 'Organization/a' } },
      { request: { method: 'DELETE', url: 'Organization/a' } },
    ]));
    expect(res.status).toBe(400);
  });
});

describe('batch', () => {
  test('each entry reports its own status; failures do not stop the others', async () => {
    const res = await post(s.app, '/', bundle('batch', [
      { resource: organization('1'), request: { method: 'POST', url: 'Organization' } },
      { request: { method: 'GET', url: 'Organization/missing' } },
      { resource: { ...organization('2'), active: 'no' }, request: { method: 'POST', url: 'Organization' } },
      { request: { method: 'FETCH', url: 'Organization' } },
    ]));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '404', '400', '400']);
    expect(res.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect((await request(s.app).get('/Organization/_history')).body.total).toBe(1);
  });
});

describe('bundle input errors', () => {
  test('not a Bundle, or a Bundle of another type, is a 400', async () => {
    expect((await post(s.app, '/', organization())).status).toBe(400);
    const res = await post(s.app, '/', bundle('collection', []));
    expect(res.status).toBe(400);
    expect(issue(res.body).diagnostics).toContain('batch');
  });

  test('a bundle inside a batch entry is refused for that entry', async () => {
    const res = await post(s.app, '/', bundle('batch', [{ resource: bundle('batch', []), request: { method: 'POST', url: '/' } }]));
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toBe('400');
  });
});
