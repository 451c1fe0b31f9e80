import request from 'supertest';
import type { Basic } from '@medplum/fhirtypes';
import type { PresentHook, WriteHook } from '../../src/kernel/hooks';
import { post, put, testServer, type TestServer } from '../helpers/app';

// Hooks belong to a kernel: each test server gets these two on its own.
const seen: string[] = [];
const writeHook: WriteHook = {
  types: ['Basic'],
  prepare: (resource, current) => {
    const basic = resource as Basic;
    return { ...basic, subject: basic.subject ?? { display: current ? `was v${current.versionId}` : 'new' } } as Basic;
  },
  afterWrite: async (tx, stored, previous) => {
    seen.push(`${stored.resourceType}/${stored.id}/${stored.versionId}<-${previous?.versionId ?? '-'}`);
    if ((JSON.parse(stored.json || '{}') as Basic).code?.text === 'refuse') throw new Error('refused by hook');
    // Writes made by a hook commit with the change (through the same write path).
    if ((JSON.parse(stored.json || '{}') as Basic).code?.text === 'audit') {
      await tx.put({ resourceType: 'Basic', id: `${stored.id}-audit`, code: { text: 'audit-copy' } } as Basic & { id: string });
    }
  },
};
const presentHook: PresentHook = {
  types: ['Basic'],
  present: (resource) => ({ ...resource, meta: { ...resource.meta, tag: [{ system: 'urn:test', code: 'presented' }] } }),
};

let s: TestServer;
beforeEach(() => {
  s = testServer();
  s.server.kernel.hooks.addWrite(writeHook);
  s.server.kernel.hooks.addPresent(presentHook);
  seen.length = 0;
});
afterEach(() => s.close());

test('prepare runs before validation and sees the current version', async () => {
  const created = await post(s.app, '/Basic', { resourceType: 'Basic', code: { text: 'x' } });
  expect(created.status).toBe(201);
  expect(created.body.subject).toEqual({ display: 'new' });
  const updated = await put(s.app, `/Basic/${created.body.id}`, { resourceType: 'Basic', id: created.body.id, code: { text: 'y' } });
  expect(updated.body.subject).toEqual({ display: 'was v1' });
  expect(seen).toEqual([`Basic/${created.body.id}/1<--`, `Basic/${created.body.id}/2<-1`]);
});

test('afterWrite runs in the same transaction: its writes commit with the change, its failure rolls it back', async () => {
  const audited = await post(s.app, '/Basic', { resourceType: 'Basic', code: { text: 'audit' } });
  expect((await request(s.app).get(`/Basic/${audited.body.id}-audit`)).status).toBe(200);
  const refused = await post(s.app, '/Basic', { resourceType: 'Basic', code: { text: 'refuse' } });
  expect(refused.status).toBe(500);
  expect((await request(s.app).get('/Basic/_history')).body.total).toBe(2);
  await request(s.app).delete(`/Basic/${audited.body.id}`);
  expect(seen[seen.length - 1]).toBe(`Basic/${audited.body.id}/2<-1`);
});

test('present hooks change what is served for their types only', async () => {
  const created = await post(s.app, '/Basic', { resourceType: 'Basic', code: { text: 'x' } });
  const read = await request(s.app).get(`/Basic/${created.body.id}`);
  expect(read.body.meta.tag).toEqual([{ system: 'urn:test', code: 'presented' }]);
  const hist = await request(s.app).get(`/Basic/${created.body.id}/_history`);
  expect(hist.body.entry[0].resource.meta.tag[0].code).toBe('presented');
  const org = await post(s.app, '/Organization', { resourceType: 'Organization', name: 'x' });
  expect((await request(s.app).get(`/Organization/${org.body.id}`)).body.meta.tag).toBeUndefined();
});
