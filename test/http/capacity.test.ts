/**
 * Updating bed availability over HTTP (ROR IG 0.7.0 capacity extension): PATCH with If-Match using the corrected IG
 * snippets, $set-capacity, $capacity-import (CSV), $capacity-history, and the stale-capacity flag.
 */
import request from 'supertest';
import type { Extension, Location } from '@medplum/fhirtypes';
import type { CapacityConfig } from '../../src/ror/capacity';
import { CODE_LISTS, ROR_LOCATION_PROFILE, SUPPORTED_CAPACITY_URL } from '../../src/ror/capacity/codes';
import { DATA_QUALITY_SYSTEM, STALE_CAPACITY_CODE } from '../../src/ror/capacity/hooks';
import { FHIR_JSON, put, testServer, type TestServer } from '../helpers/app';
import fixture from '../fixtures/ror-capacity/location-ssr.json';
import scenario2 from '../fixtures/ror-capacity/PATCH-Location-XXX-add-supported-capacity.scenario2.corrected.parameters.json';
import scenario3 from '../fixtures/ror-capacity/PATCH-Location-XXX-zero-capacity.scenario3.corrected.parameters.json';
import jsonPatchFemale from '../fixtures/ror-capacity/json-patch-free-female-beds.json';
import draftScenario2 from '../unit/patch/fixtures/PATCH-Location-XXX-add-supported-capacity.scenario2.parameters.json';

/** The server's clock in these tests: fixed, moved by hand. */
let clock = new Date('2026-11-20T11:00:00Z');
const NOW = () => clock.toISOString();
/** The capacity settings the test servers are composed with (read at each call: a test may change them). */
const capacity: CapacityConfig = { now: () => clock, staleHours: 24 };

const ID = 'ssr-2e';
const PATH = `/Location/${ID}`;
const FIXTURE_DATE = '2026-11-20T07:30:00+01:00';

let s: TestServer;
beforeEach(async () => {
  clock = new Date('2026-11-20T11:00:00Z');
  capacity.staleHours = 24;
  s = testServer({ capacity });
  const created = await put(s.app, PATH, fixture);
  expect(created.status).toBe(201);
});
afterEach(() => s.close());

// --- helpers ---

interface Entry {
  type?: string;
  status?: string;
  temporality?: string;
  gender?: string;
  nb?: number;
  date?: string;
  source?: string;
  assignment?: string;
}

const code = (e: Extension, url: string) => e.extension?.find((x) => x.url === url)?.valueCodeableConcept?.coding?.[0]?.code;
function entries(location: Location): Entry[] {
  return (location.extension ?? [])
    .filter((e) => e.url === SUPPORTED_CAPACITY_URL)
    .map((e) => ({
      type: code(e, 'capacityType'),
      status: code(e, 'capacityStatus'),
      temporality: code(e, 'temporalityCapacity'),
      gender: code(e, 'genderCapacityAvailable'),
      nb: e.extension?.find((x) => x.url === 'nbCapacity')?.valueInteger,
      date: e.extension?.find((x) => x.url === 'capacityUpdateDate')?.valueDateTime,
      source: code(e, 'capacitySourceType'),
      assignment: code(e, 'temporaryAssignement'),
    }));
}
const find = (location: Location, status: string, gender?: string, assignment = '01') =>
  entries(location).filter((e) => e.status === status && e.gender === gender && e.assignment === assignment);

