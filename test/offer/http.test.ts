/**
 * The HTTP API of offer search (src/offer/http.ts) in the real app (its error handler renders the 400s and 403s as
 * OperationOutcomes), on the in-memory test index filled from the demo region through the indexer.
 */
import pino from 'pino';
import request from 'supertest';
import type { RequestHandler } from 'express';
import { createApp } from '../../src/http/app';
import type { Actor, Principal } from '../../src/kernel/actor';
import { offerRouter } from '../../src/offer/http';
import { SENSITIVE_UNIT_URL } from '../../src/security/redact';
import { systemActor } from '../../src/kernel/actor';
import { issue } from '../helpers/app';
import { offerTestServer, type OfferTestServer } from './helpers/demo';

let t: OfferTestServer;
let clock = Date.now();
let app: ReturnType<typeof createApp>;
const SENSITIVE = 'sensitive-unit';

const principal = (accessProfile: number): Principal => ({ kind: 'client', id: `p${accessProfile}`, role: 'consumer', finess: [], accessProfile, via: 'bearer' });
/** The caller of a request: header `x-profile` (an access profile), none: anonymous (public profile 0). */
const actorOf = (header: string | undefined): Actor => (header === undefined ? { kind: 'anonymous' } : header === 'admin' ? { kind: 'admin', name: 't' } : principal(Number(header)));

beforeAll(async () => {
  t = await offerTestServer();
  const org = (await t.s.store.search({ resourceTypes: ['Organization'], where: [], sort: [], count: 1, total: 'none' })).entries[0].id;
  await t.s.server.kernel.transaction(t.s.store, systemActor('test'), (tx) =>
    tx.put({ resourceType: 'HealthcareService', id: SENSITIVE, name: 'Unité protégée de cardiologie', providedBy: { reference: `Organization/${org}` }, extension: [{ url: SENSITIVE_UNIT_URL, valueBoolean: true }] }),
  );
  await t.indexer.drain();
  const router = offerRouter({ index: t.index, staleHours: 24, publicProfile: 0, now: () => clock });
  const authenticate: RequestHandler = (req, res, next) => {
    res.locals.actor = actorOf(req.headers['x-profile'] as string | undefined);
    router(req, res, next);
  };
  app = createApp(t.s.server.services, { logger: pino({ level: 'silent' }), maxBodyBytes: 1e6, authenticate });
});
afterAll(() => t.s.close());
beforeEach(() => {
  clock = Date.now();
});

/** A GET by a principal of access profile `profile` (default 3), or anonymously (`null`: the public profile, 0). */
const get = (path: string, profile: string | null = '3') => {
  const r = request(app).get(path);
  return profile === null ? r : r.set('x-profile', profile);
};

test('the answer shape: the unit, its establishment and location, beds, staleness, labels, score, facets', async () => {
  const res = await get('/offer/search?q=cardiologie');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.total).toBe(1);
  expect(res.body.next).toBeUndefined();
  const [hit] = res.body.results;
  expect(hit).toEqual({
    healthcareService: { id: await t.unitId('Cardiologie - hospitalisation complète'), name: 'Cardiologie - hospitalisation complète' },
    organization: { id: expect.any(String), name: 'CH DE FLEYRIAT', finess: '010000024', department: '01', region: '84' },
    location: { id: expect.any(String), commune: '01451', communeName: 'Viriat', position: { lat: 46.22229, lon: 5.20918 } },
    freeBeds: { total: 3, female: 2, male: 1, undetermined: 0 },
    installedBeds: 28,
    capacityUpdatedAt: expect.any(String),
    stale: false,
    ageRange: { low: 18, high: 120 },
    labels: {
      activity: [{ code: '013', label: 'Cardiologie générale' }],
      careMode: [{ code: '28', label: 'Hospitalisation complète (HC)' }],
      specialty: [],
      category: [
        { code: '149', label: 'Unité hospitalière de cardiologie' },
        { code: '01', label: 'Médecine, Chirurgie, Obstétrique (MCO)' },
      ],
      patientType: [],
      establishmentCategory: { code: '355', label: 'Centre Hospitalier (C.H.)' },
      legalStatus: { code: '1', label: 'Etablissement public de santé' },
    },
    score: expect.any(Number),
  });
  expect(Object.keys(res.body.facets).sort()).toEqual(['activity', 'careMode', 'category', 'department']);
  expect(res.body.facets.activity).toEqual([{ code: '013', label: 'Cardiologie générale', count: 1 }]);
});

