/**
 * Matching on write: which writes put a notification in the outbox, in the same transaction. The outbox is read
 * with claimOutbox (no deliverer runs here).
 */
import request from 'supertest';
import { loadSubscriptionConfig } from '../../../src/subscriptions';
import { fromPayload } from '../../../src/subscriptions/notification';
import { post, put, testServer, type TestServer } from '../../helpers/app';

let s: TestServer;
beforeEach(() => {
  s = testServer({ subscriptions: loadSubscriptionConfig({ ROR_SUBSCRIPTION_CACHE_TTL_MS: '3600000' }) });
});
afterEach(() => s.close());

const ENDPOINT = 'http://127.0.0.1:1/hook';
const sub = (criteria: string, status = 'requested') => ({
  resourceType: 'Subscription',
  status,
  reason: 'test',
  criteria,
  channel: { type: 'rest-hook', endpoint: ENDPOINT },
});
const location = (city: string, name = 'L') => ({ resourceType: 'Location', name, address: { city } });

/** Everything in the outbox (a claim far in the future, one message per queue at a time, so drain by completing). */
async function drain(): Promise<{ queue: string; subscription: string; resource: string }[]> {
  const out: { queue: string; subscription: string; resource: string }[] = [];
  for (;;) {
    const items = await s.store.claimOutbox({ limit: 100, now: Date.now() + 86_400_000, leaseMs: 1, queues: { prefix: 'Subscription/' } });
    if (!items.length) return out;
    for (const item of items) {
      const n = fromPayload(item.payload)!;
      out.push({ queue: item.queue, subscription: n.subscription, resource: `${n.resourceType}/${n.id}/${n.versionId}` });
      await s.store.completeOutbox(item.id);
    }
  }
}

test('a write matching a subscription queues one notification naming the version; others queue nothing', async () => {
  const a = (await post(s.app, '/Subscription', sub('Location?address-city=Lyon'))).body;
  expect(a.status).toBe('active');
  const lyon = (await post(s.app, '/Location', location('Lyon'))).body;
  await post(s.app, '/Location', location('Paris'));
  await post(s.app, '/Organization', { resourceType: 'Organization', name: 'Lyon' });
  await put(s.app, `/Location/${lyon.id}`, { ...location('Lyon', 'renamed'), id: lyon.id });
  expect(await drain()).toEqual([
    { queue: `Subscription/${a.id}`, subscription: a.id, resource: `Location/${lyon.id}/1` },
    { queue: `Subscription/${a.id}`, subscription: a.id, resource: `Location/${lyon.id}/2` },
  ]);
});

test('a version that no longer matches, a deletion and a no-op update queue nothing', async () => {
  await post(s.app, '/Subscription', sub('Location?address-city=Lyon'));
  const lyon = (await post(s.app, '/Location', location('Lyon'))).body;
  await drain();
  await put(s.app, `/Location/${lyon.id}`, { ...location('Lyon'), id: lyon.id }); // same content: no new version
  await put(s.app, `/Location/${lyon.id}`, { ...location('Paris'), id: lyon.id });
  await request(s.app).delete(`/Location/${lyon.id}`);
  expect(await drain()).toEqual([]);
});

test('every served subscription matching a write gets its own notification', async () => {
  const a = (await post(s.app, '/Subscription', sub('Location?address-city=Lyon'))).body;
  const b = (await post(s.app, '/Subscription', sub('Location'))).body;
  await post(s.app, '/Subscription', sub('Location?address-city=Paris'));
  const l = (await post(s.app, '/Location', location('Lyon'))).body;
  const got = await drain();
  expect(got.map((g) => g.subscription).sort()).toEqual([a.id, b.id].sort());
  expect(new Set(got.map((g) => g.resource))).toEqual(new Set([`Location/${l.id}/1`]));
});