const fhirPatch = (body: unknown, ifMatch?: string) => {
  const r = request(s.app).patch(PATH).set('Content-Type', FHIR_JSON);
  if (ifMatch) r.set('If-Match', ifMatch);
  return r.send(JSON.stringify(body));
};
const jsonPatch = (ops: unknown, ifMatch?: string) => {
  const r = request(s.app).patch(PATH).set('Content-Type', 'application/json-patch+json');
  if (ifMatch) r.set('If-Match', ifMatch);
  return r.send(JSON.stringify(ops));
};
const setCapacity = (parameter: unknown[], ifMatch?: string, path = PATH) => {
  const r = request(s.app).post(`${path}/$set-capacity`).set('Content-Type', FHIR_JSON);
  if (ifMatch) r.set('If-Match', ifMatch);
  return r.send(JSON.stringify({ resourceType: 'Parameters', parameter }));
};
const importCsv = (csv: string | Buffer, path = '/$capacity-import') => request(s.app).post(path).set('Content-Type', 'text/csv').send(csv);
const read = async () => (await request(s.app).get(PATH)).body as Location;
const etag = async () => (await request(s.app).get(PATH)).headers.etag;
const femaleFree = (nb: number, extra: unknown[] = []): any[] => [
  { name: 'capacityType', valueCoding: { system: CODE_LISTS.capacityType.system, code: '01' } },
  { name: 'capacityStatus', valueCode: '02' },
  { name: 'temporalityCapacity', valueCode: '01' },
  { name: 'genderCapacityAvailable', valueCode: '01' },
  { name: 'nbCapacity', valueInteger: nb },
  ...extra,
];

// --- PATCH ---

