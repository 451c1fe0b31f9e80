/**
 * Demo data on first start: loaded into an empty store through the transaction processor, then explorable over
 * HTTP; never loaded into a store already in use; posting the bundle again changes nothing.
 */
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { demoBundle, loadDemoDataIfEmpty } from '../../src/demo/load-demo';
import type { FhirContext } from '../../src/fhir/context';
import { systemActor } from '../../src/kernel/actor';
import { organization, post, testServer, type TestServer } from '../helpers/app';

const FINESS = 'https://finess.esante.gouv.fr';
const ID_NAT_PS = 'urn:oid:1.2.250.1.71.4.2.1';
const R211 = 'https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle';
const CAPACITY = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';
const DEMO_SIZE = demoBundle().entry!.length;

let s: TestServer;
let ctx: FhirContext;
let logger: { info: jest.Mock };
beforeEach(() => {
  s = testServer();
  ctx = s.context(systemActor('demo'));
  logger = { info: jest.fn() };
});
afterEach(() => s.close());

const search = (path: string, query: Record<string, string>) => request(s.app).get(path).query(query);
const historyTotal = async () => (await s.store.history({ count: 1000 })).entries.length;

describe('loading the demo region', () => {
  test('the Measures the server ships do not make a store "in use": the demo loads after them, as npm start does', async () => {
    await s.close();
    s = testServer({ measureDefinitions: true });
    ctx = s.context(systemActor('demo'));
    await s.server.measuresReady;
    expect((await s.store.history({ resourceType: 'Measure', count: 1 })).entries.length).toBe(1);
    expect(await loadDemoDataIfEmpty(ctx, logger)).toEqual({ loaded: true, count: DEMO_SIZE });
  });

  test('an empty store receives every resource of the bundle, and the load is logged', async () => {
    const result = await loadDemoDataIfEmpty(ctx, logger);
    expect(result).toEqual({ loaded: true, count: DEMO_SIZE });
    expect(await historyTotal()).toBe(DEMO_SIZE);
    expect(logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ count: DEMO_SIZE, byType: expect.objectContaining({ Organization: 9, Location: 12 }) }),
      expect.stringContaining(`${DEMO_SIZE} resources`),
    );
  });

  test('the establishments are searchable by FINESS and linked to their legal entity', async () => {
    await loadDemoDataIfEmpty(ctx, logger);
    const res = await search('/Organization', { identifier: `${FINESS}|010000024` });
    expect(res.status).toBe(200);
    expect(res.body.entry).toHaveLength(1);
    const fleyriat = res.body.entry[0].resource;
    expect(fleyriat.name).toBe('CH DE FLEYRIAT');
    expect(fleyriat.partOf.reference).toMatch(/^Organization\/[A-Za-z0-9.-]+$/);

    const ej = await request(s.app).get(`/${fleyriat.partOf.reference}`);
    expect(ej.status).toBe(200);
    expect(ej.body.identifier).toContainEqual(expect.objectContaining({ system: FINESS, value: '010780054' }));

    const units = await search('/HealthcareService', { organization: `Organization/${fleyriat.id}` });
    expect(units.body.entry.map((e: any) => e.resource.name).sort()).toEqual([
      'Cardiologie - hospitalisation complète',
      'Médecine gériatrique aiguë',
      'Urgences',
    ]);
  });

  test('a unit is found by its activité opérationnelle, with its location and bed capacity', async () => {
    await loadDemoDataIfEmpty(ctx, logger);
    const res = await search('/HealthcareService', { specialty: `${R211}|083`, _include: 'HealthcareService:location' });
    expect(res.status).toBe(200);
    const matches = res.body.entry.filter((e: any) => e.search?.mode !== 'include');
    expect(matches.map((e: any) => e.resource.name)).toEqual(['Médecine polyvalente']);
    const locRef = matches[0].resource.location[0].reference;
    const included = res.body.entry.find((e: any) => e.search?.mode === 'include');
    expect(`Location/${included?.resource.id}`).toBe(locRef);

    const loc = await request(s.app).get(`/${locRef}`);
    expect(loc.status).toBe(200);
    expect(loc.headers.etag).toBe('W/"1"');
    expect(loc.body.extension.filter((e: any) => e.url === CAPACITY).length).toBeGreaterThan(0);
    expect(loc.body.position).toEqual({ longitude: expect.any(Number), latitude: expect.any(Number) });
  });

  test('a practitioner is found by idNatPs, with the role linking them to a unit', async () => {
    await loadDemoDataIfEmpty(ctx, logger);
    const pract = await search('/Practitioner', { identifier: `${ID_NAT_PS}|810100271385` });
    expect(pract.body.entry).toHaveLength(1);
    const roles = await search('/PractitionerRole', { practitioner: `Practitioner/${pract.body.entry[0].resource.id}` });
    expect(roles.body.entry).toHaveLength(1);
    const unit = await request(s.app).get(`/${roles.body.entry[0].resource.healthcareService[0].reference}`);
    expect(unit.body.name).toBe('Médecine polyvalente');
  });

  test('a second load does nothing: the store is no longer empty', async () => {
    await loadDemoDataIfEmpty(ctx, logger);
    logger.info.mockClear();
    expect(await loadDemoDataIfEmpty(ctx, logger)).toEqual({ loaded: false, count: 0 });
    expect(await historyTotal()).toBe(DEMO_SIZE);
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('not loaded'));
  });

  test('a store already in use is left alone, even when its only resource was deleted', async () => {
    const created = await post(s.app, '/Organization', organization());
    expect(created.status).toBe(201);
    expect(await loadDemoDataIfEmpty(ctx, logger)).toEqual({ loaded: false, count: 0 });
    expect((await search('/Organization', { identifier: `${FINESS}|010000024` })).body.entry ?? []).toHaveLength(0);

    expect((await request(s.app).delete(`/Organization/${created.body.id}`)).status).toBe(204);
    expect(await loadDemoDataIfEmpty(ctx, logger)).toEqual({ loaded: false, count: 0 });
    expect(await historyTotal()).toBe(2);
  });

  test('posting the demo bundle again by hand duplicates nothing (conditional creates)', async () => {
    await loadDemoDataIfEmpty(ctx, logger);
    const res = await post(s.app, '/', demoBundle());
    expect(res.status).toBe(200);
    expect(new Set(res.body.entry.map((e: any) => e.response.status))).toEqual(new Set(['200 OK']));
    expect(await historyTotal()).toBe(DEMO_SIZE);
    expect((await search('/Location', { _summary: 'count' })).body.total).toBe(12);
  });

  test('ROR_DEMO_DATA=false turns the load off; anything but true/false is refused', () => {
    expect(loadConfig({}).demoData).toBe(true);
    expect(loadConfig({ ROR_DEMO_DATA: 'false' }).demoData).toBe(false);
    expect(() => loadConfig({ ROR_DEMO_DATA: 'off' })).toThrow(/ROR_DEMO_DATA must be 'true' or 'false'/);
  });
});

describe('demo capacity dates', () => {
  test('are moved so the latest is the load time, keeping their spacing', () => {
    const { demoBundle, freshenCapacityDates } = jest.requireActual('../../src/demo/load-demo');
    const dates = (b: unknown) =>
      [...JSON.stringify(b).matchAll(/"url":"capacityUpdateDate","valueDateTime":"([^"]+)"/g)].map((m) => Date.parse(m[1]));
    const before = dates(demoBundle());
    expect(before.length).toBeGreaterThan(3);
    expect(before.every(Number.isFinite)).toBe(true);
    const now = Date.parse('2030-01-01T12:00:00Z');
    const after = dates(freshenCapacityDates(demoBundle(), now));
    expect(Math.max(...after)).toBe(now);
    const shift = now - Math.max(...before);
    expect(after).toEqual(before.map((d) => d + shift));
  });
});