test('off subscriptions are not served; deleting or turning one off stops it; turning it on again serves it', async () => {
  const off = (await post(s.app, '/Subscription', sub('Location', 'off'))).body;
  expect(off.status).toBe('off');
  await post(s.app, '/Location', location('Lyon'));
  expect(await drain()).toEqual([]);

  await put(s.app, `/Subscription/${off.id}`, { ...sub('Location', 'requested'), id: off.id });
  await post(s.app, '/Location', location('Lyon'));
  expect(await drain()).toHaveLength(1);

  await request(s.app).delete(`/Subscription/${off.id}`);
  await post(s.app, '/Location', location('Lyon'));
  expect(await drain()).toEqual([]);
});

test('Subscription writes never notify, whatever the subscriptions', async () => {
  await post(s.app, '/Subscription', sub('Location'));
  await post(s.app, '/Subscription', sub('Location?name=x'));
  expect(await drain()).toEqual([]);
});

test('the active list is cached: no reload while no Subscription is written, one reload after', async () => {
  const load = jest.spyOn(s.server.subscriptions.active as unknown as { load: () => Promise<unknown> }, 'load');
  try {
    await post(s.app, '/Location', location('Lyon'));
    await post(s.app, '/Location', location('Lyon'));
    await post(s.app, '/Location', location('Lyon'));
    expect(load).toHaveBeenCalledTimes(1);
    expect(await drain()).toEqual([]);
    await post(s.app, '/Subscription', sub('Location?address-city=Lyon'));
    const calls = load.mock.calls.length;
    await post(s.app, '/Location', location('Lyon'));
    await post(s.app, '/Location', location('Lyon'));
    expect(load).toHaveBeenCalledTimes(calls + 1);
    expect(await drain()).toHaveLength(2);
  } finally {
    load.mockRestore();
  }
});

function bundle(entries: unknown[]) {
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

test('a transaction sees its own new subscription; a rolled back one leaves no subscription behind', async () => {
  const ok = await post(s.app, '/', bundle([
    { resource: sub('Location?address-city=Lyon'), request: { method: 'POST', url: 'Subscription' } },
    { resource: { ...location('Lyon'), id: 'in-tx' }, request: { method: 'PUT', url: 'Location/in-tx' } },
  ]));
  expect(ok.status).toBe(200);
  expect((await drain()).map((g) => g.resource)).toEqual(['Location/in-tx/1']);

  const failed = await post(s.app, '/', bundle([
    { resource: sub('Location?address-city=Paris'), request: { method: 'POST', url: 'Subscription' } },
    { resource: { ...location('Paris'), id: 'p1' }, request: { method: 'PUT', url: 'Location/p1' } },
    // Runs after p1 (PUTs keep their order, after POSTs), so p1 was matched inside the transaction.
    { resource: { ...location('Paris'), id: 'p2', status: 'not-a-status' }, request: { method: 'PUT', url: 'Location/p2' } },
  ]));
  expect(failed.status).toBeGreaterThanOrEqual(400);
  expect(await drain()).toEqual([]);
  await post(s.app, '/Location', location('Paris'));
  expect(await drain()).toEqual([]);
});

test('an ended subscription is not served', async () => {
  await post(s.app, '/Subscription', { ...sub('Location'), end: '2001-01-01T00:00:00Z' });
  await post(s.app, '/Location', location('Lyon'));
  expect(await drain()).toEqual([]);
});

test('a client (re)activating a subscription clears the server-set error; other statuses keep it', async () => {
  const created = (await post(s.app, '/Subscription', { ...sub('Location', 'requested'), error: 'stale' })).body;
  expect(created.status).toBe('active');
  expect(created.error).toBeUndefined();
  const inError = (await put(s.app, `/Subscription/${created.id}`, { ...sub('Location', 'error'), id: created.id, error: 'HTTP 500' })).body;
  expect(inError.error).toBe('HTTP 500');
  const active = (await put(s.app, `/Subscription/${created.id}`, { ...sub('Location', 'active'), id: created.id, error: 'HTTP 500' })).body;
  expect(active.status).toBe('active');
  expect(active.error).toBeUndefined();
});