describe('PATCH with the corrected IG snippets', () => {
  test('scenario 2 adds a Covid+ entry; the server fills its capacityUpdateDate and leaves the others alone', async () => {
    const res = await fhirPatch(scenario2, 'W/"1"');
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    const all = entries(res.body);
    expect(all).toHaveLength(4);
    expect(find(res.body, '02', '03', '02')).toEqual([
      { type: '01', status: '02', temporality: '01', gender: '03', nb: 2, date: NOW(), source: '02', assignment: '02' },
    ]);
    expect(all.slice(0, 3).map((e) => e.date)).toEqual([FIXTURE_DATE, FIXTURE_DATE, FIXTURE_DATE]);
  });

  test('scenario 3 then sets that entry to zero and refreshes its date', async () => {
    expect((await fhirPatch(scenario2, 'W/"1"')).status).toBe(200);
    clock = new Date('2026-11-20T12:15:00Z');
    const res = await fhirPatch(scenario3, 'W/"2"');
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"3"');
    expect(find(res.body, '02', '03', '02')).toMatchObject([{ nb: 0, date: '2026-11-20T12:15:00.000Z' }]);
    expect(find(res.body, '02', '01')).toMatchObject([{ nb: 3, date: FIXTURE_DATE }]);
  });

  test('a stale If-Match is a 412 and changes nothing', async () => {
    expect((await fhirPatch(scenario2, 'W/"1"')).status).toBe(200);
    const res = await fhirPatch(scenario3, 'W/"1"');
    expect(res.status).toBe(412);
    expect(find(await read(), '02', '03', '02')[0].nb).toBe(2);
  });

  test('the draft snippet as published is refused (400) and nothing is written', async () => {
    const res = await fhirPatch(draftScenario2, 'W/"1"');
    expect(res.status).toBe(400);
    expect(await etag()).toBe('W/"1"');
  });

  test('JSON Patch guarded by test operations; the date of the changed entry is refreshed', async () => {
    const res = await jsonPatch(jsonPatchFemale, 'W/"1"');
    expect(res.status).toBe(200);
    expect(find(res.body, '02', '01')).toMatchObject([{ nb: 5, date: NOW() }]);
    expect(find(res.body, '02', '02')).toMatchObject([{ nb: 1, date: FIXTURE_DATE }]);
  });

  test('a date the client sets is kept', async () => {
    const ops = [
      { op: 'replace', path: '/extension/3/extension/3/valueInteger', value: 6 },
      { op: 'replace', path: '/extension/3/extension/6/valueDateTime', value: '2026-11-20T11:45:00+01:00' },
    ];
    const res = await jsonPatch(ops, 'W/"1"');
    expect(res.status).toBe(200);
    expect(find(res.body, '02', '01')).toMatchObject([{ nb: 6, date: '2026-11-20T11:45:00+01:00' }]);
  });

  test('an entry that breaks the extension definition is refused with a 422 naming it', async () => {
    const negative = await jsonPatch([{ op: 'replace', path: '/extension/3/extension/3/valueInteger', value: -2 }], 'W/"1"');
    expect(negative.status).toBe(422);
    expect(negative.body.issue[0].expression).toEqual(['Location.extension[3].extension[3]']);
    expect(negative.body.issue[0].diagnostics).toMatch(/nbCapacity must be 0 or more, got -2/);

    const jdv = await jsonPatch(
      [{ op: 'replace', path: '/extension/3/extension/1/valueCodeableConcept/coding/0/system', value: `${CODE_LISTS.capacityStatus.valueSet}/` }],
      'W/"1"',
    );
    expect(jdv.status).toBe(422);
    expect(jdv.body.issue[0].diagnostics).toMatch(/is the value set JDV_J188-TypeStatutCapacite-ROR, not a code system/);

    const unknown = await jsonPatch([{ op: 'replace', path: '/extension/3/extension/1/valueCodeableConcept/coding/0/code', value: '09' }]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.issue[0].diagnostics).toMatch(/code "09" is not in TRE_R330 TypeStatutCapacite/);
    expect(await etag()).toBe('W/"1"');
  });

  test('on a Location claiming RORLocation, every write goes through the profile validator', async () => {
    // The server loads the ROR profiles at start; only Locations claiming the profile are affected.
    const profiled = { ...fixture, id: 'ssr-profiled', meta: { ...fixture.meta, profile: [ROR_LOCATION_PROFILE] } };
    const path = '/Location/ssr-profiled';
    expect((await put(s.app, path, profiled)).status).toBe(201);
    // What the server writes conforms: the corrected snippet, $set-capacity and the CSV import (defaults filled).
    const patched = await request(s.app).patch(path).set('Content-Type', FHIR_JSON).set('If-Match', 'W/"1"').send(JSON.stringify(scenario2));
    expect(patched.status).toBe(200);
    expect((await setCapacity(femaleFree(4), 'W/"2"', path)).status).toBe(200);
    const csv = `location,capacityType,capacityStatus,temporalityCapacity,nbCapacity\nssr-profiled,01,05,01,2\n`;
    expect((await importCsv(csv)).status).toBe(200);
    // An entry lacking required sub-extensions breaks the profile: 422, nothing written.
    const incomplete = {
      url: SUPPORTED_CAPACITY_URL,
      extension: [
        { url: 'capacityType', valueCodeableConcept: { coding: [{ system: CODE_LISTS.capacityType.system, code: '01' }] } },
        { url: 'capacityStatus', valueCodeableConcept: { coding: [{ system: CODE_LISTS.capacityStatus.system, code: '03' }] } },
        { url: 'temporalityCapacity', valueCodeableConcept: { coding: [{ system: CODE_LISTS.temporalityCapacity.system, code: '01' }] } },
        { url: 'nbCapacity', valueInteger: 12 },
      ],
    };
    const res = await request(s.app)
      .patch(path)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'add', path: '/extension/-', value: incomplete }]));
    expect(res.status).toBe(422);
    const messages = res.body.issue.map((i: any) => i.diagnostics).join('\n');
    expect(messages).toMatch(/capacitySourceType is required/);
    expect(messages).toMatch(/temporaryAssignement is required/);
    expect(messages).not.toMatch(/capacityUpdateDate/); // the server filled it
    expect((await request(s.app).get(path)).headers.etag).toBe('W/"4"');
  });
});

// --- $set-capacity ---

