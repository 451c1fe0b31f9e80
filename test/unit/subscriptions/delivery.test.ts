/**
 * The deliverer with a fake HTTP client and a clock the test moves: the retry schedule, what counts as a failure,
 * and what happens to notifications of subscriptions that are no longer served.
 */
import pino from 'pino';
import request from 'supertest';
import { loadSubscriptionConfig, type SubscriptionDelivery } from '../../../src/subscriptions';
import { post, testServer, type TestServer } from '../../helpers/app';

const logger = pino({ level: 'silent' });
const BASE_MS = 1000;
const cfg = (env: Record<string, string> = {}) =>
  loadSubscriptionConfig({
    ROR_SUBSCRIPTION_BACKOFF_BASE_MS: String(BASE_MS),
    ROR_SUBSCRIPTION_BACKOFF_MAX_MS: '3000',
    ROR_SUBSCRIPTION_POLL_MS: '5',
    ROR_SUBSCRIPTION_MAX_ATTEMPTS: '5',
    ...env,
  });

interface Call {
  url: string;
  init: RequestInit;
}

let s: TestServer;
let delivery: SubscriptionDelivery | undefined;
let clock: number;
let calls: Call[];
let answer: (call: Call) => Promise<Response>;

const fakeFetch = (async (url: string, init: RequestInit) => {
  const call = { url: String(url), init };
  calls.push(call);
  return answer(call);
}) as unknown as typeof fetch;

function start(env: Record<string, string> = {}) {
  delivery = s.server.subscriptions.startDelivery(s.store, { logger, config: cfg(env), now: () => clock, random: () => 1, fetch: fakeFetch });
}

beforeEach(() => {
  s = testServer({ subscriptions: cfg() });
  // Ahead of the real time, so what the store enqueued (at the real time) is due.
  clock = Date.now() + 60_000;
  calls = [];
  answer = async () => new Response(null, { status: 200 });
});
afterEach(async () => {
  await delivery?.stop();
  delivery = undefined;
  await s.close();
});

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const subscription = (endpoint = 'http://127.0.0.1:9/hook') => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'test',
  criteria: 'Location?address-city=Lyon',
  channel: { type: 'rest-hook', endpoint, header: ['Authorization: Bearer t'] },
});
const lyon = { resourceType: 'Location', name: 'SSR', address: { city: 'Lyon' } };

test('retries follow the exponential schedule, and each failure is on the Subscription', async () => {
  answer = async () => new Response('down', { status: 503, statusText: 'Service Unavailable' });
  const reschedule = jest.spyOn(s.store, 'rescheduleOutbox');
  const sub = (await post(s.app, '/Subscription', subscription())).body;
  await post(s.app, '/Location', lyon);
  start();
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    await waitFor(`failure ${attempt}`, () => reschedule.mock.calls.length === attempt);
    const [, nextAttemptAt, error] = reschedule.mock.calls[attempt - 1];
    expect(error).toBe('HTTP 503 Service Unavailable from POST http://127.0.0.1:9/hook');
    delays.push(nextAttemptAt - clock);
    if (attempt < 3) clock = nextAttemptAt; // time passes until the retry is due
  }
  expect(delays).toEqual([1000, 2000, 3000]);
  expect(calls).toHaveLength(3);
  const current = await waitFor('the 3rd failure on the Subscription', async () => {
    const b = (await request(s.app).get(`/Subscription/${sub.id}`)).body;
    return /attempt 3 of 5/.test(b.error ?? '') && b;
  });
  expect(current.status).toBe('error');
  expect(current.error).toMatch(/attempt 3 of 5\): HTTP 503 Service Unavailable from POST http:\/\/127.0.0.1:9\/hook; next attempt after /);
});