test('filters: codes (repeated or comma-separated, ORed), department, region, commune, age', async () => {
  expect((await get('/offer/search?region=84')).body.total).toBe(5);
  expect((await get('/offer/search?department=973')).body.total).toBe(5);
  expect((await get('/offer/search?department=01,25')).body.total).toBe(7);
  expect((await get('/offer/search?commune=01451')).body.total).toBe(3);
  expect((await get('/offer/search?careMode=28&careMode=33')).body.total).toBeGreaterThanOrEqual(3);
  const young = await get('/offer/search?age=10');
  expect(young.body.results.map((r: any) => r.healthcareService.name)).toEqual(['Urgences', 'Urgences']);
  expect((await get('/offer/search?available=true&gender=male')).body.results.every((r: any) => r.freeBeds.male > 0)).toBe(true);
});

test('geo: near a position within a radius, each result with its distance, sorted by distance; near an INSEE commune', async () => {
  const res = await get('/offer/search?near=46.2052,5.2255&radius=10&sort=distance');
  expect(res.status).toBe(200);
  expect(res.body.total).toBe(5);
  const d = res.body.results.map((r: any) => r.distanceKm);
  expect(d).toEqual([...d].sort((a: number, b: number) => a - b));
  expect(d.every((x: number) => x > 0 && x <= 10)).toBe(true);
  const byCommune = await get('/offer/search?near=01451&radius=1');
  expect(byCommune.body.total).toBe(3);
  expect(byCommune.body.results[0].distanceKm).toBe(0);
  const unknown = await get('/offer/search?near=75056');
  expect(unknown.status).toBe(400);
  expect(issue(unknown.body)).toMatchObject({ expression: ['near'], diagnostics: expect.stringContaining('75056') });
});

test('paging: limit and cursor, the total of every match on each page', async () => {
  const first = await get('/offer/search?limit=5');
  expect(first.body).toMatchObject({ total: 12 });
  expect(first.body.results).toHaveLength(5);
  const seen = first.body.results.map((r: any) => r.healthcareService.id);
  let next = first.body.next;
  while (next) {
    const page = await get(`/offer/search?limit=5&cursor=${encodeURIComponent(next)}`);
    expect(page.body.total).toBe(12);
    seen.push(...page.body.results.map((r: any) => r.healthcareService.id));
    next = page.body.next;
  }
  expect(new Set(seen).size).toBe(12);
});

test.each([
  ['/offer/search?colour=blue', 'colour'],
  ['/offer/search?limit=0', 'limit'],
  ['/offer/search?limit=101', 'limit'],
  ['/offer/search?limit=ten', 'limit'],
  ['/offer/search?age=-1', 'age'],
  ['/offer/search?age=200', 'age'],
  ['/offer/search?gender=woman', 'gender'],
  ['/offer/search?available=yes', 'available'],
  ['/offer/search?fresh=1', 'fresh'],
  ['/offer/search?near=somewhere', 'near'],
  ['/offer/search?near=95,5', 'near'],
  ['/offer/search?radius=10', 'radius'],
  ['/offer/search?near=46,5&radius=0', 'radius'],
  ['/offer/search?near=46,5&radius=5000', 'radius'],
  ['/offer/search?sort=distance', 'sort'],
  ['/offer/search?sort=name', 'sort'],
  ['/offer/search?department=XX', 'department'],
  ['/offer/search?region=1', 'region'],
  ['/offer/search?commune=1451', 'commune'],
  ['/offer/search?activity=a%20b', 'activity'],
  ['/offer/search?q=a&q=b', 'q'],
  [`/offer/search?q=${'x'.repeat(201)}`, 'q'],
  ['/offer/search?cursor=%01', 'cursor'],
  ['/offer/facets?limit=5', 'limit'],
  ['/offer/suggest', 'q'],
  ['/offer/suggest?q=ca&limit=50', 'limit'],
  ['/offer/suggest?q=ca&near=46,5', 'near'],
])('%s is a 400 naming %s', async (path, name) => {
  const res = await get(path);
  expect(res.status).toBe(400);
  const i = issue(res.body);
  expect(i.code).toBe('invalid');
  expect(i.expression).toEqual([name]);
  expect(i.diagnostics).toContain(name);
});

