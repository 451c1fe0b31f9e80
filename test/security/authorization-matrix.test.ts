/**
 * The authorisation matrix, through real HTTP with real credentials: every role × interaction × own or other
 * establishment. An establishment editor of the legal entity (EJ) 010000016 owns its establishment (ET) 010000024's
 * units and bed zones (`-a`), not those of 690000017 (`-b`). The server works the data-quality queue and has its
 * indicators, so the operations that work tasks, evaluate indicators and start exports are rows too: each side has
 * a task about a site without position (`nopos-`) and one about an establishment renamed away from what the real
 * referential sync last recorded (`nat-`: ETs 010000032 of the EJ 010000016 and 690000005 of another EJ).
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { FHIR_JSON, type TestServer } from '../helpers/app';
import location from '../fixtures/ror-capacity/location-ssr.json';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from './helpers/principals';
import { freeBedsParameters } from '../helpers/ror';
import { tempDir } from '../helpers/tmp';
import { ET_EXCERPT } from '../sync-pipeline/helpers';
import { runSync } from '../../src/sync/run';
import { taskId } from '../../src/quality/tasks/task';
import type { QualityConfig } from '../../src/quality/tasks';

const FINESS = 'https://finess.esante.gouv.fr';
type Side = 'a' | 'b';
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

/** A site without position: the quality rule `loc-no-position` raises a task addressed to its establishment. */
function siteWithoutPosition(id: string, manager: string) {
  return { resourceType: 'Location', id, name: `Site ${id}`, status: 'active', managingOrganization: { reference: `Organization/${manager}` } };
}

const FIXTURES = [
  org('ej-a', '010000016'),
  org('et-a1', '010000024', 'ej-a'),
  org('org-b', '690000017'),
  unit('hs-a', 'et-a1'),
  unit('hs-b', 'org-b'),
  bedZone('loc-a', 'et-a1'),
  bedZone('loc-b', 'org-b'),
  siteWithoutPosition('nopos-a', 'et-a1'),
  siteWithoutPosition('nopos-b', 'org-b'),
];

/**
 * A FINESS establishments extract (the real file's format): the first line of the fixture excerpt as ET 010000032
 * of the EJ 010000016 (side a) and as ET 690000005 of the EJ 010780054 (side b). The sync records what it wrote as
 * the national value of `finess-et-<FINESS>`.
 */
const NATIONAL: Record<Side, string> = { a: 'finess-et-010000032', b: 'finess-et-690000005' };
function finessExtract(): string {
  const [header, first] = fs.readFileSync(ET_EXCERPT, 'utf8').split('\n');
  const line = (et: string, ej: string) => first.split(';').map((f, i) => (i === 1 ? et : i === 2 ? ej : f)).join(';');
  const file = path.join(tempDir('ror-matrix-'), 'etablissements.csv');
  fs.writeFileSync(file, [header, line('010000032', '010000016'), line('690000005', '010780054')].join('\n') + '\n');
  return file;
}

/** The data-quality tasks of each side. */
const NO_POSITION: Record<Side, string> = { a: taskId('loc-no-position', 'Location', 'nopos-a'), b: taskId('loc-no-position', 'Location', 'nopos-b') };
const NAME_NATIONAL: Record<Side, string> = { a: taskId('org-name-national', 'Organization', NATIONAL.a), b: taskId('org-name-national', 'Organization', NATIONAL.b) };
const SUBJECT: Record<Side, string> = { a: 'Organization/et-a1', b: 'Organization/org-b' };

