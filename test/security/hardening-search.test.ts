/**
 * Bounds on the cost of one search (src/fhir/search/plan.ts, include.ts; ROR_MAX_*), and long OR-lists that the
 * SQLite adapter must run rather than fail on ("Expression tree is too large": src/store/sqlite/search-sql.ts anyOf).
 */
import request from 'supertest';
import { anyOf } from '../../src/store/sqlite/search-sql';
import type { ComposedServer } from '../../src/main';
import { hardenedServer } from './helpers/fuzz-server';

const FHIR_JSON = 'application/fhir+json';
const list = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(',');

let defaults: ComposedServer;
let roomy: ComposedServer;
beforeAll(async () => {
  defaults = hardenedServer({ rateLimitPerMinute: 0 });
  roomy = hardenedServer({ rateLimitPerMinute: 0, maxUrlLength: 100_000, search: { maxOrValues: 5000, maxTotalOrValues: 10_000 } });
  for (const s of [defaults, roomy]) {
    const res = await request(s.app)
      .put('/Organization/x1999')
      .set('Content-Type', FHIR_JSON)
      .send(JSON.stringify({ resourceType: 'Organization', id: 'x1999', name: 'x1999' }));
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await defaults.close();
  await roomy.close();
});

/** A 400 whose diagnostics match `message`. */
async function refused(app: ComposedServer['app'], url: string, message: RegExp) {
  const res = await request(app).get(url);
  expect(res.status).toBe(400);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].diagnostics).toMatch(message);
  return res.body.issue[0];
}

describe('OR-lists', () => {
  test('name=x,x,… with 2,000 values: a 400 naming the parameter and the limit (it was a 500)', async () => {
    const issue = await refused(defaults.app, `/Organization?name=${list(2000, () => 'x')}`, /'name' has 2000 comma-separated values, more than the limit of 500 \(ROR_MAX_OR_VALUES\)/);
    expect(issue.code).toBe('too-costly');
    expect(issue.expression).toEqual(['name']);
  });

  test('past the limit, 2,000 values run, and find what they should', async () => {
    // POSTed: a URL this long is past node's 16 KiB for the request line and headers (431)
    const search = (type: string, form: string) =>
      request(roomy.app).post(`/${type}/_search`).set('Content-Type', 'application/x-www-form-urlencoded').send(form);
    const res = await search('Organization', `name=${list(2000, (i) => `x${i}`)}`);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.resource.id)).toEqual(['x1999']);
    for (const [type, form] of [
      ['Organization', `_id=${list(2000, (i) => `x${i}`)}`],
      ['Organization', `identifier=${list(2000, (i) => `s|v${i}`)}`],
      ['Location', `organization=${list(2000, (i) => `Organization/x${i}`)}`],
      ['Organization', `_lastUpdated=${list(2000, () => 'gt2020-01-01')}`],
      ['Organization', `_has:Location:organization:name=${list(2000, (i) => `n${i}`)}`],
    ]) {
      expect([form.slice(0, 30), (await search(type, form)).status]).toEqual([form.slice(0, 30), 200]);
    }
  });

  test('_id, chains, _has, composite parameters, _list and value-set lists count too', async () => {
    const many = list(501, (i) => `v${i}`);
    await refused(defaults.app, `/Organization?_id=${many}`, /'_id' has 501/);
    await refused(defaults.app, `/Location?organization.name=${many}`, /'organization.name' has 501/);
    await refused(defaults.app, `/Organization?_has:Location:organization:name=${many}`, /'_has:Location:organization:name' has 501/);
    await refused(defaults.app, `/Observation?code-value-quantity=${list(501, (i) => `c${i}$${i}`)}`, /'code-value-quantity' has 501/);
    await refused(defaults.app, `/Organization?_list=${many}`, /'_list' has 501/);
    await refused(defaults.app, `/Organization?type:in=${list(501, () => 'vs')}`, /'type:in' has 501/);
  });

  test('the total over every parameter, nested ones included, is bounded (ROR_MAX_TOTAL_OR_VALUES)', async () => {
    const v = (n: number, p: string) => list(n, (i) => `${p}${i}`);
    await refused(
      defaults.app,
      `/Location?name=${v(400, 'a')}&organization.name=${v(400, 'b')}&organization.partof.name=${v(201, 'c')}`,
      /more than 1000 comma-separated values over all its parameters \(ROR_MAX_TOTAL_OR_VALUES\); 'organization.partof.name'/,
    );
    const ok = await request(defaults.app).get(`/Location?name=${v(400, 'a')}&organization.name=${v(400, 'b')}&organization.partof.name=${v(200, 'c')}`);
    expect(ok.status).toBe(200);
  });

  test('anyOf nests long OR-lists as a balanced tree, keeping the order of the parts', () => {
    expect(anyOf([])).toBe('0');
    expect(anyOf(['a'])).toBe('(a)');
    expect(anyOf(['a', 'b'])).toBe('(a OR b)');
    const parts = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const sql = anyOf(parts);
    expect(sql.match(/p\d+/g)).toEqual(parts);
    let depth = 0;
    let max = 0;
    for (const ch of anyOf(Array.from({ length: 100_000 }, () => 'x'))) {
      if (ch === '(') max = Math.max(max, ++depth);
      if (ch === ')') depth--;
    }
    expect(max).toBeLessThanOrEqual(6);
  });
});