describe('$set-capacity', () => {
  test('replaces the entry with the same type, status, temporality and gender', async () => {
    const res = await setCapacity(femaleFree(7));
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    expect(entries(res.body)).toHaveLength(3);
    expect(find(res.body, '02', '01')).toEqual([
      { type: '01', status: '02', temporality: '01', gender: '01', nb: 7, date: NOW(), source: '01', assignment: '01' },
    ]);
    const written = (res.body as Location).extension!.find((e) => e.url === SUPPORTED_CAPACITY_URL && code(e, 'genderCapacityAvailable') === '01')!;
    expect(written.extension![1]).toEqual({
      url: 'capacityStatus',
      valueCodeableConcept: { coding: [{ system: CODE_LISTS.capacityStatus.system, code: '02', display: 'Disponible' }] },
    });
  });

  test('adds an entry when none matches, with the IG-required defaults', async () => {
    const res = await setCapacity([
      { name: 'capacityType', valueCode: '01' },
      { name: 'capacityStatus', valueCode: '05' },
      { name: 'temporalityCapacity', valueCode: '01' },
      { name: 'nbCapacity', valueInteger: 4 },
      { name: 'capacityClosingType', valueCoding: { code: '01' } },
    ]);
    expect(res.status).toBe(200);
    expect(entries(res.body)).toHaveLength(4);
    expect(find(res.body, '05')).toEqual([{ type: '01', status: '05', temporality: '01', gender: undefined, nb: 4, date: NOW(), source: '01', assignment: '01' }]);
  });

  test('honours If-Match', async () => {
    expect((await setCapacity(femaleFree(7), 'W/"1"')).status).toBe(200);
    const stale = await setCapacity(femaleFree(8), 'W/"1"');
    expect(stale.status).toBe(412);
    expect(find(await read(), '02', '01')[0].nb).toBe(7);
    expect((await setCapacity(femaleFree(8), 'W/"2"')).status).toBe(200);
  });

  test('concurrent calls without If-Match lose no update: each one is a version', async () => {
    const results = await Promise.all([setCapacity(femaleFree(4)), setCapacity(femaleFree(5)), setCapacity(femaleFree(6))]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((r) => r.headers.etag))).toEqual(new Set(['W/"2"', 'W/"3"', 'W/"4"']));
    expect(entries(await read())).toHaveLength(3);
  });

  test.each([
    ['a missing nbCapacity', femaleFree(1).filter((p: any) => p.name !== 'nbCapacity'), /nbCapacity is required/],
    ['a negative nbCapacity', femaleFree(-1), /nbCapacity must be 0 or more, got -1/],
    ['a decimal nbCapacity', [...femaleFree(1).filter((p: any) => p.name !== 'nbCapacity'), { name: 'nbCapacity', valueDecimal: 2.5 }], /nbCapacity must be a whole number/],
    ['an unknown code', [...femaleFree(1).filter((p: any) => p.name !== 'capacityStatus'), { name: 'capacityStatus', valueCode: '09' }], /capacityStatus: "09" is not a code of TRE_R330/],
    [
      'a JDV URL as system',
      [...femaleFree(1).filter((p: any) => p.name !== 'capacityType'), { name: 'capacityType', valueCoding: { system: CODE_LISTS.capacityType.valueSet, code: '01' } }],
      /capacityType: .* is a value set \(JDV\), not a code system/,
    ],
    ['an unknown parameter', femaleFree(1, [{ name: 'nbBeds', valueInteger: 1 }]), /unknown parameter "nbBeds"/],
  ])('refuses %s with a 400 naming the parameter, and writes nothing', async (_what, parameter, message) => {
    const res = await setCapacity(parameter);
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i: any) => i.diagnostics).join('\n')).toMatch(message);
    expect(await etag()).toBe('W/"1"');
  });

  test('404 for an unknown Location, 405 for GET, 400 for a body that is not Parameters', async () => {
    expect((await setCapacity(femaleFree(1), undefined, '/Location/nowhere')).status).toBe(404);
    expect((await request(s.app).get(`${PATH}/$set-capacity`)).status).toBe(405);
    const csv = await request(s.app).post(`${PATH}/$set-capacity`).set('Content-Type', 'text/csv').send('a,b\n1,2\n');
    expect(csv.status).toBe(400);
  });

  test('several matching entries (ordinary and Covid+) are a 422 until temporaryAssignement chooses one', async () => {
    expect((await setCapacity(femaleFree(2, [{ name: 'temporaryAssignement', valueCode: '02' }]))).status).toBe(200);
    const ambiguous = await setCapacity(femaleFree(1));
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.issue[0].diagnostics).toMatch(/2 capacity entries match .*give temporaryAssignement/);
    const res = await setCapacity(femaleFree(0, [{ name: 'temporaryAssignement', valueCode: '02' }]));
    expect(res.status).toBe(200);
    expect(find(res.body, '02', '01', '02')).toMatchObject([{ nb: 0 }]);
    expect(find(res.body, '02', '01', '01')).toMatchObject([{ nb: 3 }]);
  });
});

