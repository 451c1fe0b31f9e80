/**
 * The authorisation matrix, through real HTTP with real credentials: every role × interaction × own or other
 * establishment. An establishment editor of the legal entity (EJ) 010000016 owns its establishment (ET) 010000024's
 * units and bed zones (`-a`), not those of 690000017 (`-b`).
 */
import request from 'supertest';
import type { Express } from 'express';
import { FHIR_JSON, type TestServer } from '../helpers/app';
import location from '../fixtures/ror-capacity/location-ssr.json';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from './helpers/principals';
import { freeBedsParameters } from '../helpers/ror';

const FINESS = 'https://finess.esante.gouv.fr';
const LOC_SYSTEM = 'https://demo.ror.example.org/fhir/sid/lieu';

function org(id: string, finess: string, partOf?: string) {
  return { resourceType: 'Organization', id, identifier: [{ system: FINESS, value: finess }], name: `Org ${id}`, active: true, ...(partOf ? { partOf: { reference: `Organization/${partOf}` } } : {}) };
}
function unit(id: string, provider: string) {
  return { resourceType: 'HealthcareService', id, name: `Unit ${id}`, providedBy: { reference: `Organization/${provider}` } };
}
function bedZone(id: string, manager: string) {
  return { ...location, id, identifier: [{ system: LOC_SYSTEM, value: id }], managingOrganization: { reference: `Organization/${manager}` } };
}

const FIXTURES = [
  org('ej-a', '010000016'),
  org('et-a1', '010000024', 'ej-a'),
  org('org-b', '690000017'),
  unit('hs-a', 'et-a1'),
  unit('hs-b', 'org-b'),
  bedZone('loc-a', 'et-a1'),
  bedZone('loc-b', 'org-b'),
];

const setCapacity = freeBedsParameters(3);

type Side = 'a' | 'b';
type Call = (app: Express, auth: Record<string, string>, side: Side) => Promise<number>;

const json = (r: request.Test, body: unknown) => r.set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const bundle = (type: 'batch' | 'transaction', entries: object[]) => ({ resourceType: 'Bundle', type, entry: entries });
const putEntry = (side: Side) => ({ request: { method: 'PUT', url: `Location/loc-${side}` }, resource: { ...bedZone(`loc-${side}`, side === 'a' ? 'et-a1' : 'org-b'), name: `Renamed ${side}` } });

/** Each interaction answers a status (for a batch: its entry's). */
const INTERACTIONS: Record<string, Call> = {
  read: async (app, h, s) => (await request(app).get(`/Location/loc-${s}`).set(h)).status,
  search: async (app, h, s) => (await request(app).get(`/Location?_id=loc-${s}`).set(h)).status,
  history: async (app, h, s) => (await request(app).get(`/Location/loc-${s}/_history`).set(h)).status,
  create: async (app, h, s) => (await json(request(app).post('/HealthcareService').set(h), { ...unit('x', s === 'a' ? 'et-a1' : 'org-b'), id: undefined })).status,
  update: async (app, h, s) => (await json(request(app).put(`/Location/loc-${s}`).set(h), { ...bedZone(`loc-${s}`, s === 'a' ? 'et-a1' : 'org-b'), name: 'Renamed' })).status,
  patch: async (app, h, s) =>
    (await request(app).patch(`/Location/loc-${s}`).set(h).set('Content-Type', 'application/json-patch+json').send(JSON.stringify([{ op: 'replace', path: '/name', value: 'Patched' }]))).status,
  'conditional patch': async (app, h, s) =>
    (
      await request(app)
        .patch(`/Location?identifier=${encodeURIComponent(`${LOC_SYSTEM}|loc-${s}`)}`)
        .set(h)
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'replace', path: '/name', value: 'Patched by identifier' }]))
    ).status,
  delete: async (app, h, s) => (await request(app).delete(`/HealthcareService/hs-${s}`).set(h)).status,
  batch: async (app, h, s) => {
    const res = await json(request(app).post('/').set(h), bundle('batch', [putEntry(s)]));
    return res.status === 200 ? Number(String(res.body.entry[0].response.status).slice(0, 3)) : res.status;
  },
  // A transaction with the own entry and the side's: one forbidden entry fails it whole.
  transaction: async (app, h, s) => (await json(request(app).post('/').set(h), bundle('transaction', s === 'a' ? [putEntry('a')] : [putEntry('a'), putEntry('b')]))).status,
  '$set-capacity': async (app, h, s) => (await json(request(app).post(`/Location/loc-${s}/$set-capacity`).set(h), setCapacity)).status,
  '$confirm-capacity': async (app, h, s) => (await request(app).post(`/Location/loc-${s}/$confirm-capacity`).set(h)).status,
  '$capacity-import dry run': async (app, h, s) =>
    (
      await request(app)
        .post('/$capacity-import?_dryRun=true')
        .set(h)
        .set('Content-Type', 'text/csv')
        .send(`location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity\nloc-${s};01;02;01;01;6\n`)
    ).status,
  '$capacity-import': async (app, h, s) =>
    (
      await request(app)
        .post('/$capacity-import')
        .set(h)
        .set('Content-Type', 'text/csv')
        .send(`location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity\nloc-${s};01;02;01;01;6\n`)
    ).status,
};

