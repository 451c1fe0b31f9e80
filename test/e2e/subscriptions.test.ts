/**
 * R4 Subscriptions end to end: the real app on a SQLite store, the subscription hooks and deliverer, and a receiving
 * HTTP server on 127.0.0.1. No timing assertions: every wait has a generous deadline and checks an outcome.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { loadSubscriptionConfig, type SubscriptionConfig, type SubscriptionDelivery } from '../../src/subscriptions';
import { tempDir } from '../helpers/tmp';
import { FHIR_JSON, testServer, type TestServer } from '../helpers/app';
import { runSync } from '../../src/sync/run';
import { ET_EXCERPT, realEtLines } from '../sync-pipeline/helpers';

const logger = pino({ level: 'silent' });

function config(overrides: Record<string, string> = {}): SubscriptionConfig {
  return loadSubscriptionConfig({
    ROR_SUBSCRIPTION_BACKOFF_BASE_MS: '5',
    ROR_SUBSCRIPTION_BACKOFF_MAX_MS: '20',
    ROR_SUBSCRIPTION_POLL_MS: '5',
    ROR_SUBSCRIPTION_TIMEOUT_MS: '2000',
    ROR_SUBSCRIPTION_MAX_ATTEMPTS: '50',
    ...overrides,
  });
}

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A notification receiver; `reply` decides each answer (a status, or 'hang' to never answer). */
class Receiver {
  readonly received: Received[] = [];
  reply: (r: Received) => number | 'hang' = () => 200;
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      this.received.push(r);
      const status = this.reply(r);
      if (status === 'hang') return;
      res.statusCode = status;
      res.end();
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Server {
  app: Express;
  store: SqliteStore;
  kernel: TestServer['server']['kernel'];
  dataDir: string;
  delivery?: SubscriptionDelivery;
  close(): Promise<void>;
}

/** The server as composed for production, its deliverer started (or not) on the store in `dataDir`. */
function open(dataDir: string, cfg: SubscriptionConfig, deliver = true): Server {
  const s = testServer({ dataDir, subscriptions: cfg, maxBodyBytes: 1 << 20 });
  const delivery = deliver ? s.server.subscriptions.startDelivery(s.store, { logger }) : undefined;
  return {
    app: s.app,
    store: s.store,
    kernel: s.server.kernel,
    dataDir,
    delivery,
    async close() {
      await delivery?.stop();
      await s.close();
    },
  };
}

const post = (app: Express, path: string, body: unknown) =>
  request(app).post(path).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const put = (app: Express, path: string, body: unknown) =>
  request(app).put(path).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));

function subscription(endpoint: string, extra: { criteria?: string; payload?: string; header?: string[] } = {}) {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'bed availability in Lyon',
    criteria: extra.criteria ?? 'Location?address-city=Lyon',
    channel: {
      type: 'rest-hook',
      endpoint,
      ...(extra.payload ? { payload: extra.payload } : {}),
      ...(extra.header ? { header: extra.header } : {}),
    },
  };
}

const location = (name: string, city: string) => ({ resourceType: 'Location', name, address: { city } });

async function readSub(app: Express, id: string) {
  return (await request(app).get(`/Subscription/${id}`)).body;
}

let receiver: Receiver;
let server: Server | undefined;
beforeEach(async () => {
  receiver = new Receiver();
  await receiver.start();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await receiver.close();
});

test('a matching write is PUT to the endpoint with its headers; a non-matching one is not sent', async () => {
  server = open(tempDir(), config());
  const created = await post(server.app, '/Subscription', subscription(receiver.url, {
    payload: 'application/fhir+json',
    header: ['Authorization: Bearer s3cret', 'X-Tenant: ars-ara'],
  }));
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('active');

  const paris = await post(server.app, '/Location', location('USLD Paris', 'Paris'));
  expect(paris.status).toBe(201);
  const lyon = await post(server.app, '/Location', location('SSR Lyon', 'Lyon'));
  expect(lyon.status).toBe(201);

  const [got] = await waitFor('the Lyon notification', () => receiver.received.length > 0 && receiver.received);
  expect(got.method).toBe('PUT');
  expect(got.url).toBe(`/hook/Location/${lyon.body.id}`);
  expect(got.headers.authorization).toBe('Bearer s3cret');
  expect(got.headers['x-tenant']).toBe('ars-ara');
  expect(got.headers['content-type']).toMatch(/^application\/fhir\+json/);
  const body = JSON.parse(got.body);
  expect(body).toMatchObject({ resourceType: 'Location', id: lyon.body.id, name: 'SSR Lyon', meta: { versionId: '1' } });

  // The Paris write came first: had it been queued, it would have been delivered first (one queue per subscription).
  await waitFor('no notification waiting in the outbox', async () => (await server!.store.claimOutbox({ limit: 10, now: Date.now() + 3_600_000, leaseMs: 1, queues: { prefix: 'Subscription/' } })).length === 0);
  expect(receiver.received).toHaveLength(1);
});

