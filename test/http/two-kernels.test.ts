/**
 * Two servers composed in one process, each with its own kernel: a SearchParameter, a hook or a policy given to one
 * is unknown to the other (nothing is registered into a module or library global).
 */
import request from 'supertest';
import type { SearchParameter } from '@medplum/fhirtypes';
import { loadSearchParameterFiles } from '../../src/indexing/registry';
import { forbidden } from '../../src/errors';
import { organization, post, testServer, type TestServer } from '../helpers/app';

const motto: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'https://example.org/fhir/SearchParameter/organization-motto',
  name: 'motto',
  status: 'active',
  description: "An establishment's other names, under a code of this server's own",
  code: 'motto',
  base: ['Organization'],
  type: 'string',
  expression: 'Organization.alias',
};

let withMotto: TestServer;
let plain: TestServer;
beforeAll(() => {
  withMotto = testServer({
    searchParameters: [...loadSearchParameterFiles(), motto],
    policy: {
      authorize: (a) => {
        if (a.resourceType === 'Basic') throw forbidden('no Basic here');
      },
    },
  });
  plain = testServer();
  withMotto.server.kernel.hooks.addPresent({
    types: ['Organization'],
    present: (r) => ({ ...r, meta: { ...r.meta, tag: [{ system: 'urn:test', code: 'seen-by-one-kernel' }] } }),
  });
});
afterAll(async () => {
  await withMotto.close();
  await plain.close();
});

test('each registry knows its own parameters: searches, index rows and the CapabilityStatement', async () => {
  for (const s of [withMotto, plain]) {
    expect((await post(s.app, '/Organization', { ...organization(), alias: ['Fleyriat'] })).status).toBe(201);
  }
  const found = await request(withMotto.app).get('/Organization?motto=fleyr').set('Prefer', 'handling=strict');
  expect(found.status).toBe(200);
  expect(found.body.entry).toHaveLength(1);
  const refused = await request(plain.app).get('/Organization?motto=fleyr').set('Prefer', 'handling=strict');
  expect(refused.status).toBe(400);
  expect(refused.body.issue[0].diagnostics).toMatch(/motto/);

  const params = async (s: TestServer) =>
    ((await request(s.app).get('/metadata')).body.rest[0].resource as { type: string; searchParam: { name: string }[] }[])
      .find((r) => r.type === 'Organization')!
      .searchParam.map((p) => p.name);
  expect(await params(withMotto)).toContain('motto');
  expect(await params(plain)).not.toContain('motto');
  expect(plain.server.kernel.registry.get('Organization', 'motto')).toBeUndefined();
});

test('hooks and policies belong to one kernel', async () => {
  const a = await post(withMotto.app, '/Organization', organization('750000010'));
  const b = await post(plain.app, '/Organization', organization('750000010'));
  expect(a.body.meta.tag).toEqual([{ system: 'urn:test', code: 'seen-by-one-kernel' }]);
  expect(b.body.meta.tag).toBeUndefined();
  expect((await post(withMotto.app, '/Basic', { resourceType: 'Basic', code: { text: 'x' } })).status).toBe(403);
  expect((await post(plain.app, '/Basic', { resourceType: 'Basic', code: { text: 'x' } })).status).toBe(201);
});
