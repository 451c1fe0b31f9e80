import request from 'supertest';
import { BASE, issue, organization, post, put, testServer, type TestServer } from '../helpers/app';

let s: TestServer;
beforeEach(() => (s = testServer()));
afterEach(() => s.close());

describe('delete', () => {
  test('a deleted resource answers 410 Gone; its history keeps the deletion; it can be re-created', async () => {
    const { body } = await post(s.app, '/Organization', organization());
    const del = await request(s.app).delete(`/Organization/${body.id}`);
    expect(del.status).toBe(204);
    expect(del.headers.etag).toBe('W/"2"');
    const read = await request(s.app).get(`/Organization/${body.id}`);
    expect(read.status).toBe(410);
    expect(issue(read.body).code).toBe('deleted');
    expect((await request(s.app).get(`/Organization/${body.id}/_history/2`)).status).toBe(410);
    expect((await request(s.app).get(`/Organization/${body.id}/_history/1`)).status).toBe(200);
    const again = await request(s.app).delete(`/Organization/${body.id}`);
    expect(again.status).toBe(204);
    const hist = await request(s.app).get(`/Organization/${body.id}/_history`);
    expect(hist.body.entry.map((e: any) => e.request.method)).toEqual(['DELETE', 'POST']);
    const back = await put(s.app, `/Organization/${body.id}`, { ...organization(), id: body.id });
    expect(back.status).toBe(201);
    expect(back.body.meta.versionId).toBe('3');
  });

  test('deleting an unknown resource is a 404', async () => {
    expect((await request(s.app).delete('/Organization/unknown')).status).toBe(404);
  });

  test('If-Match on delete: a stale version is a 412 and the resource stays', async () => {
    const { body } = await post(s.app, '/Organization', organization());
    await put(s.app, `/Organization/${body.id}`, { ...body, name: 'v2' });
    const stale = await request(s.app).delete(`/Organization/${body.id}`).set('If-Match', 'W/"1"');
    expect(stale.status).toBe(412);
    expect((await request(s.app).get(`/Organization/${body.id}`)).status).toBe(200);
    expect((await request(s.app).delete(`/Organization/${body.id}`).set('If-Match', 'W/"2"')).status).toBe(204);
  });

  test('conditional delete: no match succeeds, one match is deleted, several are a 412', async () => {
    expect((await request(s.app).delete('/Organization?identifier=000')).status).toBe(204);
    const { body } = await post(s.app, '/Organization', organization('750000011'));
    expect((await request(s.app).delete('/Organization?identifier=750000011')).status).toBe(204);
    expect((await request(s.app).get(`/Organization/${body.id}`)).status).toBe(410);
    await post(s.app, '/Organization', organization('750000012'));
    await post(s.app, '/Organization', organization('750000012'));
    expect((await request(s.app).delete('/Organization?identifier=750000012')).status).toBe(412);
  });
});

describe('history', () => {
  test('instance, type and system history, newest first, with request and response details', async () => {
    const a = (await post(s.app, '/Organization', organization('1'))).body;
    await put(s.app, `/Organization/${a.id}`, { ...a, name: 'a2' });
    await post(s.app, '/Location', { resourceType: 'Location', name: 'Unité SSR' });

    const inst = await request(s.app).get(`/Organization/${a.id}/_history`);
    expect(inst.status).toBe(200);
    expect(inst.body).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 2 });
    expect(inst.body.entry[0]).toMatchObject({
      fullUrl: `${BASE}/Organization/${a.id}`,
      request: { method: 'PUT', url: `Organization/${a.id}` },
      response: { status: '200 OK', etag: 'W/"2"' },
    });
    expect(inst.body.entry[1].request).toEqual({ method: 'POST', url: 'Organization' });
    expect(inst.body.entry[1].resource.name).toBe('Hôpital Nord');

    const type = await request(s.app).get('/Organization/_history');
    expect(type.body.total).toBe(2);
    const system = await request(s.app).get('/_history');
    expect(system.body.total).toBe(3);
    expect(system.body.entry[0].resource.resourceType).toBe('Location');
  });

  test('_since keeps later versions only; a malformed _since is a 400 naming it', async () => {
    await post(s.app, '/Organization', organization('1'));
    await new Promise((r) => setTimeout(r, 5));
    const cut = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await post(s.app, '/Organization', organization('2'));
    const since = await request(s.app).get(`/_history?_since=${encodeURIComponent(cut)}`);
    expect(since.body.total).toBe(1);
    expect(since.body.entry[0].resource.identifier[0].value).toBe('2');
    const bad = await request(s.app).get('/_history?_since=yesterday');
    expect(bad.status).toBe(400);
    expect(issue(bad.body).expression).toEqual(['_since']);
  });

  test('_count and next links page through every version exactly once, even while data changes', async () => {
    for (let i = 0; i < 7; i++) await post(s.app, '/Organization', organization(String(i)));
    const seen: string[] = [];
    let url: string | undefined = '/Organization/_history?_count=3';
    let pages = 0;
    while (url) {
      const res = await request(s.app).get(url);
      expect(res.status).toBe(200);
      expect(res.body.entry.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.entry.map((e: any) => e.resource.identifier[0].value));
      if (pages++ === 0) await post(s.app, '/Organization', organization('late'));
      const next = res.body.link.find((l: any) => l.relation === 'next');
      url = next ? next.url.slice(BASE.length) : undefined;
    }
    expect(seen).toEqual(['6', '5', '4', '3', '2', '1', '0']);
  });

  test('a tampered cursor is a 400', async () => {
    const res = await request(s.app).get('/_history?_cursor=garbage');
    expect(res.status).toBe(400);
    issue(res.body);
  });
});
