/**
 * One write path: every road by which the server changes a resource (HTTP interactions, bundles, operations, the
 * referential sync, subscription delivery, the demo data, hooks) reaches the kernel's authorisation policy with
 * its actor, so a policy refusing a write refuses it on every road alike.
 */
import pino from 'pino';
import request from 'supertest';
import { describeActor } from '../../src/kernel/actor';
import type { WriteAttempt, WritePolicy } from '../../src/kernel/policy';
import { forbidden } from '../../src/errors';
import { runSync } from '../../src/sync/run';
import { loadSubscriptionConfig } from '../../src/subscriptions';
import { FHIR_JSON, organization, post, put, testServer, type TestServer } from '../helpers/app';
import { ET_EXCERPT } from '../sync-pipeline/helpers';
import location from '../fixtures/ror-capacity/location-ssr.json';
import { freeBedsParameters } from '../helpers/ror';

const seen: string[] = [];
const recording: WritePolicy = {
  authorize: (a: WriteAttempt) => {
    seen.push(`${describeActor(a.actor)} ${a.kind} ${a.resourceType}`);
  },
};

const LOCATION = `/Location/${location.id}`;
const csv = `location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity\n${location.id};01;02;01;01;4\n`;
const setCapacity = freeBedsParameters(5);
const transaction = (type: 'transaction' | 'batch', ...resources: object[]) => ({
  resourceType: 'Bundle',
  type,
  entry: resources.map((resource) => ({ request: { method: 'POST', url: (resource as { resourceType: string }).resourceType }, resource })),
});

let s: TestServer;
afterEach(() => s.close());

