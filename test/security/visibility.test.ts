/**
 * What each caller sees: sensitive units are hidden from reads, searches (totals, chains, `_has`, includes) and
 * histories below access profile 4; telecoms and contacts above the caller's confidentiality level are removed;
 * profile 0 (the public) sees installed capacity only and may not search on availability; the audit trail and
 * Subscriptions are for analysts and administrators.
 */
import request from 'supertest';
import { FHIR_JSON, type TestServer } from '../helpers/app';
import location from '../fixtures/ror-capacity/location-ssr.json';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from './helpers/principals';

const SD = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/';
const R283 = 'https://mos.esante.gouv.fr/NOS/TRE_R283-NiveauConfidentialite/FHIR/TRE-R283-NiveauConfidentialite';
const level = (url: string, code: string) => ({ url: SD + url, valueCodeableConcept: { coding: [{ system: R283, code }] } });

const org = {
  resourceType: 'Organization',
  id: 'org-1',
  identifier: [{ system: 'https://finess.esante.gouv.fr', value: '010000024' }],
  name: 'CH de Bourg',
  telecom: [
    { system: 'phone', value: '04 00 00 00 01', extension: [level('ror-telecom-confidentiality-level', '1')] },
    { system: 'phone', value: '04 00 00 00 02', extension: [level('ror-telecom-confidentiality-level', '2')] },
    { system: 'phone', value: '04 00 00 00 03', extension: [level('ror-telecom-confidentiality-level', '3')] },
  ],
  contact: [{ name: { text: 'Direction' }, extension: [level('ror-contact-confidentiality-level', '3')] }],
};
const sensitive = {
  resourceType: 'HealthcareService',
  id: 'hs-secret',
  name: 'Unité protégée',
  providedBy: { reference: 'Organization/org-1' },
  location: [{ reference: 'Location/loc-1' }],
  extension: [{ url: SD + 'ror-healthcareservice-sensitive-unit', valueBoolean: true }],
};
const ordinary = { resourceType: 'HealthcareService', id: 'hs-open', name: 'Unité ouverte', providedBy: { reference: 'Organization/org-1' }, location: [{ reference: 'Location/loc-1' }] };
const bedZone = { ...location, id: 'loc-1', managingOrganization: { reference: 'Organization/org-1' } };
const role = { resourceType: 'PractitionerRole', id: 'pr-1', healthcareService: [{ reference: 'HealthcareService/hs-secret' }] };

let idp: TestIdp;
let s: TestServer;
const as = async (claims?: Record<string, unknown>) => (claims ? { Authorization: `Bearer ${await idp.token({ sub: 'c', ...claims })}` } : ({} as Record<string, string>));
const admin = { Authorization: `Bearer ${BOOTSTRAP}` };

beforeAll(async () => {
  idp = await testIdp();
  s = secureServer(idp);
  const entries = [org, bedZone, sensitive, ordinary, role].map((r) => ({ request: { method: 'PUT', url: `${r.resourceType}/${r.id}` }, resource: r }));
  const res = await request(s.app).post('/').set(admin).set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }));
  expect(res.status).toBe(200);
});
afterAll(() => s.close());

describe('sensitive units', () => {
  test.each([
    ['anonymous (profile 0)', undefined],
    ['a consumer of profile 3', { role: 'consumer', access_profile: 3 }],
  ])('%s: not read, not found, not counted, not reached through chains, _has or includes', async (_label, claims) => {
    const h = await as(claims);
    expect((await request(s.app).get('/HealthcareService/hs-secret').set(h)).status).toBe(404);
    const all = await request(s.app).get('/HealthcareService?_total=accurate').set(h);
    expect(all.body.total).toBe(1);
    expect(all.body.entry.map((e: any) => e.resource.id)).toEqual(['hs-open']);
    const byName = await request(s.app).get('/HealthcareService?name=Unité protégée&_total=accurate').set(h);
    expect(byName.body.total).toBe(0);
    // _has: the Location is found through the ordinary unit only.
    const has = await request(s.app).get('/Location?_has:HealthcareService:location:name=Unité protégée').set(h);
    expect(has.body.entry ?? []).toEqual([]);
    const hasOpen = await request(s.app).get('/Location?_has:HealthcareService:location:name=Unité ouverte').set(h);
    expect(hasOpen.body.entry).toHaveLength(1);
    const revinclude = await request(s.app).get('/Location?_id=loc-1&_revinclude=HealthcareService:location').set(h);
    expect(revinclude.body.entry.map((e: any) => e.resource.id).sort()).toEqual(['hs-open', 'loc-1']);
    const history = await request(s.app).get('/HealthcareService/_history').set(h);
    expect(history.body.entry.map((e: any) => e.resource?.id)).not.toContain('hs-secret');
    expect(history.body.total).toBeUndefined();
    const chained = await request(s.app).get('/PractitionerRole?service.name=Unité protégée&_total=accurate').set(h);
    expect(chained.body.total).toBe(0);
    const included = await request(s.app).get('/PractitionerRole?_id=pr-1&_include=PractitionerRole:service').set(h);
    expect(included.body.entry.map((e: any) => e.resource.id)).toEqual(['pr-1']);
    const system = await request(s.app).get('/?_type=HealthcareService').set(h);
    expect(system.body.entry.map((e: any) => e.resource.id)).toEqual(['hs-open']);
  });

  test.each([
    ['a consumer of profile 4', { role: 'consumer', access_profile: 4 }],
    ['an analyst', { role: 'analyst' }],
  ])('%s sees them', async (_label, claims) => {
    const h = await as(claims);
    expect((await request(s.app).get('/HealthcareService/hs-secret').set(h)).status).toBe(200);
    expect((await request(s.app).get('/HealthcareService?_total=accurate').set(h)).body.total).toBe(2);
    expect((await request(s.app).get('/PractitionerRole?service.name=Unité protégée&_total=accurate').set(h)).body.total).toBe(1);
  });
});

