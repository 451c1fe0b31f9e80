/**
 * A searchset is sent as JSON written around its entries' stored JSON (src/fhir/search/bundle.ts, toJson), not
 * parsed and serialized again: the bytes must be those of JSON.stringify on the Bundle object (toResource), which
 * batch entries, `_pretty`, `_summary` and `_elements` still use. History bundles are written the same way
 * (src/fhir/interactions/history.ts).
 */
import request from 'supertest';
import type { Bundle } from '@medplum/fhirtypes';
import { post, put, testServer, BASE, type TestServer } from '../helpers/app';
import { CAPACITY_URL, TRE } from '../helpers/ror';
import { searchInteraction, searchset } from '../../src/fhir/interactions/search';
import { Searchset } from '../../src/fhir/search/bundle';
import { history } from '../../src/fhir/interactions/history';

const NOW = new Date('2026-11-22T12:00:00Z');
const cc = (system: string, code: string) => ({ coding: [{ system, code }] });
const capacity = (updated: string) => ({
  url: CAPACITY_URL,
  extension: [
    { url: 'capacityType', valueCodeableConcept: cc(TRE.type, '01') },
    { url: 'capacityStatus', valueCodeableConcept: cc(TRE.status, '02') },
    { url: 'temporalityCapacity', valueCodeableConcept: cc(TRE.temporality, '01') },
    { url: 'genderCapacityAvailable', valueCodeableConcept: cc(TRE.gender, '01') },
    { url: 'nbCapacity', valueInteger: 2 },
    { url: 'capacityUpdateDate', valueDateTime: updated },
  ],
});

let s: TestServer;
beforeAll(async () => {
  // Location has a present hook: capacity older than 24 h is served with a stale-capacity tag.
  s = testServer({ capacity: { now: () => NOW, staleHours: 24 } });
  const names = ['Hôpital « Nord »', 'Clinique "du Parc" \\ Sud', 'Centre\u2028de soins 🏥', 'CH Lyon'];
  for (const [i, name] of names.entries()) {
    await put(s.app, `/Organization/o${i}`, { resourceType: 'Organization', id: `o${i}`, name, active: true, address: [{ city: 'Lyon' }] });
  }
  const locations = [
    ['fresh', '2026-11-22T08:00:00Z', 45.76],
    ['stale', '2026-11-01T08:00:00Z', 45.77],
  ] as const;
  for (const [id, updated, latitude] of locations) {
    await put(s.app, `/Location/${id}`, {
      resourceType: 'Location',
      id,
      name: `Unité ${id}`,
      extension: [capacity(updated)],
      position: { latitude, longitude: 4.85 },
      managingOrganization: { reference: 'Organization/o0' },
    });
  }
  await put(s.app, '/Location/plain', { resourceType: 'Location', id: 'plain', name: 'Sans capacité', position: { latitude: 45.75, longitude: 4.85 } });
  for (const [i, loc] of ['fresh', 'stale', 'plain', 'fresh', 'stale'].entries()) {
    await put(s.app, `/HealthcareService/h${i}`, {
      resourceType: 'HealthcareService',
      id: `h${i}`,
      name: `Unité ${i}`,
      providedBy: { reference: `Organization/o${i % 4}` },
      location: [{ reference: `Location/${loc}` }],
    });
  }
});
afterAll(() => s.close());

/** [type ('' for system level), query] */
const QUERIES: [string, string][] = [
  ['HealthcareService', '_include=HealthcareService:location&_include=HealthcareService:organization&_total=accurate&_count=2'],
  ['Organization', '_revinclude=Location:organization&_count=1&_total=estimate'],
  ['Location', 'near=45.76|4.85|10|km'],
  ['Location', 'near=45.76|4.85|10|km&_count=1'],
  ['Organization', 'name=h&unknown-param=1'],
  ['Organization', 'name=nobody'],
  ['Organization', '_summary=true'],
  ['Location', '_elements=name&_count=2'],
  ['', '_type=Organization,Location&_count=3'],
  ['Organization', '_has:HealthcareService:organization:name=unit&_count=2'],
];

const params = (query: string) => [...new URLSearchParams(query).entries()] as [string, string][];
const run = (type: string, query: string) =>
  searchset(s.store, s.server.kernel, { resourceTypes: type ? [type] : undefined, params: params(query), baseUrl: BASE, strict: false }, { defaultCount: 20, maxCount: 1000 });
/** The response body as sent, unparsed. */
const sent = (url: string) =>
  request(s.app)
    .get(url)
    .buffer(true)
    .parse((res, cb) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => cb(null, text));
    });

test.each(QUERIES)('/%s?%s: the written JSON is JSON.stringify of the Bundle object, on every page', async (type, query) => {
  let q: string | undefined = query;
  for (let page = 0; q && page < 5; page++) {
    const set = await run(type, q);
    const bundle = set.toResource();
    expect(set.toJson()).toBe(JSON.stringify(bundle));
    // what is sent: the written JSON, or the object pretty-printed
    const compact = await sent(`/${type}?${q}`);
    expect(compact.status).toBe(200);
    expect(compact.body).toBe(JSON.stringify(bundle));
    expect((await sent(`/${type}?${q}&_pretty=true`)).body).toBe(JSON.stringify(bundle, null, 2));
    const next: string | undefined = bundle.link?.find((l) => l.relation === 'next')?.url;
    q = next ? new URL(next).search.slice(1) : undefined;
  }
});

