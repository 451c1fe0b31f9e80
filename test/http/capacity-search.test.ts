/**
 * ROR capacity search: every capacity parameter of one query must hold for the SAME
 * `ror-location-supported-capacity` entry of a Location, directly and through chains — or "free female beds now"
 * returns units whose only free beds are male.
 */
import request from 'supertest';
import { post, put, testServer, type TestServer } from '../helpers/app';
import { CAPACITY_URL, TRE } from '../helpers/ror';

const R211 = 'https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle';
const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

/** One capacity entry as IG 0.7.0 writes it (coded sub-extensions are CodeableConcepts). */
function entry(status: string, gender: string, nb: number, temporality = '01') {
  return {
    url: CAPACITY_URL,
    extension: [
      { url: 'capacityType', valueCodeableConcept: cc(TRE.type, '01') },
      { url: 'capacityStatus', valueCodeableConcept: cc(TRE.status, status) },
      { url: 'temporalityCapacity', valueCodeableConcept: cc(TRE.temporality, temporality) },
      { url: 'genderCapacityAvailable', valueCodeableConcept: cc(TRE.gender, gender) },
      { url: 'nbCapacity', valueInteger: nb },
      { url: 'capacityUpdateDate', valueDateTime: '2026-11-22T08:00:00Z' },
    ],
  };
}

function location(id: string, ...entries: ReturnType<typeof entry>[]) {
  return { resourceType: 'Location', id, name: `Unité ${id}`, extension: entries };
}

let s: TestServer;
beforeAll(async () => {
  s = testServer();
  // male: free male beds, but its female beds are all occupied — the trap.
  await put(s.app, '/Location/male', location('male', entry('02', '02', 3), entry('03', '01', 5)));
  await put(s.app, '/Location/female', location('female', entry('02', '01', 2), entry('03', '02', 4)));
  await put(s.app, '/Location/full', location('full', entry('02', '01', 0), entry('03', '01', 6)));
  await put(s.app, '/Location/later', location('later', entry('02', '01', 4, '03')));
  for (const [id, loc] of [['hs-male', 'male'], ['hs-female', 'female'], ['hs-full', 'full'], ['hs-later', 'later']]) {
    await put(s.app, `/HealthcareService/${id}`, {
      resourceType: 'HealthcareService',
      id,
      specialty: [cc(R211, '356')],
      location: [{ reference: `Location/${loc}` }],
    });
  }
  await post(s.app, '/HealthcareService', { resourceType: 'HealthcareService', specialty: [cc(R211, '356')] });
});
afterAll(() => s.close());

const ids = (body: any, type: string) =>
  (body.entry ?? []).filter((e: any) => e.resource.resourceType === type).map((e: any) => e.resource.id).sort();

const FREE_FEMALE_NOW =
  `capacity-type=${TRE.type}|01&capacity-status=${TRE.status}|02&temporality-capacity=${TRE.temporality}|01` +
  `&gender-capacity-available=${TRE.gender}|01&nb-capacity=gt0`;

test('Location: all capacity criteria hold on one entry', async () => {
  const res = await request(s.app).get(`/Location?${FREE_FEMALE_NOW}`);
  expect(res.status).toBe(200);
  expect(ids(res.body, 'Location')).toEqual(['female']);
});

test('each criterion alone still matches any entry', async () => {
  const female = await request(s.app).get(`/Location?gender-capacity-available=${TRE.gender}|01`);
  expect(ids(female.body, 'Location')).toEqual(['female', 'full', 'later', 'male']);
  const nb = await request(s.app).get('/Location?nb-capacity=ge5');
  expect(ids(nb.body, 'Location')).toEqual(['full', 'male']);
});

test('free male beds do not answer a search for free female beds (the cross-entry trap)', async () => {
  const res = await request(s.app).get(`/Location?capacity-status=${TRE.status}|02&gender-capacity-available=${TRE.gender}|01`);
  expect(ids(res.body, 'Location')).not.toContain('male');
  const occupiedFemale = await request(s.app).get(`/Location?capacity-status=${TRE.status}|03&gender-capacity-available=${TRE.gender}|01`);
  expect(ids(occupiedFemale.body, 'Location')).toEqual(['full', 'male']);
});

test('through a chain: HealthcareService?location.… with _include brings exactly the matching units and their Locations', async () => {
  const chained = FREE_FEMALE_NOW.split('&').map((p) => `location.${p}`).join('&');
  const res = await request(s.app).get(`/HealthcareService?specialty=${R211}|356&${chained}&_include=HealthcareService:location`);
  expect(res.status).toBe(200);
  expect(ids(res.body, 'HealthcareService')).toEqual(['hs-female']);
  expect(ids(res.body, 'Location')).toEqual(['female']);
  const included = res.body.entry.find((e: any) => e.resource.resourceType === 'Location');
  expect(included.search.mode).toBe('include');
});

test("the IG's orientation query, as published (systems named TRE_Rnnn), returns exactly the units with such a bed", async () => {
  const query =
    'HealthcareService?specialty=TRE_R211|356&location.capacity-type=TRE_R329|01' +
    '&location.gender-capacity-available=TRE_R332|01&location.temporality-capacity=TRE_R331|01' +
    '&location.capacity-status=TRE_R330|02&location.nb-capacity=gt0&_include=HealthcareService:location';
  const res = await request(s.app).get(`/${query}`);
  expect(res.status).toBe(200);
  expect(ids(res.body, 'HealthcareService')).toEqual(['hs-female']);
  expect(ids(res.body, 'Location')).toEqual(['female']);
  // An unknown short name is not expanded: it matches nothing rather than something else.
  const unknown = await request(s.app).get(`/Location?capacity-status=TRE_R999|02`);
  expect(ids(unknown.body, 'Location')).toEqual([]);
});

test('a capacity update is searchable at once', async () => {
  const before = await request(s.app).get(`/Location?${FREE_FEMALE_NOW}`);
  expect(ids(before.body, 'Location')).not.toContain('full');
  await put(s.app, '/Location/full', location('full', entry('02', '01', 1), entry('03', '01', 5)));
  const after = await request(s.app).get(`/Location?${FREE_FEMALE_NOW}`);
  expect(ids(after.body, 'Location')).toEqual(['female', 'full']);
  await put(s.app, '/Location/full', location('full', entry('02', '01', 0), entry('03', '01', 6)));
});

test('paging through a broad capacity search returns every match once (the query is driven from the entries in resource order)', async () => {
  const paging = testServer();
  try {
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `p${String(i).padStart(2, '0')}`;
      // Every third one has its free beds male only, or no free bed: not a match.
      const entries = i % 3 === 0 ? [entry('02', '02', 3), entry('03', '01', 2)] : [entry('03', '02', 1), entry('02', '01', 1 + (i % 4))];
      if (i % 3 !== 0) expected.push(id);
      await put(paging.app, `/Location/${id}`, location(id, ...entries));
    }
    const seen: string[] = [];
    let url: string | undefined = `/Location?${FREE_FEMALE_NOW}&_count=7`;
    while (url) {
      const res = await request(paging.app).get(url);
      expect(res.status).toBe(200);
      seen.push(...ids(res.body, 'Location'));
      const next = res.body.link.find((l: any) => l.relation === 'next');
      url = next ? next.url.replace(/^https?:\/\/[^/]+/, '') : undefined;
    }
    expect(seen.sort()).toEqual(expected);
  } finally {
    await paging.close();
  }
});
