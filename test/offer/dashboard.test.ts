/**
 * The dashboard's figures (src/offer/dashboard.ts) in the real app, on the in-memory test index filled from the demo
 * region: each figure agrees with the offer search that lists the units behind it (the dashboard links to those
 * searches), the caller's visibility applies as in search (sensitive units, profile 0), and the whole index is read
 * however many pages it takes.
 */
import pino from 'pino';
import request from 'supertest';
import type { RequestHandler } from 'express';
import { createApp } from '../../src/http/app';
import type { Actor, Principal } from '../../src/kernel/actor';
import { systemActor } from '../../src/kernel/actor';
import { computeDashboard, dashboardRouter, MAX_LISTED } from '../../src/offer/dashboard';
import { offerRouter } from '../../src/offer/http';
import { SENSITIVE_UNIT_URL } from '../../src/security/redact';
import type { OfferDocument } from '../../src/store/offer-index';
import { issue } from '../helpers/app';
import { offerTestServer, type OfferTestServer } from './helpers/demo';
import { MemoryOfferIndex } from './helpers/memory-offer-index';

let t: OfferTestServer;
let clock = Date.now();
let app: ReturnType<typeof createApp>;

const principal = (accessProfile: number): Principal => ({ kind: 'client', id: `p${accessProfile}`, role: 'consumer', finess: [], accessProfile, via: 'bearer' });
const actorOf = (header: string | undefined): Actor => (header === undefined ? { kind: 'anonymous' } : header === 'admin' ? { kind: 'admin', name: 't' } : principal(Number(header)));

beforeAll(async () => {
  t = await offerTestServer();
  const org = (await t.s.store.search({ resourceTypes: ['Organization'], where: [], sort: [], count: 1, total: 'none' })).entries[0].id;
  await t.s.server.kernel.transaction(t.s.store, systemActor('test'), (tx) =>
    tx.put({ resourceType: 'HealthcareService', id: 'sensitive-unit', name: 'Unité protégée', providedBy: { reference: `Organization/${org}` }, extension: [{ url: SENSITIVE_UNIT_URL, valueBoolean: true }] }),
  );
  await t.indexer.drain();
  const deps = { index: t.index, staleHours: 24, publicProfile: 0, now: () => clock };
  const routers = [offerRouter(deps), dashboardRouter(deps)];
  const authenticate: RequestHandler = (req, res, next) => {
    res.locals.actor = actorOf(req.headers['x-profile'] as string | undefined);
    next();
  };
  app = createApp(t.s.server.services, { logger: pino({ level: 'silent' }), maxBodyBytes: 1e6, authenticate, apiRouters: routers });
});
afterAll(() => t.s.close());
beforeEach(() => {
  clock = Date.now();
});

const get = (path: string, profile: string | null = '3') => {
  const r = request(app).get(path);
  return profile === null ? r : r.set('x-profile', profile);
};
const total = async (search: string, profile = '3') => {
  const res = await get(`/offer/search?${search}`, profile);
  expect(res.status).toBe(200);
  return res.body.total as number;
};

test('each figure is the number of units the matching search lists', async () => {
  const res = await get('/offer/dashboard');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const d = res.body;
  expect(d.availability).toBe(true);
  expect(d.totals.units).toBe(await total(''));
  expect(d.totals.unitsWithFreeBeds).toBe(await total('available=true'));
  expect(d.totals.staleUnits).toBe(d.totals.units - (await total('fresh=true')));
  expect(d.totals.staleShare).toBeCloseTo(d.totals.staleUnits / d.totals.units);
  expect(d.byDepartment.map((x: any) => x.code)).toEqual(['01', '25', '973']);
  for (const dep of d.byDepartment) {
    expect(dep.units).toBe(await total(`department=${dep.code}`));
    expect(dep.unitsWithFreeBeds).toBe(await total(`department=${dep.code}&available=true`));
  }
  for (const act of d.byActivity) {
    expect(act.units).toBe(await total(`activity=${act.code}`));
    expect(act.label).not.toBe(act.code);
  }
  // Free beds are the sum of the units' free beds, as search shows them.
  const all = await get('/offer/search?limit=100');
  const free = all.body.results.reduce((s: number, r: any) => s + r.freeBeds.total, 0);
  const installed = all.body.results.reduce((s: number, r: any) => s + r.installedBeds, 0);
  expect(d.totals.freeBeds).toBe(free);
  expect(d.totals.installedBeds).toBe(installed);
  expect(d.byDepartment.reduce((s: number, x: any) => s + x.freeBeds, 0)).toBe(free);
});

