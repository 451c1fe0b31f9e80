import request from 'supertest';
import { BASE, FHIR_JSON, issue, organization, post, put, testServer, type TestServer } from '../helpers/app';

let s: TestServer;
beforeEach(() => (s = testServer()));
afterEach(() => s.close());

describe('create', () => {
  test('POST assigns an id, version 1, and answers 201 with Location, ETag, Last-Modified', async () => {
    const res = await post(s.app, '/Organization', { ...organization(), id: 'ignored' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.id).not.toBe('ignored');
    expect(res.body.meta.versionId).toBe('1');
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers.location).toBe(`${BASE}/Organization/${res.body.id}/_history/1`);
    expect(new Date(res.headers['last-modified']).getTime()).toBeLessThanOrEqual(Date.now());
    expect(res.body.name).toBe('Hôpital Nord');
  });

  test('resourceType in the body must match the URL', async () => {
    const res = await post(s.app, '/Location', organization());
    expect(res.status).toBe(400);
    expect(issue(res.body).diagnostics).toMatch(/Organization.*Location|Location.*Organization/);
  });

  test('an invalid resource is refused with the element path, nothing is stored', async () => {
    const res = await post(s.app, '/Organization', { ...organization(), active: 'yes' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.issue.map((i: any) => i.expression))).toContain('Organization.active');
    const hist = await request(s.app).get('/Organization/_history');
    expect(hist.body.total).toBe(0);
  });

  test('If-None-Exist: no match creates, one match returns it (200), several are a 412', async () => {
    const query = 'identifier=http://finess.sante.gouv.fr|750000001';
    const first = await post(s.app, '/Organization', organization()).set('If-None-Exist', query);
    expect(first.status).toBe(201);
    const again = await post(s.app, '/Organization', organization()).set('If-None-Exist', query);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    await post(s.app, '/Organization', organization('750000002', 'A'));
    await post(s.app, '/Organization', organization('750000002', 'B'));
    const several = await post(s.app, '/Organization', organization()).set('If-None-Exist', 'identifier=750000002');
    expect(several.status).toBe(412);
    issue(several.body);
  });
});

