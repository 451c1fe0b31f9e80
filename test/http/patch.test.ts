import request from 'supertest';
import { FHIR_JSON, issue, organization, post, put, testServer, type TestServer } from '../helpers/app';
import { CAPACITY_URL, TRE, capacity, locationWithCapacity } from '../helpers/ror';

let s: TestServer;
beforeEach(async () => {
  s = testServer();
  await put(s.app, '/Location/loc-1', locationWithCapacity());
});
afterEach(() => s.close());

const jsonPatch = (path: string, ops: unknown, etag?: string) => {
  const r = request(s.app).patch(path).set('Content-Type', 'application/json-patch+json');
  if (etag) r.set('If-Match', etag);
  return r.send(JSON.stringify(ops));
};
const fhirPathPatch = (path: string, parameter: unknown[], etag?: string) => {
  const r = request(s.app).patch(path).set('Content-Type', FHIR_JSON);
  if (etag) r.set('If-Match', etag);
  return r.send(JSON.stringify({ resourceType: 'Parameters', parameter }));
};
const femaleFree = `extension.where(url='${CAPACITY_URL}').where(extension.where(url='capacityStatus').value.code='02' and extension.where(url='genderCapacityAvailable').value.code='01')`;

describe('FHIRPath Patch on bed capacity', () => {
  test('replace the number of free female beds, with If-Match', async () => {
    const res = await fhirPathPatch(
      '/Location/loc-1',
      [{ name: 'operation', part: [
        { name: 'type', valueCode: 'replace' },
        { name: 'path', valueString: `${femaleFree}.extension.where(url='nbCapacity').value` },
        { name: 'value', valueInteger: 0 },
      ] }],
      'W/"1"',
    );
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    const nb = res.body.extension[0].extension.find((e: any) => e.url === 'nbCapacity');
    expect(nb.valueInteger).toBe(0);
    expect(res.body.extension[1].extension.find((e: any) => e.url === 'nbCapacity').valueInteger).toBe(1);
  });

  test('add a capacity entry built from parts; delete an entry', async () => {
    const added = await fhirPathPatch('/Location/loc-1', [
      { name: 'operation', part: [
        { name: 'type', valueCode: 'add' },
        { name: 'path', valueString: 'Location' },
        { name: 'name', valueString: 'extension' },
        { name: 'value', part: [
          { name: 'url', valueUri: CAPACITY_URL },
          { name: 'extension', part: [{ name: 'url', valueUri: 'capacityType' }, { name: 'value', valueCoding: { system: TRE.type, code: '01' } }] },
          { name: 'extension', part: [{ name: 'url', valueUri: 'capacityStatus' }, { name: 'value', valueCoding: { system: TRE.status, code: '03' } }] },
          { name: 'extension', part: [{ name: 'url', valueUri: 'nbCapacity' }, { name: 'value', valueInteger: 12 }] },
        ] },
      ] },
    ]);
    expect(added.status).toBe(200);
    expect(added.body.extension).toHaveLength(3);
    expect(added.body.extension[2].extension[2]).toEqual({ url: 'nbCapacity', valueInteger: 12 });

    const deleted = await fhirPathPatch('/Location/loc-1', [
      { name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: femaleFree }] },
    ]);
    expect(deleted.status).toBe(200);
    expect(deleted.body.extension).toHaveLength(2);
    expect(deleted.body.meta.versionId).toBe('3');
  });

  test('a patch whose path matches nothing for replace is a 4xx and changes nothing', async () => {
    const res = await fhirPathPatch('/Location/loc-1', [
      { name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Location.description' }, { name: 'value', valueString: 'x' }] },
    ]);
    expect([400, 422]).toContain(res.status);
    issue(res.body);
    expect((await request(s.app).get('/Location/loc-1')).headers.etag).toBe('W/"1"');
  });

  test('a stale If-Match is a 412', async () => {
    await jsonPatch('/Location/loc-1', [{ op: 'replace', path: '/name', value: 'x' }]);
    const res = await fhirPathPatch('/Location/loc-1', [
      { name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Location.name' }, { name: 'value', valueString: 'y' }] },
    ], 'W/"1"');
    expect(res.status).toBe(412);
  });

  test('a patch producing an invalid resource is refused', async () => {
    const res = await fhirPathPatch('/Location/loc-1', [
      { name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Location.status' }, { name: 'value', valueCode: 'not-a-status' }] },
    ]);
    expect([400, 422]).toContain(res.status);
  });

  test('a body that is not Parameters is a 400', async () => {
    const res = await request(s.app).patch('/Location/loc-1').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Location' }));
    expect(res.status).toBe(400);
  });
});

describe('JSON Patch on bed capacity', () => {
  test('replace a count, add an entry, remove an entry', async () => {
    const res = await jsonPatch('/Location/loc-1', [
      { op: 'test', path: '/extension/0/extension/1/valueCoding/code', value: '02' },
      { op: 'replace', path: '/extension/0/extension/4/valueInteger', value: 2 },
      { op: 'add', path: '/extension/-', value: capacity('03', '01', 9) },
      { op: 'remove', path: '/extension/1' },
    ], 'W/"1"');
    expect(res.status).toBe(200);
    expect(res.body.extension).toHaveLength(2);
    expect(res.body.extension[0].extension[4].valueInteger).toBe(2);
    expect(res.body.extension[1].extension[1].valueCoding.code).toBe('03');
  });

  test('a failing test op changes nothing', async () => {
    const res = await jsonPatch('/Location/loc-1', [
      { op: 'test', path: '/name', value: 'other' },
      { op: 'replace', path: '/name', value: 'changed' },
    ]);
    expect([409, 412, 422]).toContain(res.status);
    expect((await request(s.app).get('/Location/loc-1')).body.name).toBe('SSR polyvalent — 2e étage');
  });

  test('a malformed patch document is a 400; changing the id is refused', async () => {
    expect((await jsonPatch('/Location/loc-1', { op: 'replace' })).status).toBe(400);
    const id = await jsonPatch('/Location/loc-1', [{ op: 'replace', path: '/id', value: 'other' }]);
    expect([400, 422]).toContain(id.status);
  });

  test('patching an unknown or deleted resource: 404 / 410', async () => {
    expect((await jsonPatch('/Location/nope', [{ op: 'replace', path: '/name', value: 'x' }])).status).toBe(404);
    await request(s.app).delete('/Location/loc-1');
    expect((await jsonPatch('/Location/loc-1', [{ op: 'replace', path: '/name', value: 'x' }])).status).toBe(410);
  });

  test('conditional patch by identifier', async () => {
    const { body } = await post(s.app, '/Organization', organization('750000001'));
    const res = await request(s.app)
      .patch('/Organization?identifier=750000001')
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/name', value: 'CHU' }]));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(body.id);
    expect(res.body.name).toBe('CHU');
  });
});