test('stale and never-updated units: counted and listed, oldest first', async () => {
  const now = await get('/offer/dashboard');
  const neverIds = now.body.neverUpdatedUnits.units.map((u: any) => u.id);
  expect(now.body.totals.neverUpdatedUnits).toBe(neverIds.length);
  expect(now.body.neverUpdatedUnits.units.every((u: any) => u.capacityUpdatedAt === undefined)).toBe(true);
  // Three days later every figure entered today is stale; the never-updated ones stay apart.
  clock += 72 * 3_600_000;
  const later = await get('/offer/dashboard');
  expect(later.body.totals.staleUnits).toBe(later.body.totals.units);
  expect(later.body.totals.staleShare).toBe(1);
  expect(later.body.staleUnits.units).toHaveLength(later.body.totals.units - neverIds.length);
  const dates = later.body.staleUnits.units.map((u: any) => u.capacityUpdatedAt);
  expect(dates).toEqual([...dates].sort());
  expect(later.body.staleUnits.units[0]).toEqual({ id: expect.any(String), name: expect.any(String), organization: { id: expect.any(String), name: expect.any(String) }, department: expect.any(String), capacityUpdatedAt: expect.any(String) });
});

test('visibility: sensitive units only for those who may see them; profile 0 gets installed capacity only', async () => {
  const coordinator = (await get('/offer/dashboard', '2')).body;
  const admin = (await get('/offer/dashboard', 'admin')).body;
  expect(admin.totals.units).toBe(coordinator.totals.units + 1);
  expect(JSON.stringify(coordinator)).not.toContain('sensitive-unit');
  expect(JSON.stringify(admin.neverUpdatedUnits)).toContain('sensitive-unit');

  const pub = await get('/offer/dashboard', null);
  expect(pub.status).toBe(200);
  expect(pub.body.availability).toBe(false);
  expect(pub.body.totals).toEqual({ units: coordinator.totals.units, installedBeds: coordinator.totals.installedBeds });
  expect(pub.body.staleUnits).toBeUndefined();
  expect(pub.body.neverUpdatedUnits).toBeUndefined();
  for (const dep of pub.body.byDepartment) expect(Object.keys(dep).sort()).toEqual(['code', 'installedBeds', 'units']);
});

test('a parameter is refused with a 400 naming it', async () => {
  const res = await get('/offer/dashboard?department=01');
  expect(res.status).toBe(400);
  expect(issue(res.body)).toMatchObject({ expression: ['department'], diagnostics: expect.stringContaining('department') });
});

test('reads every page of a large index, and caps the lists it sends', async () => {
  const index = new MemoryOfferIndex();
  const docs: OfferDocument[] = Array.from({ length: MAX_LISTED + 30 }, (_, i) => ({
    id: `u${String(i).padStart(4, '0')}`,
    name: `Unité ${i}`,
    aliases: [],
    active: true,
    sensitive: false,
    organization: { id: 'o1', name: 'Établissement', department: i % 2 ? '01' : '973' },
    locations: [],
    activities: [{ system: 's', code: 'a1', label: 'Activité' }],
    careModes: [],
    specialties: [],
    unitCategories: [],
    patientTypes: [],
    capacity: { free: { total: i % 3, female: 0, male: 0, undetermined: i % 3 }, installed: 10 },
    lastUpdated: new Date(0).toISOString(),
  }));
  await index.apply({ put: docs, remove: [] });
  const d = await computeDashboard(index, { hideSensitive: true, availability: true, staleHours: 24, now: Date.now() });
  expect(d.totals.units).toBe(docs.length);
  expect(d.totals.installedBeds).toBe(docs.length * 10);
  expect(d.totals.freeBeds).toBe(docs.reduce((s, x) => s + x.capacity.free.total, 0));
  expect(d.byDepartment).toEqual([
    expect.objectContaining({ code: '01', units: docs.length / 2 }),
    expect.objectContaining({ code: '973', units: docs.length / 2 }),
  ]);
  expect(d.totals.neverUpdatedUnits).toBe(docs.length);
  expect(d.neverUpdatedUnits).toMatchObject({ truncated: true });
  expect(d.neverUpdatedUnits!.units).toHaveLength(MAX_LISTED);
});