describe('confidential telecoms and contacts', () => {
  const phones = (body: any) => (body.telecom ?? []).map((t: any) => t.value);
  test.each([
    [undefined, ['04 00 00 00 01'], false],
    [{ role: 'consumer', access_profile: 2 }, ['04 00 00 00 01', '04 00 00 00 02'], false],
    [{ role: 'consumer', access_profile: 3 }, ['04 00 00 00 01', '04 00 00 00 02', '04 00 00 00 03'], true],
    [{ role: 'analyst' }, ['04 00 00 00 01', '04 00 00 00 02', '04 00 00 00 03'], true],
  ])('%j sees %j', async (claims, expected, seesContact) => {
    const h = await as(claims);
    const read = await request(s.app).get('/Organization/org-1').set(h);
    expect(phones(read.body)).toEqual(expected);
    expect(read.body.contact !== undefined).toBe(seesContact);
    // The same in a search, an include and a history.
    const searched = await request(s.app).get('/Organization?_id=org-1').set(h);
    expect(phones(searched.body.entry[0].resource)).toEqual(expected);
    const included = await request(s.app).get('/HealthcareService?_id=hs-open&_include=HealthcareService:organization').set(h);
    expect(phones(included.body.entry.find((e: any) => e.resource.resourceType === 'Organization').resource)).toEqual(expected);
    const history = await request(s.app).get('/Organization/org-1/_history').set(h);
    expect(phones(history.body.entry[0].resource)).toEqual(expected);
  });
});

describe('bed availability', () => {
  const statuses = (body: any) =>
    body.extension
      .filter((e: any) => e.url === SD + 'ror-location-supported-capacity')
      .map((e: any) => e.extension.find((x: any) => x.url === 'capacityStatus').valueCodeableConcept.coding[0].code);

  test('profile 0 sees installed capacity only; profile 1 sees all of it', async () => {
    const all = statuses((await request(s.app).get('/Location/loc-1').set(await as({ role: 'consumer', access_profile: 1 }))).body);
    expect(all.length).toBeGreaterThan(1);
    expect(all.some((c: string) => c !== '01')).toBe(true);
    const public0 = statuses((await request(s.app).get('/Location/loc-1')).body);
    expect(public0.length).toBeGreaterThan(0);
    expect(new Set(public0)).toEqual(new Set(['01']));
  });

  test('profile 0 may not search on availability, nor read its history through $capacity-history', async () => {
    const res = await request(s.app).get('/Location?capacity-status=02');
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toMatch(/access profile \(0\) does not include bed availability/);
    expect((await request(s.app).get('/HealthcareService?location.nb-capacity=gt0')).status).toBe(403);
    expect((await request(s.app).get('/Location/loc-1/$capacity-history')).status).toBe(403);
    const h = await as({ role: 'consumer', access_profile: 1 });
    expect((await request(s.app).get('/Location?capacity-status=02').set(h)).status).toBe(200);
  });
});

describe('types for analysts and administrators', () => {
  test('AuditEvent and Subscription: 403 for others, searchable by analysts; a system search leaves them out', async () => {
    const consumer = await as({ role: 'consumer', access_profile: 3 });
    expect((await request(s.app).get('/AuditEvent').set(consumer)).status).toBe(403);
    expect((await request(s.app).get('/Subscription')).status).toBe(403);
    expect((await request(s.app).get('/Location?_has:AuditEvent:entity:action=C').set(consumer)).status).toBe(403);
    const everything = await request(s.app).get('/?_count=100').set(consumer);
    expect(everything.status).toBe(200);
    expect(everything.body.entry.map((e: any) => e.resource.resourceType)).not.toContain('AuditEvent');
    const analyst = await as({ role: 'analyst' });
    await s.server.audit.flush();
    const trail = await request(s.app).get('/AuditEvent?action=C').set(analyst);
    expect(trail.status).toBe(200);
    expect(trail.body.entry.length).toBeGreaterThanOrEqual(4);
  });
});
