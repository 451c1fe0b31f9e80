/**
 * `GET /offer/search` and `/offer/facets` with `q` typed the way coordinators type it (src/offer/understand.ts,
 * src/offer/interpret.ts), on the composed server's embedded index holding the demo region: criteria words become
 * filters, places become a department or a radius, the answer says how `q` was understood, and a reading that finds
 * nothing falls back to the next one.
 */
import express from 'express';
import request from 'supertest';
import { loadDemoDataIfEmpty } from '../../src/demo/load-demo';
import { systemActor, type Actor } from '../../src/kernel/actor';
import { offerRouter } from '../../src/offer/http';
import { testServer, type TestServer } from '../helpers/app';

let s: TestServer;
beforeAll(async () => {
  s = testServer();
  await loadDemoDataIfEmpty(s.context(systemActor('demo')), { info: () => undefined });
  // A unit whose name holds a department's name (Savoie) while its establishment is in the Ain.
  const fleyriat = (await s.store.search({ resourceTypes: ['Organization'], where: [], sort: [], count: 100, total: 'none' })).entries.find((e) => JSON.parse(e.json).name === 'CH DE FLEYRIAT')!;
  await s.server.kernel.transaction(s.store, systemActor('test'), (tx) =>
    tx.put({ resourceType: 'HealthcareService', id: 'unite-savoie', active: true, name: 'Unité Savoie', providedBy: { reference: `Organization/${fleyriat.id}` } }),
  );
  expect(await s.server.offer.drain()).toBeGreaterThan(0);
});
afterAll(() => s.close());

const search = (params: Record<string, string>) => request(s.app).get('/offer/search').query(params);
const names = (body: any): string[] => body.results.map((r: any) => r.healthcareService.name);

test('criteria words become filters: "lit de médecine femme disponible" is médecine with a free bed for a woman', async () => {
  const res = await search({ q: 'lit de médecine femme disponible' });
  expect(res.status).toBe(200);
  expect(res.body.interpretation).toEqual({
    text: 'médecine',
    filters: { available: true, gender: 'female' },
    recognised: [
      { words: 'lit', as: 'filler' },
      { words: 'femme', as: 'gender', value: 'female' },
      { words: 'disponible', as: 'available' },
    ],
    reading: 'understood',
  });
  expect(names(res.body).sort()).toEqual(['Médecine gériatrique aiguë', 'Médecine polyvalente']);
  for (const r of res.body.results) expect(r.freeBeds.female).toBeGreaterThan(0);
  // The same units as the parameters the API has.
  const explicit = await search({ q: 'médecine', gender: 'female', available: 'true' });
  expect(names(res.body).sort()).toEqual(names(explicit.body).sort());
});

test('"près de <commune>" is a radius around it: the CH of Bourg-en-Bresse is in Viriat', async () => {
  const res = await search({ q: 'urgences près de Bourg-en-Bresse' });
  expect(res.status).toBe(200);
  expect(res.body.interpretation.filters.near).toEqual({ commune: '01053', name: 'Bourg-en-Bresse', lat: expect.any(Number), lon: expect.any(Number), radiusKm: 20 });
  expect(res.body.interpretation.recognised).toEqual([{ words: 'près de Bourg-en-Bresse', as: 'commune', value: '01053', label: 'Bourg-en-Bresse' }]);
  expect(res.body.interpretation.text).toBe('urgences');
  expect(res.body.results.map((r: any) => [r.healthcareService.name, r.organization.name, r.location.communeName])).toEqual([['Urgences', 'CH DE FLEYRIAT', 'Viriat']]);
  expect(res.body.results[0].distanceKm).toBeLessThan(20);
});

test('a commune named alone is text first, and a radius around it when the words find nothing', async () => {
  const res = await search({ q: 'urgences bourg en bresse' });
  expect(res.status).toBe(200);
  expect(res.body.interpretation).toMatchObject({ text: 'urgences', reading: 'placed', filters: { near: { commune: '01053' } } });
  expect(names(res.body)).toEqual(['Urgences']);
  // Words that find units as text keep doing so: the establishment's name holds "convert".
  const text = await search({ q: 'chirurgie convert bourg' });
  expect(text.body.interpretation).toEqual({ text: 'chirurgie convert bourg', filters: {}, recognised: [], reading: 'understood' });
  expect(text.body.total).toBe(2);
});