describe('every road goes through the policy, with its actor', () => {
  beforeEach(() => {
    seen.length = 0;
    s = testServer({
      policy: recording,
      subscriptions: loadSubscriptionConfig({ ROR_SUBSCRIPTION_POLL_MS: '5', ROR_SUBSCRIPTION_BACKOFF_BASE_MS: '60000' }),
    });
  });

  test('HTTP interactions, bundles and the capacity operations: the caller of the request (here the test administrator)', async () => {
    const created = await post(s.app, '/Organization', organization());
    expect(created.status).toBe(201);
    expect((await put(s.app, '/Organization/o1', { ...organization('750000002'), id: 'o1' })).status).toBe(201);
    const patched = await request(s.app)
      .patch('/Organization/o1')
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/name', value: 'Hôpital Sud' }]));
    expect(patched.status).toBe(200);
    expect((await request(s.app).delete('/Organization/o1')).status).toBe(204);
    expect((await post(s.app, '/', transaction('transaction', organization('750000003'), { resourceType: 'Basic', code: { text: 'x' } }))).status).toBe(200);
    expect((await post(s.app, '/', transaction('batch', organization('750000004')))).status).toBe(200);
    expect((await put(s.app, LOCATION, location)).status).toBe(201);
    expect((await post(s.app, `${LOCATION}/$set-capacity`, setCapacity)).status).toBe(200);
    expect((await request(s.app).post('/$capacity-import').set('Content-Type', 'text/csv').send(csv)).status).toBe(200);
    expect(seen).toEqual([
      'admin:test put Organization',
      'admin:test put Organization',
      'admin:test put Organization',
      'admin:test delete Organization',
      'admin:test put Organization',
      'admin:test put Basic',
      'admin:test put Organization',
      'admin:test put Location',
      'admin:test put Location',
      'admin:test put Location',
    ]);
  });

  test('the referential sync: system:sync, its resources and the AuditEvent of its run', async () => {
    const report = await runSync({ store: s.store, kernel: s.server.kernel, sources: { finess: ET_EXCERPT } });
    expect(report.status).toBe('success');
    const written = report.totals.created;
    expect(written).toBeGreaterThan(0);
    expect(seen.filter((x) => x.startsWith('system:sync put Organization')).length + seen.filter((x) => x.startsWith('system:sync put Location')).length).toBe(written);
    expect(seen[seen.length - 1]).toBe('system:sync put AuditEvent');
    expect(seen.every((x) => x.startsWith('system:sync '))).toBe(true);
  });

  test('subscription delivery status: system:subscriptions', async () => {
    const sub = await post(s.app, '/Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'test',
      criteria: 'Organization',
      channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:1/hook' },
    });
    expect(sub.status).toBe(201);
    await post(s.app, '/Organization', organization());
    const failing = (async () => new Response(null, { status: 500 })) as unknown as typeof fetch;
    const delivery = s.server.subscriptions.startDelivery(s.store, { logger: pino({ level: 'silent' }), fetch: failing });
    try {
      const deadline = Date.now() + 10_000;
      while (!seen.includes('system:subscriptions put Subscription')) {
        if (Date.now() > deadline) throw new Error(`no status update was written; seen: ${seen.join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await delivery.stop();
    }
    expect((await request(s.app).get(`/Subscription/${sub.body.id}`)).body.status).toBe('error');
  });

  test('the demo data: system:demo', async () => {
    const demo = testServer({ policy: recording });
    try {
      seen.length = 0;
      const { loadDemoDataIfEmpty } = await import('../../src/demo/load-demo');
      const { systemActor } = await import('../../src/kernel/actor');
      const result = await loadDemoDataIfEmpty(demo.context(systemActor('demo')), { info: () => undefined });
      expect(result.count).toBeGreaterThan(0);
      expect(seen).toHaveLength(result.count);
      expect(new Set(seen.map((x) => x.split(' ')[0]))).toEqual(new Set(['system:demo']));
    } finally {
      await demo.close();
    }
  });

  test('writes made by a hook go through the policy too, as the actor of the change', async () => {
    s.server.kernel.hooks.addWrite({
      types: ['Basic'],
      afterWrite: async (tx, stored) => {
        if (!stored.id.endsWith('-copy')) await tx.put({ resourceType: 'Basic', id: `${stored.id}-copy`, code: { text: 'copy' } } as never);
      },
    });
    expect((await post(s.app, '/Basic', { resourceType: 'Basic', code: { text: 'x' } })).status).toBe(201);
    expect(seen).toEqual(['admin:test put Basic', 'admin:test put Basic']);
  });
});

describe('a policy that refuses a write refuses it on every road', () => {
  /** Anonymous callers may not touch Locations; the server's own components may. */
  const noAnonymousLocations: WritePolicy = {
    authorize: (a) => {
      if (a.actor.kind === 'admin' && a.resourceType === 'Location') throw forbidden(`${describeActor(a.actor)} may not change Location/${a.id}`);
    },
  };
  beforeEach(async () => {
    s = testServer({ policy: noAnonymousLocations });
    // Put in place by the server itself (as the sync would), so the refusals below are about changing it.
    await s.server.kernel.transaction(s.store, { kind: 'system', component: 'test' }, (tx) => tx.put(location as never));
  });
  const version = async () => (await s.store.read('Location', location.id))!.versionId;

  test('update, patch, delete, $set-capacity and $capacity-import answer 403 and change nothing', async () => {
    const responses = [
      await put(s.app, LOCATION, { ...location, name: 'other' }),
      await request(s.app).patch(LOCATION).set('Content-Type', 'application/json-patch+json').send('[{"op":"replace","path":"/name","value":"x"}]'),
      await request(s.app).delete(LOCATION),
      await post(s.app, `${LOCATION}/$set-capacity`, setCapacity),
      await request(s.app).post('/$capacity-import').set('Content-Type', 'text/csv').send(csv),
      await post(s.app, '/Location', { resourceType: 'Location', name: 'new' }),
    ];
    expect(responses.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(responses[3].body.issue[0]).toMatchObject({ code: 'forbidden', diagnostics: `admin:test may not change Location/${location.id}` });
    expect(await version()).toBe('1');
  });

  test('a transaction with a refused entry keeps nothing; a batch refuses that entry alone', async () => {
    const tx = await post(s.app, '/', transaction('transaction', organization('750000005'), { resourceType: 'Location', name: 'L' }));
    expect(tx.status).toBe(403);
    expect((await request(s.app).get('/Organization?identifier=750000005')).body.entry).toBeUndefined();
    const batch = await request(s.app)
      .post('/')
      .set('Content-Type', FHIR_JSON)
      .send(JSON.stringify(transaction('batch', organization('750000006'), { resourceType: 'Location', name: 'L' })));
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '403']);
    expect((await request(s.app).get('/Organization?identifier=750000006')).body.entry).toHaveLength(1);
  });

  test('the referential sync, acting as system:sync, is not refused', async () => {
    const report = await runSync({ store: s.store, kernel: s.server.kernel, sources: { finess: ET_EXCERPT } });
    expect(report.status).toBe('success');
    expect(report.sources[0].counts['finess-et-location']?.created).toBeGreaterThan(0);
  });
});

test('a silent write must say why it notifies no one', async () => {
  s = testServer();
  const write = (silent: string) =>
    s.server.kernel.transaction(s.store, { kind: 'system', component: 'test' }, (tx) =>
      tx.put({ resourceType: 'Basic', id: 'b', code: { text: 'x' } } as never, { silent }),
    );
  await expect(write('  ')).rejects.toThrow(/must say why/);
  expect(await s.store.read('Basic', 'b')).toBeUndefined();
  await expect(write('a test of silence')).resolves.toMatchObject({ status: 201 });
});