const setCapacity = freeBedsParameters(3);

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
  // Working the quality queue. A task that is not about a national value cannot be accepted (422), which only a
  // caller who may work it learns; $assign leaves the task open, $keep-declared then closes it.
  '$accept-national, not national': async (app, h, s) => (await request(app).post(`/Task/${NO_POSITION[s]}/$accept-national`).set(h)).status,
  '$assign': async (app, h, s) => (await json(request(app).post(`/Task/${NO_POSITION[s]}/$assign`).set(h), { resourceType: 'Parameters', parameter: [{ name: 'assignee', valueString: 'marie.curie' }] })).status,
  '$keep-declared': async (app, h, s) => (await json(request(app).post(`/Task/${NO_POSITION[s]}/$keep-declared`).set(h), { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'Site mobile' }] })).status,
  '$accept-national': async (app, h, s) => (await request(app).post(`/Task/${NAME_NATIONAL[s]}/$accept-national`).set(h)).status,
  '$report': async (app, h, s) =>
    (
      await json(request(app).post('/Task/$report').set(h), {
        resourceType: 'Parameters',
        parameter: [
          { name: 'focus', valueReference: { reference: `Location/loc-${s}` } },
          { name: 'description', valueString: "Le téléphone d'accueil a changé" },
          { name: 'theme', valueCode: '06' },
        ],
      })
    ).status,
  '$evaluate-measure': async (app, h, s) => (await request(app).post(`/Measure/ror-situation-lits/$evaluate-measure?subject=${encodeURIComponent(SUBJECT[s])}`).set(h)).status,
  // The kick-off of a bulk export of the whole directory: no side (both sides ask the same).
  '$export kick-off': async (app, h) => (await request(app).get('/$export').set('Prefer', 'respond-async').set('Accept', FHIR_JSON).set(h)).status,
};

/** Expected status per role, interaction and side (own 'a' / other 'b'); one number when both sides agree. */
const R = 200;
const EXPECTED: Record<string, Record<string, number | [number, number]>> = {
  anonymous: {
    read: R,
    search: R,
    history: R,
    create: 401,
    update: 401,
    patch: 401,
    'conditional patch': 401,
    delete: 401,
    batch: 401,
    transaction: 401,
    '$set-capacity': 401,
    '$confirm-capacity': 401,
    '$capacity-import dry run': 401,
    '$capacity-import': 401,
    '$accept-national, not national': 401,
    $assign: 401,
    '$keep-declared': 401,
    '$accept-national': 401,
    $report: 401,
    '$evaluate-measure': 401,
    '$export kick-off': 401,
  },
  consumer: {
    read: R,
    search: R,
    history: R,
    create: 403,
    update: 403,
    patch: 403,
    'conditional patch': 403,
    delete: 403,
    batch: 403,
    transaction: 403,
    '$set-capacity': 403,
    '$confirm-capacity': 403,
    '$capacity-import dry run': 403,
    '$capacity-import': 403,
    '$accept-national, not national': 403,
    $assign: 403,
    '$keep-declared': 403,
    '$accept-national': 403,
    $report: 403,
    '$evaluate-measure': 403,
    '$export kick-off': 202,
  },
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
    '$accept-national, not national': [422, 403],
    $assign: [200, 403],
    '$keep-declared': [200, 403],
    '$accept-national': [200, 403],
    $report: [201, 403],
    '$evaluate-measure': [201, 403],
    '$export kick-off': 202,
  },
  analyst: {
    read: R,
    search: R,
    history: R,
    create: 403,
    update: 403,
    patch: 403,
    'conditional patch': 403,
    delete: 403,
    batch: 403,
    transaction: 403,
    '$set-capacity': 403,
    '$confirm-capacity': 403,
    '$capacity-import dry run': 403,
    '$capacity-import': 403,
    '$accept-national, not national': 422,
    $assign: 200,
    '$keep-declared': 200,
    '$accept-national': 200,
    $report: 201,
    '$evaluate-measure': 201,
    '$export kick-off': 202,
  },
  admin: {
    read: R,
    search: R,
    history: R,
    create: 201,
    update: 200,
    patch: 200,
    'conditional patch': 200,
    delete: 204,
    batch: 200,
    transaction: 200,
    '$set-capacity': 200,
    '$confirm-capacity': 200,
    '$capacity-import dry run': 200,
    '$capacity-import': 200,
    '$accept-national, not national': 422,
    $assign: 200,
    '$keep-declared': 200,
    '$accept-national': 200,
    $report: 201,
    '$evaluate-measure': 201,
    '$export kick-off': 202,
  },
};

