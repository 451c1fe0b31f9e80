/**
 * What the establishments' bed page needs from the capacity operations: `$confirm-capacity` ("rien n'a changé":
 * every entry's date moves, no figure does, conditional on the version seen) and `$capacity-import?_dryRun=true`
 * (the import's per-row report without writing anything).
 */
import request from 'supertest';
import type { Location } from '@medplum/fhirtypes';
import type { CapacityConfig } from '../../src/ror/capacity';
import { readRecord } from '../../src/ror/capacity/model';
import { SUPPORTED_CAPACITY_URL } from '../../src/ror/capacity/codes';
import { FHIR_JSON, put, testServer, type TestServer } from '../helpers/app';
import { freeBedsParameters, locationWithCapacity } from '../helpers/ror';

let clock = new Date('2026-11-20T11:00:00Z');
const capacity: CapacityConfig = { now: () => clock, staleHours: 24 };
const PATH = '/Location/loc-1';

let s: TestServer;
beforeEach(async () => {
  clock = new Date('2026-11-20T11:00:00Z');
  s = testServer({ capacity });
  expect((await put(s.app, PATH, locationWithCapacity('loc-1'))).status).toBe(201);
});
afterEach(() => s.close());

const read = async () => (await request(s.app).get(PATH)).body as Location;
const records = (l: Location) => (l.extension ?? []).filter((e) => e.url === SUPPORTED_CAPACITY_URL).map(readRecord);
const confirm = (ifMatch?: string, body?: unknown) => {
  const r = request(s.app).post(`${PATH}/$confirm-capacity`);
  if (ifMatch) r.set('If-Match', ifMatch);
  return body === undefined ? r.send() : r.set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
};
const importCsv = (csv: string, query = '?_dryRun=true') => request(s.app).post(`/$capacity-import${query}`).set('Content-Type', 'text/csv').send(csv);

describe('$confirm-capacity', () => {
  test('moves every entry to now as a manual entry, keeps every figure, in one version', async () => {
    const before = records(await read());
    clock = new Date('2026-11-21T09:30:00Z');
    const res = await confirm('W/"1"');
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    const after = records(res.body as Location);
    expect(after.map((r) => r.nbCapacity)).toEqual(before.map((r) => r.nbCapacity));
    expect(after.map((r) => r.capacityStatus)).toEqual(before.map((r) => r.capacityStatus));
    expect(after.every((r) => r.capacityUpdateDate === '2026-11-21T09:30:00.000Z' && r.capacitySourceType === '01')).toBe(true);
    expect(records(await read())).toEqual(after);
  });

  test('the Location stops being stale', async () => {
    clock = new Date('2026-11-25T09:00:00Z');
    const stale = (l: Location) => (l.meta?.tag ?? []).some((t) => t.code === 'stale-capacity');
    expect(stale(await read())).toBe(true);
    expect((await confirm()).status).toBe(200);
    expect(stale(await read())).toBe(false);
  });

  test('a version changed meanwhile: 412, nothing confirmed', async () => {
    const other = await request(s.app).post(`${PATH}/$set-capacity`).set('Content-Type', FHIR_JSON).send(JSON.stringify(freeBedsParameters(7)));
    expect(other.status).toBe(200);
    clock = new Date('2026-11-21T09:30:00Z');
    const res = await confirm('W/"1"');
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const now = await read();
    expect(now.meta!.versionId).toBe('2');
    expect(records(now).some((r) => r.capacityUpdateDate === '2026-11-21T09:30:00.000Z')).toBe(false);
  });

  test('a Location without capacity: 422; parameters: 400; unknown: 404', async () => {
    expect((await put(s.app, '/Location/empty', { resourceType: 'Location', id: 'empty', name: 'Hall' })).status).toBe(201);
    const none = await request(s.app).post('/Location/empty/$confirm-capacity').send();
    expect(none.status).toBe(422);
    expect(none.body.issue[0].diagnostics).toMatch(/no capacity entry/);
    expect((await confirm(undefined, { resourceType: 'Parameters', parameter: [{ name: 'nbCapacity', valueInteger: 1 }] })).status).toBe(400);
    expect((await confirm(undefined, { resourceType: 'Parameters' })).status).toBe(200);
    expect((await request(s.app).post('/Location/ghost/$confirm-capacity').send()).status).toBe(404);
  });
});

describe('$capacity-import?_dryRun=true', () => {
  const HEADER = 'location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity\n';

  test('a valid file: the report of what would apply, and nothing written', async () => {
    const res = await importCsv(`${HEADER}loc-1;01;02;01;01;9\nloc-1;01;02;01;02;4\n`);
    expect(res.status).toBe(200);
    expect(res.body.issue[0].diagnostics).toMatch(/dry run: all 2 rows are valid .*nothing was written/);
    expect(res.body.issue[1]).toMatchObject({ severity: 'information', location: ['row 2'] });
    expect(res.body.issue[1].diagnostics).toMatch(/Femme: 9 \(was 3\), would be applied/);
    const after = await read();
    expect(after.meta!.versionId).toBe('1');
    expect(records(after).map((r) => r.nbCapacity)).toEqual([3, 1]);
    const history = await request(s.app).get(`${PATH}/_history`);
    expect(history.body.total).toBe(1);
  });

  test('a bad row: the same 422 report as the import, saying nothing was written', async () => {
    const res = await importCsv(`${HEADER}loc-1;01;02;01;01;9\nloc-1;01;02;01;02;-2\nghost;01;02;01;01;1\n`);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].diagnostics).toMatch(/2 of 3 rows would fail \(dry run: nothing was written/);
    const at = (loc: string) => res.body.issue.find((i: any) => i.location?.[0] === loc);
    expect(at('row 2').severity).toBe('information');
    expect(at('row 3, column nbCapacity').severity).toBe('error');
    expect(at('row 4, column location').diagnostics).toMatch(/no Location has the id or identifier "ghost"/);
    expect((await read()).meta!.versionId).toBe('1');
  });

  test('then the real import applies what the dry run reported', async () => {
    const csv = `${HEADER}loc-1;01;02;01;01;9\n`;
    expect((await importCsv(csv)).status).toBe(200);
    const res = await importCsv(csv, '');
    expect(res.status).toBe(200);
    expect(res.body.issue[1].diagnostics).toMatch(/version 2/);
    expect((await read()).meta!.versionId).toBe('2');
    expect((await importCsv(csv, '?_dryRun=false')).status).toBe(200);
  });

  test('_dryRun takes true or false', async () => {
    const res = await importCsv(`${HEADER}loc-1;01;02;01;01;9\n`, '?_dryRun=oui');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/_dryRun takes true or false/);
    expect((await read()).meta!.versionId).toBe('1');
  });
});