test('without payload the notification is an empty POST; notifications of one subscription arrive in commit order', async () => {
  server = open(tempDir(), config());
  expect((await post(server.app, '/Subscription', subscription(receiver.url))).status).toBe(201);
  const ids: string[] = [];
  for (const name of ['a', 'b', 'c']) ids.push((await post(server.app, '/Location', location(name, 'Lyon'))).body.id);
  const got = await waitFor('three notifications', () => receiver.received.length >= 3 && receiver.received);
  expect(got.map((r) => [r.method, r.url, r.body])).toEqual([
    ['POST', '/hook', ''],
    ['POST', '/hook', ''],
    ['POST', '/hook', ''],
  ]);
  expect(got.every((r) => r.headers['content-length'] === '0' || r.headers['content-length'] === undefined)).toBe(true);

  const withPayload = await post(server.app, '/Subscription', subscription(`${receiver.url}/`, { payload: 'application/fhir+json', criteria: 'Location?name=ordered' }));
  expect(withPayload.status).toBe(201);
  const v1 = await post(server.app, '/Location', location('ordered', 'Lille'));
  for (let i = 0; i < 3; i++) await put(server.app, `/Location/${v1.body.id}`, { ...location('ordered', `Lille ${i}`), id: v1.body.id });
  const puts = await waitFor('four versions', () => {
    const p = receiver.received.filter((r) => r.method === 'PUT');
    return p.length >= 4 && p;
  });
  expect(puts.map((r) => JSON.parse(r.body).meta.versionId)).toEqual(['1', '2', '3', '4']);
  expect(puts[0].url).toBe(`/hook/Location/${v1.body.id}`);
});

test('a change made by the referential sync notifies like any other: a deactivated establishment reaches its subscriber', async () => {
  server = open(tempDir(), config());
  const { store, kernel } = server;
  expect((await runSync({ store, kernel, sources: { finess: ET_EXCERPT } })).status).toBe('success');
  const created = await post(server.app, '/Subscription', subscription(receiver.url, { criteria: 'Organization?active=false', payload: 'application/fhir+json' }));
  expect(created.status).toBe(201);

  // The next extract no longer lists one establishment: the sync deactivates it (and its Location).
  const lines = realEtLines();
  const gone = lines.find((l) => l.startsWith('structureet;'))!.split(';')[1];
  const file = path.join(server.dataDir, 'etalab-without-one.csv');
  fs.writeFileSync(file, lines.filter((l) => l.split(';')[1] !== gone).join('\n'));
  const second = await runSync({ store, kernel, sources: { finess: file }, maxDeactivationShare: 0.5 });
  expect(second.totals).toMatchObject({ created: 0, updated: 0, deactivated: 2 });

  const [got] = await waitFor('the deactivation notification', () => receiver.received.length > 0 && receiver.received);
  expect([got.method, got.url]).toEqual(['PUT', `/hook/Organization/finess-et-${gone}`]);
  expect(JSON.parse(got.body)).toMatchObject({ resourceType: 'Organization', active: false, meta: { versionId: '2' } });
  // Nothing else matched: the other establishments did not change, the Location is not an Organization.
  await waitFor('no notification waiting in the outbox', async () => (await store.claimOutbox({ limit: 10, now: Date.now() + 3_600_000, leaseMs: 1, queues: { prefix: 'Subscription/' } })).length === 0);
  expect(receiver.received).toHaveLength(1);
});

test('criteria and channel are checked when the Subscription is written', async () => {
  server = open(tempDir(), config());
  const cases: [unknown, RegExp][] = [
    [subscription(receiver.url, { criteria: 'Foo?x=1' }), /resource type/],
    [subscription(receiver.url, { criteria: 'Location?no-such-param=1' }), /no-such-param/],
    [subscription(receiver.url, { criteria: 'Location?near=abc' }), /near/],
    [subscription(receiver.url, { criteria: 'Location?address-city=Lyon&_sort=name' }), /_sort/],
    [subscription(receiver.url, { criteria: 'Subscription?status=active' }), /Subscription/],
    [subscription('http://internal.example.org/hook'), /not allowed/],
    [subscription('ftp://127.0.0.1/hook'), /http or https/],
    [subscription(receiver.url, { payload: 'application/fhir+xml' }), /payload/],
    [subscription(receiver.url, { header: ['Host: evil'] }), /header\[0\]/],
    [{ ...subscription(receiver.url), channel: { type: 'websocket' } }, /rest-hook/],
  ];
  for (const [body, message] of cases) {
    const res = await post(server.app, '/Subscription', body);
    expect({ status: res.status, body }).toMatchObject({ status: 422 });
    expect(res.body.issue[0].diagnostics).toMatch(message);
  }
  expect((await request(server.app).get('/Subscription')).body.total ?? 0).toBe(0);
});