describe('read and vread', () => {
  test('read returns the stored resource with ETag and Last-Modified; vread each version', async () => {
    const created = (await post(s.app, '/Organization', organization())).body;
    await put(s.app, `/Organization/${created.id}`, { ...created, name: 'Hôpital Nord (site 2)' });
    const read = await request(s.app).get(`/Organization/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe('W/"2"');
    expect(read.headers['last-modified']).toBeDefined();
    expect(read.body.name).toBe('Hôpital Nord (site 2)');
    const v1 = await request(s.app).get(`/Organization/${created.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.name).toBe('Hôpital Nord');
    expect(v1.headers.etag).toBe('W/"1"');
    const v9 = await request(s.app).get(`/Organization/${created.id}/_history/9`);
    expect(v9.status).toBe(404);
    issue(v9.body);
  });

  test('no cache may keep an answer (live figures, caller-dependent): Cache-Control no-store; If-None-Match still answers 304', async () => {
    const created = (await post(s.app, '/Organization', organization())).body;
    const read = await request(s.app).get(`/Organization/${created.id}`);
    expect(read.headers['cache-control']).toBe('no-store');
    expect((await request(s.app).get('/Organization?name=Nord')).headers['cache-control']).toBe('no-store');
    expect((await request(s.app).get('/Organization/nope')).headers['cache-control']).toBe('no-store');
    const again = await request(s.app).get(`/Organization/${created.id}`).set('If-None-Match', read.headers.etag);
    expect(again.status).toBe(304);
  });

  test('unknown id 404, unknown type 404, malformed id 400', async () => {
    expect((await request(s.app).get('/Organization/nope')).status).toBe(404);
    const unknownType = await request(s.app).get('/Hospital/1');
    expect(unknownType.status).toBe(404);
    expect(issue(unknownType.body).diagnostics).toContain('Hospital');
    const badId = await request(s.app).get('/Organization/' + 'x'.repeat(65));
    expect(badId.status).toBe(400);
    expect((await request(s.app).get('/Organization/a_b')).status).toBe(400);
  });

  test('If-None-Match with the current version answers 304; another version 200', async () => {
    const created = (await post(s.app, '/Organization', organization())).body;
    const same = await request(s.app).get(`/Organization/${created.id}`).set('If-None-Match', 'W/"1"');
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    const other = await request(s.app).get(`/Organization/${created.id}`).set('If-None-Match', 'W/"0"');
    expect(other.status).toBe(200);
  });

  test('If-Modified-Since: 304 when not modified since', async () => {
    const created = await post(s.app, '/Organization', organization());
    const later = new Date(Date.now() + 5000).toUTCString();
    const res = await request(s.app).get(`/Organization/${created.body.id}`).set('If-Modified-Since', later);
    expect(res.status).toBe(304);
    const earlier = new Date(Date.now() - 3600_000).toUTCString();
    expect((await request(s.app).get(`/Organization/${created.body.id}`).set('If-Modified-Since', earlier)).status).toBe(200);
  });

  test('_pretty indents, _elements and _summary trim the resource', async () => {
    const created = (await post(s.app, '/Organization', organization())).body;
    const pretty = await request(s.app).get(`/Organization/${created.id}?_pretty=true`);
    expect(pretty.text).toContain('\n  "resourceType"');
    const elements = await request(s.app).get(`/Organization/${created.id}?_elements=name`);
    expect(elements.body.name).toBe('Hôpital Nord');
    expect(elements.body.address).toBeUndefined();
    expect(elements.body.id).toBe(created.id);
    const summary = await request(s.app).get(`/Organization/${created.id}?_summary=true`);
    expect(summary.body.name).toBe('Hôpital Nord');
  });
});

describe('update', () => {
  test('PUT creates with a client id (201), then updates (200) with a new version', async () => {
    const body = { ...organization(), id: 'org-1' };
    const created = await put(s.app, '/Organization/org-1', body);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`${BASE}/Organization/org-1/_history/1`);
    const updated = await put(s.app, '/Organization/org-1', { ...body, name: 'Renamed' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect(updated.headers.etag).toBe('W/"2"');
  });

  test('an update that changes nothing keeps the current version', async () => {
    const body = { ...organization(), id: 'same' };
    await put(s.app, '/Organization/same', body);
    const again = await put(s.app, '/Organization/same', body);
    expect(again.status).toBe(200);
    expect(again.body.meta.versionId).toBe('1');
  });

  test('the body id must be present and match the URL', async () => {
    const mismatch = await put(s.app, '/Organization/a', { ...organization(), id: 'b' });
    expect(mismatch.status).toBe(400);
    expect(issue(mismatch.body).diagnostics).toMatch(/id/);
    const missing = await put(s.app, '/Organization/a', organization());
    expect(missing.status).toBe(400);
  });

  test('If-Match: the current version passes, another is a 412 and nothing changes', async () => {
    const body = { ...organization(), id: 'm' };
    await put(s.app, '/Organization/m', body);
    const ok = await put(s.app, '/Organization/m', { ...body, name: 'v2' }).set('If-Match', 'W/"1"');
    expect(ok.status).toBe(200);
    const stale = await put(s.app, '/Organization/m', { ...body, name: 'v3' }).set('If-Match', 'W/"1"');
    expect(stale.status).toBe(412);
    expect(issue(stale.body).diagnostics).toContain('W/"2"');
    expect((await request(s.app).get('/Organization/m')).body.name).toBe('v2');
    const onMissing = await put(s.app, '/Organization/new', { ...body, id: 'new' }).set('If-Match', 'W/"1"');
    expect(onMissing.status).toBe(412);
  });

  test('conditional update: no match creates, one match updates, several are a 412', async () => {
    const q = '/Organization?identifier=http://finess.sante.gouv.fr|750000009';
    const created = await put(s.app, q, organization('750000009', 'First'));
    expect(created.status).toBe(201);
    const updated = await put(s.app, q, organization('750000009', 'Second'));
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta.versionId).toBe('2');
    const wrongId = await put(s.app, q, { ...organization('750000009'), id: 'other' });
    expect(wrongId.status).toBe(400);
    await post(s.app, '/Organization', organization('750000009', 'Twin'));
    const several = await put(s.app, q, organization('750000009', 'Third'));
    expect(several.status).toBe(412);
  });

  test('conditional update without criteria is a 400', async () => {
    const res = await put(s.app, '/Organization', organization());
    expect(res.status).toBe(400);
  });
});

describe('Prefer', () => {
  test('return=minimal: no body; return=OperationOutcome: an outcome; representation: the resource', async () => {
    const minimal = await post(s.app, '/Organization', organization()).set('Prefer', 'return=minimal');
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toBeDefined();
    const oo = await post(s.app, '/Organization', organization()).set('Prefer', 'return=OperationOutcome');
    expect(oo.status).toBe(201);
    expect(oo.body.resourceType).toBe('OperationOutcome');
    const rep = await post(s.app, '/Organization', organization()).set('Prefer', 'return=representation');
    expect(rep.body.resourceType).toBe('Organization');
  });
});

describe('every R4 resource type is served', () => {
  test.each(['Practitioner', 'PractitionerRole', 'HealthcareService', 'Location', 'Task', 'Measure', 'Endpoint', 'Provenance', 'Basic'])(
    '%s create + read',
    async (type) => {
      const body: Record<string, unknown> = { resourceType: type };
      if (type === 'Task') Object.assign(body, { status: 'requested', intent: 'order' });
      if (type === 'Measure') Object.assign(body, { status: 'active' });
      if (type === 'Endpoint') Object.assign(body, { status: 'active', connectionType: { code: 'hl7-fhir-rest' }, payloadType: [{ text: 'any' }], address: 'https://x.example/fhir' });
      if (type === 'Provenance') Object.assign(body, { target: [{ reference: 'Organization/x' }], recorded: '2026-01-01T00:00:00Z', agent: [{ who: { display: 'sync' } }] });
      if (type === 'Basic') Object.assign(body, { code: { text: 'x' } });
      const created = await post(s.app, `/${type}`, body);
      expect(created.status).toBe(201);
      const read = await request(s.app).get(`/${type}/${created.body.id}`).set('Accept', FHIR_JSON);
      expect(read.status).toBe(200);
    },
  );
});