/** Expected status per role, interaction and side (own 'a' / other 'b'); one number when both sides agree. */
const R = 200;
const EXPECTED: Record<string, Record<string, number | [number, number]>> = {
  anonymous: { read: R, search: R, history: R, create: 401, update: 401, patch: 401, 'conditional patch': 401, delete: 401, batch: 401, transaction: 401, '$set-capacity': 401, '$confirm-capacity': 401, '$capacity-import dry run': 401, '$capacity-import': 401 },
  consumer: { read: R, search: R, history: R, create: 403, update: 403, patch: 403, 'conditional patch': 403, delete: 403, batch: 403, transaction: 403, '$set-capacity': 403, '$confirm-capacity': 403, '$capacity-import dry run': 403, '$capacity-import': 403 },
  establishment: {
    read: R,
    search: R,
    history: R,
    create: [201, 403],
    update: [200, 403],
    patch: [200, 403],
    'conditional patch': [200, 403],
    delete: 403,
    batch: [200, 403],
    transaction: [200, 403],
    '$set-capacity': [200, 403],
    '$confirm-capacity': [200, 403],
    '$capacity-import dry run': [200, 403],
    '$capacity-import': [200, 403],
  },
  analyst: { read: R, search: R, history: R, create: 403, update: 403, patch: 403, 'conditional patch': 403, delete: 403, batch: 403, transaction: 403, '$set-capacity': 403, '$confirm-capacity': 403, '$capacity-import dry run': 403, '$capacity-import': 403 },
  admin: { read: R, search: R, history: R, create: 201, update: 200, patch: 200, 'conditional patch': 200, delete: 204, batch: 200, transaction: 200, '$set-capacity': 200, '$confirm-capacity': 200, '$capacity-import dry run': 200, '$capacity-import': 200 },
};

const CLAIMS: Record<string, Record<string, unknown> | undefined> = {
  anonymous: undefined,
  consumer: { sub: 'orientation-tool', role: 'consumer', access_profile: 1 },
  establishment: { sub: 'bed-manager', role: 'establishment', finess: ['010000016'], access_profile: 2 },
  analyst: { sub: 'ars-analyst', role: 'analyst' },
  admin: { sub: 'ops', role: 'admin' },
};

let idp: TestIdp;
beforeAll(async () => {
  idp = await testIdp();
});

describe.each(Object.keys(EXPECTED))('%s', (role) => {
  let s: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    s = secureServer(idp);
    const admin = { Authorization: `Bearer ${BOOTSTRAP}` };
    const loaded = await json(request(s.app).post('/').set(admin), bundle('transaction', FIXTURES.map((r) => ({ request: { method: 'PUT', url: `${r.resourceType}/${r.id}` }, resource: r }))));
    expect(loaded.status).toBe(200);
    const claims = CLAIMS[role];
    auth = claims ? { Authorization: `Bearer ${await idp.token(claims)}` } : {};
  });
  afterAll(() => s.close());

  const cases = Object.entries(EXPECTED[role]).flatMap(([interaction, expected]) =>
    (['a', 'b'] as Side[]).map((side) => [interaction, side === 'a' ? 'own' : 'other', side, Array.isArray(expected) ? expected[side === 'a' ? 0 : 1] : expected] as const),
  );
  test.each(cases)('%s on the %s establishment (%s) → %d', async (interaction, _label, side, expected) => {
    const status = await INTERACTIONS[interaction](s.app, auth, side);
    expect({ interaction, side, status }).toEqual({ interaction, side, status: expected });
  });

  test('refusals wrote nothing: the other establishment’s bed zone is unchanged unless an admin wrote it', async () => {
    const read = await request(s.app).get('/Location/loc-b').set({ Authorization: `Bearer ${BOOTSTRAP}` });
    expect(read.status).toBe(200);
    if (role !== 'admin') expect(read.body.meta.versionId).toBe('1');
  });
});