test('the cases the comparison must cover are there: includes, outcome, total, paging links, present hook both ways', async () => {
  const first = (await run(...QUERIES[0])).toResource();
  expect(first.total).toBe(5);
  expect(first.entry!.some((e) => e.search?.mode === 'include' && e.resource?.resourceType === 'Location')).toBe(true);
  expect(first.link!.map((l) => l.relation)).toEqual(['self', 'first', 'next']);
  const near = (await run('Location', 'near=45.76|4.85|10|km')).toResource();
  const tags = Object.fromEntries(near.entry!.map((e) => [e.resource!.id, (e.resource!.meta?.tag ?? []).map((t) => t.code)]));
  expect(tags).toEqual({ fresh: [], stale: ['stale-capacity'], plain: [] });
  const outcome = (await run(...QUERIES[4])).toResource();
  expect(outcome.entry!.at(-1)!.search!.mode).toBe('outcome');
  const has = (await run(...QUERIES[9])).toResource();
  expect(has.entry!.map((e) => e.resource!.id)).toEqual(['o0', 'o1']);
});

test('stored JSON is copied as it is, not parsed and written again', () => {
  // Not what the store writes (it writes JSON.stringify's output): this shows the bytes are copied.
  const json = '{ "resourceType": "Organization", "id": "x" }';
  const set = new Searchset({
    baseUrl: `${BASE}/`,
    resourceType: 'Organization',
    linkParams: [['name', 'x']],
    result: { entries: [{ resourceType: 'Organization', id: 'x', versionId: '1', lastUpdated: '2026-11-22T12:00:00.000Z', deleted: false, json }] },
    included: [],
    presenter: s.server.kernel.hooks,
  });
  expect(set.toJson()).toBe(
    `{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"${BASE}/Organization?name=x"},` +
      `{"relation":"first","url":"${BASE}/Organization?name=x"}],"entry":[{"fullUrl":"${BASE}/Organization/x","resource":${json},"search":{"mode":"match"}}]}`,
  );
});

test('a search inside a batch gets the Bundle object, equal to the one sent alone', async () => {
  const query = '_include=HealthcareService:location&_count=2';
  const alone = await request(s.app).get(`/HealthcareService?${query}`);
  const res = await post(s.app, '/', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `HealthcareService?${query}` } }] });
  expect(res.status).toBe(200);
  expect(res.body.entry[0].response.status).toBe('200 OK');
  expect(res.body.entry[0].resource).toEqual(alone.body);
  const direct: Bundle = await searchInteraction(s.store, s.server.kernel, { resourceTypes: ['HealthcareService'], params: params(query), baseUrl: BASE, strict: false }, { defaultCount: 20, maxCount: 1000 });
  expect(direct).toEqual(alone.body);
});

describe('history bundles', () => {
  const historyOf = (resourceType: string | undefined, id: string | undefined, query: string) =>
    history(s.store, { resourceType, id, params: params(query), baseUrl: BASE, presenter: s.server.kernel.hooks }, { defaultCount: 20, maxCount: 1000 });

  test('are written around the stored JSON too: JSON.stringify of the Bundle object, deletions and paging included', async () => {
    await put(s.app, '/Organization/o0', { resourceType: 'Organization', id: 'o0', name: 'Hôpital « Nord » bis', active: true });
    expect((await request(s.app).delete('/HealthcareService/h4')).status).toBeLessThan(300);
    const cases: [string | undefined, string | undefined, string][] = [
      [undefined, undefined, '_count=7'],
      ['Location', undefined, ''],
      ['Location', 'stale', ''],
      ['HealthcareService', 'h4', ''],
      ['Organization', 'o0', '_count=1'],
    ];
    let deletions = 0;
    for (const [type, id, query] of cases) {
      let q: string | undefined = query;
      for (let page = 0; q !== undefined && page < 4; page++) {
        const h = await historyOf(type, id, q);
        const bundle = h.toResource();
        expect(h.toJson()).toBe(JSON.stringify(bundle));
        const path = `/${[type, id, '_history'].filter(Boolean).join('/')}`;
        expect((await sent(`${path}?${q}`)).body).toBe(JSON.stringify(bundle));
        expect((await sent(`${path}?${q}${q ? '&' : ''}_pretty=true`)).body).toBe(JSON.stringify(bundle, null, 2));
        deletions += (bundle.entry ?? []).filter((e) => e.request?.method === 'DELETE').length;
        const next: string | undefined = bundle.link?.find((l) => l.relation === 'next')?.url;
        q = next ? new URL(next).search.slice(1) : undefined;
      }
    }
    expect(deletions).toBeGreaterThan(0);
    // the present hook applies to history as to reads: the stale Location's versions carry the tag
    const stale = (await historyOf('Location', 'stale', '')).toResource();
    expect(stale.entry!.map((e) => (e.resource!.meta?.tag ?? []).map((t) => t.code))).toEqual([['stale-capacity']]);
  });
});