// --- $capacity-import ---

describe('$capacity-import (CSV)', () => {
  test('applies every row, by id or idExterneSynchro, with a ";" separator, a BOM and one-digit codes', async () => {
    const csv = '\uFEFFlocation;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity\r\n' +
      'SSR-2E;1;2;1;1;9\r\n' +
      `${ID};01;02;01;02;0\r\n`;
    const res = await importCsv(Buffer.from(csv, 'utf8'));
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.every((i: any) => i.severity === 'information')).toBe(true);
    expect(res.body.issue.slice(1).map((i: any) => i.location)).toEqual([['row 2'], ['row 3']]);
    expect(res.body.issue[1].diagnostics).toMatch(/row 2: Location\/ssr-2e Lit \/ Disponible \/ Courant \/ Femme: 9 \(was 3\), version 2/);
    const after = await read();
    expect(after.meta!.versionId).toBe('2'); // one version for the rows of one Location
    expect(find(after, '02', '01')).toMatchObject([{ nb: 9, date: NOW(), source: '01' }]);
    expect(find(after, '02', '02')).toMatchObject([{ nb: 0 }]);
  });

  test('"," separator, quoted cells, optional columns, type-level endpoint', async () => {
    const csv = 'Location,Capacity-Type,capacity_status,temporalityCapacity,nbCapacity,capacityClosingType,capacityUpdateDate\n' +
      `"${ID}",01,05,01,2,"02",2026-11-20T11:50:00+01:00\n`;
    const res = await importCsv(csv, '/Location/$capacity-import');
    expect(res.status).toBe(200);
    const closed = find(await read(), '05');
    expect(closed).toMatchObject([{ nb: 2, date: '2026-11-20T11:50:00+01:00' }]);
  });

  test('any failing row: 422, nothing applied (even other Locations), a report row by row', async () => {
    const { identifier: _identifier, ...rest } = fixture;
    const other = { ...rest, id: 'other' };
    expect((await put(s.app, '/Location/other', other)).status).toBe(201);
    const csv = 'location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity\n' +
      'other;01;02;01;01;8\n' +
      `${ID};01;02;01;01;-1\n` +
      'ghost;01;02;01;01;1\n' +
      '\n' +
      `${ID};01;07;01;02;1\n`;
    const res = await importCsv(csv);
    expect(res.status).toBe(422);
    const byLocation = Object.fromEntries(res.body.issue.filter((i: any) => i.location).map((i: any) => [i.location[0], i]));
    expect(byLocation['row 2'].severity).toBe('information');
    expect(byLocation['row 2'].diagnostics).toMatch(/not applied/);
    expect(byLocation['row 3, column nbCapacity'].severity).toBe('error');
    expect(byLocation['row 3, column nbCapacity'].diagnostics).toMatch(/0 or more/);
    expect(byLocation['row 4, column location'].diagnostics).toMatch(/no Location has the id or identifier "ghost"/);
    expect(byLocation['row 6, column capacityStatus'].diagnostics).toMatch(/"07" is not a code of TRE_R330/);
    expect(res.body.issue[0].diagnostics).toMatch(/3 of 4 rows failed: nothing was imported/);
    expect(await etag()).toBe('W/"1"');
    expect((await request(s.app).get('/Location/other')).headers.etag).toBe('W/"1"');
  });

  test('two rows for the same entry are refused', async () => {
    const csv = 'location,capacityType,capacityStatus,temporalityCapacity,genderCapacityAvailable,nbCapacity\n' +
      `${ID},01,02,01,01,1\n${ID},01,02,01,01,2\n`;
    const res = await importCsv(csv);
    expect(res.status).toBe(422);
    expect(res.body.issue.find((i: any) => i.location?.[0] === 'row 3').diagnostics).toMatch(/row 2 already sets this entry/);
  });

  test('a file that cannot be read is a 400; a body that is not CSV a 415', async () => {
    const missing = await importCsv('location;capacityType;capacityStatus;temporalityCapacity\nx;01;02;01\n');
    expect(missing.status).toBe(400);
    expect(missing.body.issue[0].diagnostics).toMatch(/missing column\(s\) nbCapacity/);
    const unknown = await importCsv('location,capacityType,capacityStatus,temporalityCapacity,nbCapacity,comment\nx,01,02,01,1,hi\n');
    expect(unknown.status).toBe(400);
    expect(unknown.body.issue[0].diagnostics).toMatch(/unknown column\(s\) "comment"/);
    expect((await importCsv('')).status).toBe(400);
    const json = await request(s.app).post('/$capacity-import').set('Content-Type', FHIR_JSON).send('{"resourceType":"Parameters"}');
    expect(json.status).toBe(415);
  });
});

