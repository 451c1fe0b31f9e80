import request from 'supertest';
import { issue, organization, post, testServer, type TestServer } from '../helpers/app';

let s: TestServer;
beforeEach(() => (s = testServer({ maxBodyBytes: 2048 })));
afterEach(() => s.close());

describe('content negotiation', () => {
  test('application/json is accepted for bodies and echoed when asked for', async () => {
    const res = await request(s.app).post('/Organization').set('Content-Type', 'application/json').set('Accept', 'application/json').send(JSON.stringify(organization()));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  test('_format=json is accepted; _format=xml is a 406', async () => {
    const { body } = await post(s.app, '/Organization', organization());
    expect((await request(s.app).get(`/Organization/${body.id}?_format=json`)).status).toBe(200);
    const xml = await request(s.app).get(`/Organization/${body.id}?_format=xml`);
    expect(xml.status).toBe(406);
    expect(xml.headers['content-type']).toMatch(/json/);
    issue(xml.body);
  });

  test('Accept: application/fhir+xml is a 406; a browser Accept with */* is served', async () => {
    const { body } = await post(s.app, '/Organization', organization());
    const xml = await request(s.app).get(`/Organization/${body.id}`).set('Accept', 'application/fhir+xml');
    expect(xml.status).toBe(406);
    issue(xml.body);
    const browser = await request(s.app).get(`/Organization/${body.id}`).set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    expect(browser.status).toBe(200);
  });

  test('an XML body is a 415; a body without Content-Type is a 415', async () => {
    const xml = await request(s.app).post('/Organization').set('Content-Type', 'application/fhir+xml').send('<Organization xmlns="http://hl7.org/fhir"/>');
    expect(xml.status).toBe(415);
    expect(issue(xml.body).diagnostics).toMatch(/XML/);
    const none = await request(s.app).post('/Organization').set('Content-Type', '').send(Buffer.from('{}'));
    expect(none.status).toBe(415);
    const csv = await request(s.app).post('/Organization').set('Content-Type', 'text/csv').send('a,b\n1,2\n');
    expect(csv.status).toBe(415);
  });
});

describe('errors are OperationOutcomes', () => {
  test('malformed JSON is a 400', async () => {
    const res = await request(s.app).post('/Organization').set('Content-Type', 'application/fhir+json').send('{"resourceType": "Organization",');
    expect(res.status).toBe(400);
    expect(issue(res.body).diagnostics).toMatch(/JSON/);
  });

  test('a body over the configured limit is a 413', async () => {
    const big = { ...organization(), alias: Array.from({ length: 200 }, (_, i) => `alias ${i}`) };
    const res = await post(s.app, '/Organization', big);
    expect(res.status).toBe(413);
    expect(issue(res.body).diagnostics).toMatch(/2048/);
  });

  test('a method not allowed is a 405 with Allow', async () => {
    const res = await request(s.app).delete('/metadata');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    issue(res.body);
    const post = await request(s.app).post('/Organization/123').set('Content-Type', 'application/fhir+json').send('{}');
    expect(post.status).toBe(405);
    const options = await request(s.app).options('/Organization');
    expect(options.status).toBe(405);
  });

  test('an unknown path is a 404', async () => {
    const res = await request(s.app).get('/Organization/1/_history/1/extra');
    expect(res.status).toBe(404);
    issue(res.body);
  });

  test('a server fault is a 500 without stack trace', async () => {
    const broken = testServer();
    jest.spyOn(broken.store, 'read').mockRejectedValueOnce(new Error('disk on fire at /secret/path'));
    const res = await request(broken.app).get('/Organization/abc');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/secret|disk on fire|at /);
    expect(issue(res.body).code).toBe('exception');
    expect(res.headers['x-request-id']).toBeDefined();
    await broken.close();
  });

  test('a client X-Request-Id is echoed', async () => {
    const res = await request(s.app).get('/metadata').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});

describe('probes and capabilities', () => {
  test('healthz and readyz', async () => {
    expect((await request(s.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(s.app).get('/readyz')).status).toBe(200);
    jest.spyOn(s.store, 'ping').mockRejectedValueOnce(new Error('down'));
    expect((await request(s.app).get('/readyz')).status).toBe(503);
  });

  test('the CapabilityStatement lists every R4 type with its interactions and search parameters', async () => {
    const res = await request(s.app).get('/metadata');
    expect(res.status).toBe(200);
    const cs = res.body;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const types = cs.rest[0].resource.map((r: any) => r.type);
    expect(types.length).toBeGreaterThanOrEqual(140);
    for (const t of ['Organization', 'HealthcareService', 'Location', 'Practitioner', 'PractitionerRole', 'Task', 'Subscription', 'AuditEvent']) {
      expect(types).toContain(t);
    }
    const loc = cs.rest[0].resource.find((r: any) => r.type === 'Location');
    expect(loc.interaction.map((i: any) => i.code)).toEqual(expect.arrayContaining(['read', 'vread', 'update', 'patch', 'delete', 'create', 'search-type', 'history-instance']));
    expect(loc.searchParam.map((p: any) => p.name)).toEqual(expect.arrayContaining(['near', 'address-city', 'identifier']));
    expect(loc.operation.map((o: any) => o.name)).toContain('validate');
    expect(cs.rest[0].interaction.map((i: any) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch', 'history-system']));
  });
});

describe('$validate', () => {
  test('answers an OperationOutcome for valid and invalid resources, without storing', async () => {
    const ok = await post(s.app, '/Organization/$validate', organization());
    expect(ok.status).toBe(200);
    expect(ok.body.resourceType).toBe('OperationOutcome');
    expect(ok.body.issue.every((i: any) => i.severity !== 'error')).toBe(true);
    const bad = await post(s.app, '/Organization/$validate', { ...organization(), active: 'maybe' });
    expect(bad.status).toBe(200);
    expect(bad.body.issue.some((i: any) => i.severity === 'error')).toBe(true);
    expect((await request(s.app).get('/_history')).body.total).toBe(0);
    const unknownOp = await post(s.app, '/Organization/$frobnicate', {});
    expect(unknownOp.status).toBe(404);
  });
});