test('a department in words or in brackets is a department filter, in the results and the facets', async () => {
  const res = await search({ q: 'maison de retraite en Guyane' });
  expect(res.status).toBe(200);
  expect(res.body.interpretation).toMatchObject({ text: 'maison de retraite', filters: { department: ['973'] }, recognised: [{ words: 'en Guyane', as: 'department', value: '973', label: 'Guyane' }] });
  expect(names(res.body).sort()).toEqual(['Hébergement permanent', "Hébergement temporaire d'urgence"]);
  const facets = await request(s.app).get('/offer/facets').query({ q: 'cardiologie (01)' });
  expect(facets.status).toBe(200);
  expect(facets.body.total).toBe(1);
  expect(facets.body.facets.department).toEqual([{ code: '01', label: '01', count: 1 }]);
  expect(facets.body.interpretation.filters).toEqual({ department: ['01'] });
});

test('a reading that finds nothing falls back to the words as typed', async () => {
  // "savoie" is a department (73), but here the name of a unit of the Ain.
  const res = await search({ q: 'unité savoie' });
  expect(res.status).toBe(200);
  expect(res.body.interpretation).toEqual({ text: 'unité savoie', filters: {}, recognised: [], reading: 'typed' });
  expect(names(res.body)).toEqual(['Unité Savoie']);
});

test('when no reading finds anything, the answer says how q was understood', async () => {
  // Viriat is 4 km from Bourg-en-Bresse: nothing within 2 km.
  const res = await search({ q: 'urgences près de Bourg-en-Bresse', radius: '2' });
  expect(res.status).toBe(200);
  expect(res.body.total).toBe(0);
  expect(res.body.interpretation).toMatchObject({ reading: 'understood', filters: { near: { commune: '01053', radiusKm: 2 } } });
});

test('a parameter of the same kind wins over the words, which stay text', async () => {
  const res = await search({ q: 'médecine lit femme', gender: 'male' });
  expect(res.status).toBe(200);
  expect(res.body.interpretation.recognised).toEqual([{ words: 'lit', as: 'filler' }]);
  expect(res.body.interpretation.text).toBe('médecine lit femme'.replace(' lit', ''));
  const near = await search({ q: 'cardiologie près de Pontarlier', near: '46.2,5.2', radius: '30' });
  expect(near.body.interpretation.recognised).toEqual([]);
});

test('paging a search understood from q: the cursor belongs to the reading that made it', async () => {
  const first = await search({ q: 'chirurgie autour de Bourg-en-Bresse', limit: '1' });
  expect(first.status).toBe(200);
  expect(first.body.total).toBe(2);
  const second = await search({ q: 'chirurgie autour de Bourg-en-Bresse', limit: '1', cursor: first.body.next });
  expect(second.status).toBe(200);
  expect(names(second.body)).toHaveLength(1);
  expect(names(second.body)).not.toEqual(names(first.body));
  // A cursor of another search is refused, not a server error.
  const other = await search({ q: 'urgences', limit: '1', cursor: first.body.next });
  expect(other.status).toBe(400);
});

test('radius and sort=distance take the commune of q, and need one', async () => {
  const sorted = await search({ q: 'chirurgie près de Bourg-en-Bresse', sort: 'distance', radius: '50' });
  expect(sorted.status).toBe(200);
  expect(sorted.body.interpretation.filters.near.radiusKm).toBe(50);
  const d = sorted.body.results.map((r: any) => r.distanceKm);
  expect(d).toEqual([...d].sort((a, b) => a - b));
  for (const [params, name] of [
    [{ q: 'urgences', radius: '5' }, 'radius'],
    [{ q: 'urgences', sort: 'distance' }, 'sort'],
    [{ radius: '5' }, 'radius'],
  ] as const) {
    const res = await search(params);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual([name]);
  }
});

test('a caller who does not see availability gets its words dropped, not applied, and no 403', async () => {
  const anonymous: Actor = { kind: 'anonymous' };
  const app = express();
  app.use((_req, res, next) => {
    res.locals.actor = anonymous;
    next();
  });
  app.use(offerRouter({ index: s.server.offerIndex, staleHours: 24, publicProfile: 0 }));
  const res = await request(app).get('/offer/search').query({ q: 'cardiologie lits disponibles' });
  expect(res.status).toBe(200);
  expect(res.body.interpretation.filters).toEqual({});
  expect(res.body.interpretation.recognised).toEqual([
    { words: 'lits', as: 'filler' },
    { words: 'disponibles', as: 'available', note: expect.stringMatching(/access profile \(0\)/) },
  ]);
  expect(names(res.body)).toEqual(['Cardiologie - hospitalisation complète']);
  expect(res.body.results[0].freeBeds).toBeUndefined();
});