const CLAIMS: Record<string, Record<string, unknown> | undefined> = {
  anonymous: undefined,
  consumer: { sub: 'orientation-tool', role: 'consumer', access_profile: 1 },
  establishment: { sub: 'bed-manager', role: 'establishment', finess: ['010000016'], access_profile: 2 },
  analyst: { sub: 'ars-analyst', role: 'analyst' },
  admin: { sub: 'ops', role: 'admin' },
};

const ADMIN = { Authorization: `Bearer ${BOOTSTRAP}` };

let idp: TestIdp;
beforeAll(async () => {
  idp = await testIdp();
});

describe.each(Object.keys(EXPECTED))('%s', (role) => {
  let s: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    const quality: QualityConfig = { sweepMinutes: 0, enabled: true, staleHours: 24, now: () => new Date() };
    s = secureServer(idp, { quality, measureDefinitions: true, bulk: { settleMs: 0 } });
    await s.server.measuresReady;
    const loaded = await json(request(s.app).post('/').set(ADMIN), bundle('transaction', FIXTURES.map((r) => ({ request: { method: 'PUT', url: `${r.resourceType}/${r.id}` }, resource: r }))));
    expect(loaded.status).toBe(200);
    // The referential sync records each side's national establishment; an administrator then renames both.
    expect((await runSync({ store: s.store, kernel: s.server.kernel, sources: { finess: finessExtract() } })).status).toBe('success');
    for (const id of Object.values(NATIONAL)) {
      const national = await request(s.app).get(`/Organization/${id}`).set(ADMIN);
      expect(national.status).toBe(200);
      expect((await json(request(s.app).put(`/Organization/${id}`).set(ADMIN), { ...national.body, name: `${national.body.name} (site principal)` })).status).toBe(200);
    }
    await s.server.qualityWorker.drain();
    for (const id of [...Object.values(NO_POSITION), ...Object.values(NAME_NATIONAL)]) {
      expect((await request(s.app).get(`/Task/${id}`).set(ADMIN)).body).toMatchObject({ id, status: 'ready' });
    }
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
    const read = await request(s.app).get('/Location/loc-b').set(ADMIN);
    expect(read.status).toBe(200);
    if (role !== 'admin') expect(read.body.meta.versionId).toBe('1');
  });

  test('refusals wrote nothing: the other establishment’s tasks, establishment and indicators are as they were unless an analyst or admin worked them', async () => {
    const worksAll = role === 'admin' || role === 'analyst';
    const noPosition = (await request(s.app).get(`/Task/${NO_POSITION.b}`).set(ADMIN)).body;
    const nameNational = (await request(s.app).get(`/Task/${NAME_NATIONAL.b}`).set(ADMIN)).body;
    const renamed = (await request(s.app).get(`/Organization/${NATIONAL.b}`).set(ADMIN)).body;
    const reports = (await request(s.app).get(`/MeasureReport?subject=${SUBJECT.b}`).set(ADMIN)).body;
    const reported = (await request(s.app).get('/Task?focus=Location/loc-b').set(ADMIN)).body;
    const owners = [noPosition, nameNational].map((t) => t.owner.reference);
    expect(owners).toEqual(['Organization/org-b', `Organization/${NATIONAL.b}`]);
    if (worksAll) {
      expect([noPosition.status, noPosition.businessStatus.coding[0].code, nameNational.status, nameNational.businessStatus.coding[0].code]).toEqual(['completed', '07', 'completed', '08']);
      expect(renamed.name).not.toMatch(/site principal/);
      expect(reports.total ?? reports.entry.length).toBe(1);
      expect(reported.entry).toHaveLength(1);
    } else {
      expect([noPosition.status, noPosition.meta.versionId, nameNational.status, nameNational.meta.versionId]).toEqual(['ready', '1', 'ready', '1']);
      expect(noPosition.output ?? []).toEqual([]);
      expect(renamed.name).toMatch(/site principal/);
      expect(reports.entry ?? []).toEqual([]);
      expect(reported.entry ?? []).toEqual([]);
    }
  });
});