describe('access profile 0 (the public) sees installed capacity only', () => {
  test('results carry installed beds, no free beds, update date nor staleness', async () => {
    const res = await get('/offer/search?q=cardiologie', null);
    expect(res.status).toBe(200);
    const [hit] = res.body.results;
    expect(hit.installedBeds).toBe(28);
    expect(hit).not.toHaveProperty('freeBeds');
    expect(hit).not.toHaveProperty('stale');
    expect(hit).not.toHaveProperty('capacityUpdatedAt');
  });

  test.each(['available=true', 'available=false', 'gender=female', 'fresh=true', 'sort=freeBeds'])('%s is a 403 saying why', async (param) => {
    const res = await get(`/offer/search?${param}`, '0');
    expect(res.status).toBe(403);
    expect(issue(res.body)).toMatchObject({ code: 'forbidden', diagnostics: expect.stringMatching(/access profile \(0\).*installed capacity only/) });
    expect((await get(`/offer/search?${param}`, null)).status).toBe(403);
    expect((await get(`/offer/search?${param}`, '1')).status).toBe(200);
  });
});

test('sensitive units: absent from results, totals, facets and suggestions below profile 4', async () => {
  for (const [profile, seen] of [['3', false], [null, false], ['4', true], ['admin', true]] as const) {
    const res = await get('/offer/search?q=cardiologie', profile);
    expect(res.body.total).toBe(seen ? 2 : 1);
    expect(res.body.results.some((r: any) => r.healthcareService.id === SENSITIVE)).toBe(seen);
    expect(res.body.facets.category.reduce((n: number, f: any) => n + f.count, 0)).toBe(res.body.total * 2 - (seen ? 2 : 0));
    const facets = await get('/offer/facets', profile);
    expect(facets.body.total).toBe(seen ? 13 : 12);
    const suggest = await get('/offer/suggest?q=unit', profile);
    expect(suggest.body.suggestions.some((s: any) => s.id === SENSITIVE)).toBe(seen);
  }
});

test('fresh=true keeps units whose capacity was updated within the staleness threshold; the others are stale', async () => {
  expect((await get('/offer/search?fresh=true')).body.total).toBe(10);
  clock = Date.now() + 25 * 3_600_000;
  const later = await get('/offer/search?fresh=true');
  expect(later.body.total).toBe(0);
  const all = await get('/offer/search?q=cardiologie');
  expect(all.body.results[0].stale).toBe(true);
});

test('facets: the whole region\'s counts by activity, care mode, specialty, category, department and region; filters allowed', async () => {
  const res = await get('/offer/facets');
  expect(res.status).toBe(200);
  expect(res.body.total).toBe(12);
  expect(res.body).not.toHaveProperty('results');
  expect(Object.keys(res.body.facets).sort()).toEqual(['activity', 'careMode', 'category', 'department', 'region', 'specialty']);
  expect(res.body.facets.region).toEqual([
    { code: '03', label: '03', count: 5 },
    { code: '84', label: '84', count: 5 },
    { code: '27', label: '27', count: 2 },
  ]);
  const filtered = await get('/offer/facets?region=27');
  expect(filtered.body.facets.department).toEqual([{ code: '25', label: '25', count: 2 }]);
});

test('suggest: units, establishments and communes by the beginning of their name', async () => {
  const res = await get('/offer/suggest?q=vir');
  expect(res.status).toBe(200);
  expect(res.body.suggestions).toEqual([{ kind: 'commune', id: '01451', label: 'Viriat' }]);
  const units = await get('/offer/suggest?q=cardio&limit=1');
  expect(units.body.suggestions).toEqual([{ kind: 'unit', id: await t.unitId('Cardiologie - hospitalisation complète'), label: 'Cardiologie - hospitalisation complète' }]);
});

test('other paths are left to the FHIR API', async () => {
  const res = await get('/HealthcareService?_count=1', 'admin');
  expect(res.status).toBe(200);
  expect(res.body.resourceType).toBe('Bundle');
});