// --- $capacity-history ---

describe('$capacity-history', () => {
  const points = (body: any) =>
    body.parameter
      .filter((p: any) => p.name === 'point')
      .map((p: any) => Object.fromEntries(p.part.map((x: any) => [x.name, x.valueInteger ?? x.valueCoding?.code ?? x.valueInstant ?? x.valueId ?? x.valueDateTime ?? x.valueBoolean])));
  const param = (body: any, name: string) => body.parameter.find((p: any) => p.name === name);

  async function threeUpdates() {
    clock = new Date('2026-11-20T12:00:00Z');
    await setCapacity(femaleFree(2));
    clock = new Date('2026-11-20T13:00:00Z');
    await importCsv(`location,capacityType,capacityStatus,temporalityCapacity,genderCapacityAvailable,nbCapacity\n${ID},01,02,01,02,4\n`);
    clock = new Date('2026-11-20T14:00:00Z');
    await setCapacity(femaleFree(0));
  }

  test('a point per entry for the oldest version, then one per change, oldest first', async () => {
    await threeUpdates();
    const res = await request(s.app).get(`${PATH}/$capacity-history`);
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Parameters');
    expect(param(res.body, 'versions').valueInteger).toBe(4);
    expect(param(res.body, 'truncated').valueBoolean).toBe(false);
    const all = points(res.body);
    expect(all.map((p: any) => [p.versionId, p.capacityStatus, p.genderCapacityAvailable, p.nbCapacity])).toEqual([
      ['1', '01', undefined, 24],
      ['1', '02', '01', 3],
      ['1', '02', '02', 1],
      ['2', '02', '01', 2],
      ['3', '02', '02', 4],
      ['4', '02', '01', 0],
    ]);
    expect(all[3].capacityUpdateDate).toBe('2026-11-20T12:00:00.000Z');
    expect(all[3].capacitySourceType).toBe('01');
  });

  test('filters by entry codes, limits with _count and _since', async () => {
    await threeUpdates();
    const female = points((await request(s.app).get(`${PATH}/$capacity-history?genderCapacityAvailable=01&capacityStatus=02`)).body);
    expect(female.map((p: any) => p.nbCapacity)).toEqual([3, 2, 0]);

    const last2 = (await request(s.app).get(`${PATH}/$capacity-history?_count=2&genderCapacityAvailable=01`)).body;
    expect(param(last2, 'truncated').valueBoolean).toBe(true);
    expect(points(last2).map((p: any) => [p.versionId, p.nbCapacity])).toEqual([['3', 2], ['4', 0]]);

    const v3 = (await request(s.app).get(`${PATH}/_history/3`)).body;
    const since = (await request(s.app).get(`${PATH}/$capacity-history?_since=${encodeURIComponent(v3.meta.lastUpdated)}`)).body;
    expect(param(since, 'versions').valueInteger).toBe(2);
  });

  test('a deleted Location ends every series', async () => {
    await request(s.app).delete(PATH);
    const res = await request(s.app).get(`${PATH}/$capacity-history`);
    expect(res.status).toBe(200);
    const removed = points(res.body).filter((p: any) => p.removed);
    expect(removed).toHaveLength(3);
    expect(removed[0].versionId).toBe('2');
  });

  test('404 for an unknown Location; 400 for a bad _since or an unknown parameter', async () => {
    expect((await request(s.app).get('/Location/nowhere/$capacity-history')).status).toBe(404);
    expect((await request(s.app).get(`${PATH}/$capacity-history?_since=yesterday`)).status).toBe(400);
    expect((await request(s.app).get(`${PATH}/$capacity-history?gender=01`)).status).toBe(400);
  });
});

