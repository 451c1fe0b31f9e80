/**
 * Offer search as `npm start` serves it: the composed server's embedded index (SQLite FTS5 + R*Tree), fed by the
 * kernel's write path, answering /offer/search, /offer/suggest and /offer/facets through authentication and the
 * caller's visibility. French text the way people type it; a bed update reaches the index at the next drain.
 */
import request from 'supertest';
import { loadDemoDataIfEmpty } from '../../src/demo/load-demo';
import { systemActor } from '../../src/kernel/actor';
import { FHIR_JSON, testServer, type TestServer } from '../helpers/app';
import { freeBedsParameters } from '../helpers/ror';

let s: TestServer;
beforeAll(async () => {
  s = testServer();
  await loadDemoDataIfEmpty(s.context(systemActor('demo')), { info: () => undefined });
  expect(await s.server.offer.drain()).toBeGreaterThan(0);
});
afterAll(() => s.close());

const search = (query: string) => request(s.app).get(`/offer/search?${query}`);
const names = (body: any) => body.results.map((r: any) => r.healthcareService.name);

test('every demo unit is indexed', async () => {
  expect(await s.server.offerIndex.count()).toBe(12);
  const all = await search('limit=100');
  expect(all.status).toBe(200);
  expect(all.body.total).toBe(12);
});

test.each([
  ['urgences', 'Urgences'],
  ['URGENCE', 'Urgences'],
  ['urg', 'Urgences'],
])('q=%s finds %s (case, plural, prefix)', async (q, unit) => {
  const res = await search(`q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  expect(names(res.body)).toContain(unit);
});

test('a French phrase with accents left out and stop words finds the units by their activity labels', async () => {
  const res = await search(`q=${encodeURIComponent('soins de suite readaptation')}`);
  expect(res.status).toBe(200);
  expect(res.body.total).toBeGreaterThan(0);
  for (const r of res.body.results) expect(JSON.stringify(r.labels).toLowerCase()).toMatch(/r[ée]adaptation|ssr|smr/);
});

test('facets count every match, and the suggest endpoint completes a name', async () => {
  const facets = await request(s.app).get('/offer/facets');
  expect(facets.status).toBe(200);
  const departments = facets.body.facets.department as { code: string; count: number }[];
  expect(departments.reduce((n, d) => n + d.count, 0)).toBe(12);
  const suggest = await request(s.app).get('/offer/suggest?q=urg');
  expect(suggest.status).toBe(200);
  expect(suggest.body.suggestions.map((x: any) => x.label)).toContain('Urgences');
});

test('a bed update is in offer search after the next drain', async () => {
  const res = await search('limit=100');
  const target = res.body.results.find((r: any) => r.location?.id);
  const before = target.freeBeds?.total ?? 0;
  const set = await request(s.app)
    .post(`/Location/${target.location.id}/$set-capacity`)
    .set('Content-Type', FHIR_JSON)
    .send(JSON.stringify(freeBedsParameters(before + 7, '03')));
  expect(set.status).toBe(200);
  await s.server.offer.drain();
  const after = await search('limit=100');
  const updated = after.body.results.find((r: any) => r.healthcareService.id === target.healthcareService.id);
  expect(updated.freeBeds.total).toBeGreaterThan(before);
});

test('a bad parameter is a 400 naming it', async () => {
  const res = await search('near=abc');
  expect(res.status).toBe(400);
  expect(res.body.resourceType).toBe('OperationOutcome');
});

describe('confidentiality on the real index', () => {
  const SENSITIVE = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice-sensitive-unit';
  test('a sensitive unit is absent for the public and a consumer of profile 3, present for an analyst; the public gets no free beds', async () => {
    const { secureServer, testIdp, BOOTSTRAP } = await import('../security/helpers/principals');
    const idp = await testIdp();
    const sec = secureServer(idp);
    try {
      const entries = [
        { resourceType: 'Organization', id: 'org-1', name: 'CH de Test', identifier: [{ system: 'https://finess.esante.gouv.fr', value: '010000024' }] },
        { resourceType: 'HealthcareService', id: 'hs-open', name: 'Addictologie ouverte', providedBy: { reference: 'Organization/org-1' } },
        { resourceType: 'HealthcareService', id: 'hs-secret', name: 'Addictologie protégée', providedBy: { reference: 'Organization/org-1' }, extension: [{ url: SENSITIVE, valueBoolean: true }] },
      ].map((r) => ({ request: { method: 'PUT', url: `${r.resourceType}/${r.id}` }, resource: r }));
      const loaded = await request(sec.app)
        .post('/')
        .set('Authorization', `Bearer ${BOOTSTRAP}`)
        .set('Content-Type', FHIR_JSON)
        .send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }));
      expect(loaded.status).toBe(200);
      await sec.server.offer.drain();
      const ids = (body: any) => body.results.map((r: any) => r.healthcareService.id).sort();
      const anonymous = await request(sec.app).get('/offer/search?q=addictologie');
      expect({ total: anonymous.body.total, ids: ids(anonymous.body) }).toEqual({ total: 1, ids: ['hs-open'] });
      expect(anonymous.body.results[0].freeBeds).toBeUndefined();
      expect((await request(sec.app).get('/offer/search?q=addictologie&available=true')).status).toBe(403);
      const consumer = await request(sec.app).get('/offer/search?q=addictologie').set('Authorization', `Bearer ${await idp.token({ role: 'consumer', access_profile: 3 })}`);
      expect(ids(consumer.body)).toEqual(['hs-open']);
      expect(JSON.stringify((await request(sec.app).get('/offer/suggest?q=addicto')).body)).not.toContain('protégée');
      const analyst = await request(sec.app).get('/offer/search?q=addictologie').set('Authorization', `Bearer ${await idp.token({ role: 'analyst' })}`);
      expect({ total: analyst.body.total, ids: ids(analyst.body) }).toEqual({ total: 2, ids: ['hs-open', 'hs-secret'] });
    } finally {
      await sec.close();
    }
  });
});