test('requests carry the channel headers, a timeout signal, and never follow redirects; a redirect is a failure', async () => {
  answer = async () => new Response(null, { status: 302, headers: { Location: 'http://169.254.169.254/' } });
  const reschedule = jest.spyOn(s.store, 'rescheduleOutbox');
  await post(s.app, '/Subscription', subscription());
  await post(s.app, '/Location', lyon);
  start();
  await waitFor('a failure', () => reschedule.mock.calls.length === 1);
  const { init } = calls[0];
  expect(init.method).toBe('POST');
  expect(init.body).toBeUndefined();
  expect(init.redirect).toBe('manual');
  expect(init.signal).toBeInstanceOf(AbortSignal);
  expect(new Headers(init.headers).get('authorization')).toBe('Bearer t');
  expect(reschedule.mock.calls[0][2]).toMatch(/^HTTP 302/);
});

test('network errors and timeouts are reported with their cause', async () => {
  const reschedule = jest.spyOn(s.store, 'rescheduleOutbox');
  answer = async () => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
  };
  await post(s.app, '/Subscription', subscription());
  await post(s.app, '/Location', lyon);
  start({ ROR_SUBSCRIPTION_TIMEOUT_MS: '1234' });
  await waitFor('a failure', () => reschedule.mock.calls.length === 1);
  expect(reschedule.mock.calls[0][2]).toMatch(/^ECONNREFUSED: connect ECONNREFUSED .*\(POST http:\/\/127.0.0.1:9\/hook\)$/);
  answer = async () => {
    throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  };
  clock = reschedule.mock.calls[0][1];
  await waitFor('a second failure', () => reschedule.mock.calls.length === 2);
  expect(reschedule.mock.calls[1][2]).toMatch(/^no answer within 1234 ms/);
});

test('notifications of a deleted subscription are dropped without a request', async () => {
  const complete = jest.spyOn(s.store, 'completeOutbox');
  const sub = (await post(s.app, '/Subscription', subscription())).body;
  await post(s.app, '/Location', lyon);
  await request(s.app).delete(`/Subscription/${sub.id}`);
  start();
  await waitFor('the drop', () => complete.mock.calls.length === 1);
  expect(calls).toEqual([]);
});

test('an endpoint the operator no longer allows turns the subscription off, without a request', async () => {
  const sub = (await post(s.app, '/Subscription', subscription())).body;
  await post(s.app, '/Location', lyon);
  start({ ROR_SUBSCRIPTION_ALLOWED_HOSTS: 'hooks.example.org' });
  const off = await waitFor('status off', async () => {
    const b = (await request(s.app).get(`/Subscription/${sub.id}`)).body;
    return b.status === 'off' && b;
  });
  expect(off.error).toMatch(/notifications stopped: .*not allowed/);
  expect(calls).toEqual([]);
});

test('different subscriptions are delivered in parallel', async () => {
  const release: (() => void)[] = [];
  answer = () => new Promise((resolve) => release.push(() => resolve(new Response(null, { status: 204 }))));
  await post(s.app, '/Subscription', subscription('http://127.0.0.1:9/a'));
  await post(s.app, '/Subscription', subscription('http://127.0.0.1:9/b'));
  await post(s.app, '/Location', lyon);
  start({ ROR_SUBSCRIPTION_CONCURRENCY: '2' });
  await waitFor('two deliveries in flight at once', () => calls.length === 2);
  expect(calls.map((c) => c.url).sort()).toEqual(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
  release.forEach((r) => r());
});

test('stop() waits for the deliveries in flight', async () => {
  let release!: () => void;
  answer = () => new Promise((resolve) => (release = () => resolve(new Response(null, { status: 200 }))));
  const complete = jest.spyOn(s.store, 'completeOutbox');
  await post(s.app, '/Subscription', subscription());
  await post(s.app, '/Location', lyon);
  start();
  await waitFor('a delivery in flight', () => calls.length === 1);
  let stopped = false;
  const stopping = delivery!.stop().then(() => (stopped = true));
  await new Promise((r) => setTimeout(r, 20));
  expect(stopped).toBe(false);
  release();
  await stopping;
  expect(complete).toHaveBeenCalledTimes(1);
});