// --- stale flag ---

describe('stale capacity flag', () => {
  const stale = (location: Location) => (location.meta?.tag ?? []).some((t) => t.system === DATA_QUALITY_SYSTEM && t.code === STALE_CAPACITY_CODE);

  test('flagged on read once the latest update is older than the threshold; an update clears it', async () => {
    expect(stale(await read())).toBe(false);
    clock = new Date('2026-11-21T06:29:00Z'); // 23 h 59 after the fixture's dates
    expect(stale(await read())).toBe(false);
    clock = new Date('2026-11-21T06:31:00Z');
    const flagged = await read();
    expect(stale(flagged)).toBe(true);
    expect(flagged.meta!.tag!.filter((t) => t.system !== DATA_QUALITY_SYSTEM)).toEqual(fixture.meta.tag); // other tags kept
    expect((await setCapacity(femaleFree(3))).status).toBe(200);
    expect(stale(await read())).toBe(false);
  });

  test('flagged in search results and history', async () => {
    clock = new Date('2026-11-25T00:00:00Z');
    const search = await request(s.app).get(`/Location?_id=${ID}`);
    expect(search.status).toBe(200);
    expect(stale(search.body.entry[0].resource)).toBe(true);
    const history = await request(s.app).get(`${PATH}/_history`);
    expect(stale(history.body.entry[0].resource)).toBe(true);
  });

  test('the tag is never stored, even when a client sends back what it read', async () => {
    clock = new Date('2026-11-25T00:00:00Z');
    const flagged = await read();
    expect(stale(flagged)).toBe(true);
    const res = await put(s.app, PATH, { ...flagged, name: 'SSR polyvalent' });
    expect(res.status).toBe(200);
    const stored = JSON.parse((await s.store.read('Location', ID))!.json) as Location;
    expect(stale(stored)).toBe(false);
    expect(stored.meta!.tag).toEqual(fixture.meta.tag);
    expect(find(stored, '02', '01')[0].date).toBe(FIXTURE_DATE); // re-sending data does not make it fresh
  });

  test('the threshold is configurable', async () => {
    capacity.staleHours = 72;
    clock = new Date('2026-11-22T12:00:00Z');
    expect(stale(await read())).toBe(false);
    clock = new Date('2026-11-23T12:00:00Z');
    expect(stale(await read())).toBe(true);
  });
});