describe('includes, chains, sorting', () => {
  test('more _include and _revinclude parameters than ROR_MAX_INCLUDES → 400', async () => {
    const inc = Array.from({ length: 11 }, (_, i) => (i % 2 ? '_include=Organization:partof' : '_revinclude=Location:organization')).join('&');
    await refused(defaults.app, `/Organization?${inc}`, /11 _include and _revinclude parameters, more than the limit of 10 \(ROR_MAX_INCLUDES\)/);
  });

  test(':iterate stops after ROR_MAX_INCLUDE_DEPTH rounds, and says so', async () => {
    const s = hardenedServer({ rateLimitPerMinute: 0 }, {}, { ROR_MAX_INCLUDE_DEPTH: '2' });
    try {
      for (let i = 0; i <= 6; i++) {
        const org = { resourceType: 'Organization', id: `o${i}`, name: `level ${i}`, ...(i ? { partOf: { reference: `Organization/o${i - 1}` } } : {}) };
        expect((await request(s.app).put(`/Organization/o${i}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(org))).status).toBe(201);
      }
      const res = await request(s.app).get('/Organization?_id=o6&_include:iterate=Organization:partof');
      expect(res.status).toBe(200);
      const included = res.body.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.id);
      expect(included).toEqual(['o5', 'o4', 'o3']); // the first round, then 2 more
      const outcome = res.body.entry.find((e: any) => e.search.mode === 'outcome').resource;
      expect(outcome.issue[0].diagnostics).toMatch(/:iterate stopped after 2 rounds \(ROR_MAX_INCLUDE_DEPTH\)/);
      // without :iterate nothing is said
      const plain = await request(s.app).get('/Organization?_id=o6&_include=Organization:partof');
      expect(plain.body.entry.map((e: any) => e.search.mode)).toEqual(['match', 'include']);
    } finally {
      await s.close();
    }
  });

  test('_revinclude over many matches reads their sources in slices', async () => {
    const s = hardenedServer({ rateLimitPerMinute: 0 });
    try {
      const entry = Array.from({ length: 250 }, (_, i) => [
        { resource: { resourceType: 'Organization', id: `org${i}`, name: `org ${i}` }, request: { method: 'PUT', url: `Organization/org${i}` } },
        { resource: { resourceType: 'Location', id: `loc${i}`, name: `loc ${i}`, managingOrganization: { reference: `Organization/org${i}` } }, request: { method: 'PUT', url: `Location/loc${i}` } },
      ]).flat();
      const tx = await request(s.app).post('/').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
      expect(tx.status).toBe(200);
      const res = await request(s.app).get('/Organization?_count=300&_revinclude=Location:organization');
      expect(res.status).toBe(200);
      expect(res.body.entry.filter((e: any) => e.search.mode === 'include')).toHaveLength(250);
    } finally {
      await s.close();
    }
  });

  test('chains deeper than ROR_MAX_CHAIN_DEPTH → 400', async () => {
    const deep = `/Location?${'organization.partof.'.repeat(3)}partof.name=x`; // 7 links
    await refused(defaults.app, deep, /nest at most 6 levels \(ROR_MAX_CHAIN_DEPTH\)/);
    expect((await request(defaults.app).get(`/Location?${'organization.partof.'.repeat(3)}name=x`)).status).toBe(200);
  });

  test('more than 8 _sort keys → 400', async () => {
    await refused(defaults.app, `/Organization?_sort=${list(9, () => 'name')}`, /_sort has 9 keys, more than the limit of 8/);
  });

  test('settings from the environment', () => {
    const s = hardenedServer({}, {}, { ROR_MAX_OR_VALUES: '3' });
    return request(s.app)
      .get('/Organization?name=a,b,c,d')
      .then((res) => {
        expect(res.status).toBe(400);
        expect(res.body.issue[0].diagnostics).toMatch(/limit of 3 \(ROR_MAX_OR_VALUES\)/);
      })
      .finally(() => s.close());
  });
});