test('a failing receiver: retries with backoff, status error with the reason, then back to active on success', async () => {
  server = open(tempDir(), config());
  let failing = true;
  receiver.reply = () => (failing ? 500 : 200);
  const sub = (await post(server.app, '/Subscription', subscription(receiver.url))).body;
  const loc = await post(server.app, '/Location', location('SSR', 'Lyon'));
  expect(loc.status).toBe(201);

  const inError = await waitFor('status error', async () => {
    const s = await readSub(server!.app, sub.id);
    return s.status === 'error' && receiver.received.length >= 3 && s;
  });
  expect(inError.error).toMatch(/HTTP 500/);
  expect(inError.error).toContain(`Location/${loc.body.id}/_history/1`);
  expect(inError.error).toMatch(/next attempt after/);

  const before = receiver.received.length;
  failing = false;
  const recovered = await waitFor('status active again', async () => {
    const s = await readSub(server!.app, sub.id);
    return s.status === 'active' && s;
  });
  expect(recovered.error).toBeUndefined();
  // Every attempt was the same notification; the first success ends the retries.
  expect(receiver.received.length).toBe(before + 1);
  expect(new Set(receiver.received.map((r) => `${r.method} ${r.url}`))).toEqual(new Set(['POST /hook']));
});

test('after maxAttempts failures the subscription is turned off, and an off subscription is not served', async () => {
  server = open(tempDir(), config({ ROR_SUBSCRIPTION_MAX_ATTEMPTS: '3' }));
  receiver.reply = () => 503;
  const sub = (await post(server.app, '/Subscription', subscription(receiver.url))).body;
  await post(server.app, '/Location', location('SSR', 'Lyon'));
  const off = await waitFor('status off', async () => {
    const s = await readSub(server!.app, sub.id);
    return s.status === 'off' && s;
  });
  expect(receiver.received).toHaveLength(3);
  expect(off.error).toMatch(/gave up .* after 3 attempts .*HTTP 503/);

  await server.delivery!.stop();
  await post(server.app, '/Location', location('SSR 2', 'Lyon'));
  expect(await server.store.claimOutbox({ limit: 10, now: Date.now() + 3_600_000, leaseMs: 1, queues: { prefix: 'Subscription/' } })).toEqual([]);

  // Turned back on by its owner: served again.
  const resumed = await put(server.app, `/Subscription/${sub.id}`, { ...subscription(receiver.url), id: sub.id });
  expect(resumed.body.status).toBe('active');
  expect(resumed.body.error).toBeUndefined();
  await post(server.app, '/Location', location('SSR 3', 'Lyon'));
  expect(await server.store.claimOutbox({ limit: 10, now: Date.now() + 3_600_000, leaseMs: 1, queues: { prefix: 'Subscription/' } })).toHaveLength(1);
});

test('an endpoint that never answers does not hold writes back', async () => {
  server = open(tempDir(), config({ ROR_SUBSCRIPTION_TIMEOUT_MS: '60000' }));
  receiver.reply = () => 'hang';
  await post(server.app, '/Subscription', subscription(receiver.url));
  await post(server.app, '/Location', location('first', 'Lyon'));
  await waitFor('a delivery in flight', () => receiver.received.length === 1);
  // The receiver holds the first delivery; writes, matching ones included, still complete.
  for (let i = 0; i < 5; i++) expect((await post(server.app, '/Location', location(`n${i}`, 'Lyon'))).status).toBe(201);
  expect(receiver.received).toHaveLength(1);
  // Stop without waiting for the hung delivery's 60 s timeout: close the receiver's sockets first.
  await receiver.close();
  receiver = new Receiver();
  await receiver.start();
});

test('a notification written before a restart is delivered after it', async () => {
  const dir = tempDir();
  const cfg = config();
  // No deliverer: the notification stays in the outbox when the server stops.
  server = open(dir, cfg, false);
  const sub = await post(server.app, '/Subscription', subscription(receiver.url, { payload: 'application/fhir+json' }));
  expect(sub.status).toBe(201);
  const loc = await post(server.app, '/Location', location('SSR', 'Lyon'));
  await server.close();
  expect(receiver.received).toHaveLength(0);

  server = open(dir, cfg);
  const [got] = await waitFor('delivery after restart', () => receiver.received.length > 0 && receiver.received);
  expect(got.url).toBe(`/hook/Location/${loc.body.id}`);
});

test('a delivery cut by a crash is made again once its lease expires', async () => {
  const dir = tempDir();
  const cfg = config({ ROR_SUBSCRIPTION_LEASE_MS: '2500' });
  server = open(dir, cfg, false);
  await post(server.app, '/Subscription', subscription(receiver.url));
  await post(server.app, '/Location', location('SSR', 'Lyon'));
  // A deliverer claims the notification, then the process dies before completing it.
  const [claimed] = await server.store.claimOutbox({ limit: 10, now: Date.now(), leaseMs: cfg.leaseMs, queues: { prefix: 'Subscription/' } });
  expect(claimed).toBeDefined();
  await server.close();

  server = open(dir, cfg);
  await waitFor('redelivery after the lease', () => receiver.received.length > 0);
  expect(receiver.received[0]).toMatchObject({ method: 'POST', url: '/hook' });
});
