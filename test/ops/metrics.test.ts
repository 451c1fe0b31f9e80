/**
 * GET /metrics: the Prometheus text exposition of the composed server, counters that move with requests (labelled by
 * the FHIR interaction the route table matched, never by the raw URL), store and offer-index latencies, the outbox
 * backlogs (the offer index's lag), subscription deliveries, and who may read it.
 */
import request from 'supertest';
import { loadDemoDataIfEmpty } from '../../src/demo/load-demo';
import { systemActor } from '../../src/kernel/actor';
import { testServer, post, put, organization, type TestServer } from '../helpers/app';
import { metricsAllowList } from '../../src/ops';
import { BOOTSTRAP, secureServer, testIdp, type TestIdp } from '../security/helpers/principals';

/** The value of one sample (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(s: TestServer): Promise<string> {
  const res = await request(s.app).get('/metrics');
  expect(res.status).toBe(200);
  return res.text;
}

describe('GET /metrics', () => {
  let s: TestServer;
  beforeAll(() => {
    s = testServer();
  });
  afterAll(() => s.close());

  test('is the Prometheus text format, with the process metrics and each metric declared', async () => {
    const res = await request(s.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'ror_http_requests_total',
      'ror_http_request_duration_seconds',
      'ror_store_operation_duration_seconds',
      'ror_offer_index_operation_duration_seconds',
      'ror_sync_runs_total',
      'ror_subscription_deliveries_total',
      'ror_outbox_waiting_messages',
      'ror_outbox_oldest_message_age_seconds',
      'ror_sync_last_success_timestamp_seconds',
    ]) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
    // Every sample line is `name{labels} value` with a number (Prometheus reads NaN and Inf in any case).
    for (const line of res.text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|nan|[+-]inf)$/i);
    }
  });

  test('request counters move by interaction and status class, from the route pattern, not the URL', async () => {
    const before = await scrape(s);
    const created = await post(s.app, '/Organization', organization('750000101', 'Clinique A'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await request(s.app).get(`/Organization/${id}`)).status).toBe(200);
    expect((await request(s.app).get(`/Organization/${id}`)).status).toBe(200);
    expect((await request(s.app).get('/Organization/does-not-exist')).status).toBe(404);
    expect((await request(s.app).get(`/Organization/${id}/_history/1`)).status).toBe(200);
    expect((await request(s.app).get('/Organization?name=Clinique')).status).toBe(200);
    expect((await put(s.app, `/Organization/${id}`, { ...organization('750000101', 'Clinique B'), id })).status).toBe(200);
    expect((await request(s.app).get(`/Organization/${id}/_history`)).status).toBe(200);
    expect((await post(s.app, '/', { resourceType: 'Bundle', type: 'batch', entry: [] })).status).toBe(200);
    expect((await post(s.app, '/Organization/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: organization() }] })).status).toBe(200);
    expect((await request(s.app).get('/$no-such-operation-xyz')).status).toBe(404);
    const after = await scrape(s);
    const delta = (interaction: string, status_class: string) =>
      (sample(after, 'ror_http_requests_total', { interaction, status_class }) ?? 0) - (sample(before, 'ror_http_requests_total', { interaction, status_class }) ?? 0);
    expect(delta('create', '2xx')).toBe(1);
    expect(delta('read', '2xx')).toBe(2);
    expect(delta('read', '4xx')).toBe(1);
    expect(delta('vread', '2xx')).toBe(1);
    expect(delta('search-type', '2xx')).toBe(1);
    expect(delta('update', '2xx')).toBe(1);
    expect(delta('history-instance', '2xx')).toBe(1);
    expect(delta('batch', '2xx')).toBe(1);
    expect(delta('$validate', '2xx')).toBe(1);
    expect(delta('operation-unknown', '4xx')).toBe(1);
    // The histogram counts the same requests.
    expect(sample(after, 'ror_http_request_duration_seconds_count', { interaction: 'read', status_class: '2xx' })).toBe(sample(after, 'ror_http_requests_total', { interaction: 'read', status_class: '2xx' }));
    // No label carries an id or a raw path.
    expect(after).not.toContain(id);
    expect(after).not.toContain('no-such-operation');
    // The store's operations were timed.
    expect(sample(after, 'ror_store_operation_duration_seconds_count', { operation: 'transaction', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'ror_store_operation_duration_seconds_count', { operation: 'read', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  test('offer search is timed in the offer index, and labelled as offer search', async () => {
    const before = await scrape(s);
    expect((await request(s.app).get('/offer/search?q=cardiologie')).status).toBe(200);
    const after = await scrape(s);
    expect(sample(after, 'ror_http_requests_total', { interaction: 'offer-search', status_class: '2xx' })).toBe((sample(before, 'ror_http_requests_total', { interaction: 'offer-search', status_class: '2xx' }) ?? 0) + 1);
    expect(sample(after, 'ror_offer_index_operation_duration_seconds_count', { operation: 'search', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  test('the outbox backlog per consumer: the offer index lag grows while its queue waits, and drops when drained', async () => {
    // No background work in this server: the offer: messages of these writes wait.
    const t0 = Date.now();
    const created = await post(s.app, '/HealthcareService', { resourceType: 'HealthcareService', name: 'Cardiologie', active: true });
    expect(created.status).toBe(201);
    const text = await scrape(s);
    expect(sample(text, 'ror_outbox_waiting_messages', { consumer: 'offer-index' })).toBeGreaterThanOrEqual(1);
    const lag = sample(text, 'ror_outbox_oldest_message_age_seconds', { consumer: 'offer-index' })!;
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThanOrEqual((Date.now() - t0) / 1000 + 60);
    await s.server.offer.drain();
    const drained = await scrape(s);
    expect(sample(drained, 'ror_outbox_waiting_messages', { consumer: 'offer-index' })).toBe(0);
    expect(sample(drained, 'ror_outbox_oldest_message_age_seconds', { consumer: 'offer-index' })).toBe(0);
  });
});

describe('GET /metrics with offer search threads (ROR_OFFER_SEARCH_THREADS)', () => {
  test('shows the threads ready, the searches waiting, and who answered: offer searches go to the threads', async () => {
    const t = testServer({ offerSearchThreads: 1 });
    try {
      await loadDemoDataIfEmpty(t.context(systemActor('demo')), { info: () => undefined });
      expect(await t.server.offer.drain()).toBeGreaterThan(0);
      const deadline = Date.now() + 30_000;
      while (sample(await scrape(t), 'ror_offer_search_threads_ready') !== 1) {
        if (Date.now() > deadline) throw new Error('the search thread was not ready within 30 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const before = await scrape(t);
      const answered = (text: string, by: string) => sample(text, 'ror_offer_search_answers_total', { answered_by: by }) ?? 0;
      // The thread's replica follows the writes made while it loaded: the demo units are found through it.
      const res = await request(t.app).get('/offer/search?q=cardiologie');
      expect(res.status).toBe(200);
      expect(res.body.total).toBeGreaterThan(0);
      const after = await scrape(t);
      expect(answered(after, 'search-thread')).toBe(answered(before, 'search-thread') + 1);
      expect(answered(after, 'request-thread')).toBe(answered(before, 'request-thread'));
      expect(sample(after, 'ror_offer_search_queue_waiting')).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('who may read /metrics', () => {
  let idp: TestIdp;
  let s: TestServer;
  beforeAll(async () => {
    idp = await testIdp();
    // No address is trusted: only administrators.
    s = secureServer(idp, { metricsAllow: 'none' });
  });
  afterAll(() => s.close());

  test('anonymous: 401 with a challenge; a consumer: 403; an administrator: 200', async () => {
    const anon = await request(s.app).get('/metrics');
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(anon.text).not.toContain('ror_http_requests_total');
    const consumer = await request(s.app).get('/metrics').set('Authorization', `Bearer ${await idp.token({ role: 'consumer' })}`);
    expect(consumer.status).toBe(403);
    const admin = await request(s.app).get('/metrics').set('Authorization', `Bearer ${await idp.token({ role: 'admin' })}`);
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('ror_http_requests_total');
    const bootstrap = await request(s.app).get('/metrics').set('Authorization', `Bearer ${BOOTSTRAP}`);
    expect(bootstrap.status).toBe(200);
  });

  test('from a trusted address (default: loopback) without credential, but not through an untrusted proxy', async () => {
    const local = secureServer(idp);
    try {
      expect((await request(local.app).get('/metrics')).status).toBe(200);
      // A local reverse proxy not named in ROR_TRUSTED_PROXIES: every client would look like loopback.
      expect((await request(local.app).get('/metrics').set('X-Forwarded-For', '203.0.113.9')).status).toBe(401);
    } finally {
      await local.close();
    }
    const other = secureServer(idp, { metricsAllow: '10.0.0.0/8, 192.168.1.7' });
    try {
      expect((await request(other.app).get('/metrics')).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  test('a malformed ROR_METRICS_ALLOW is refused with the variable named', () => {
    expect(() => metricsAllowList({ ROR_METRICS_ALLOW: '10.0.0.0/33' })).toThrow(/ROR_METRICS_ALLOW/);
    expect(() => metricsAllowList({ ROR_METRICS_ALLOW: 'localhost' })).toThrow(/ROR_METRICS_ALLOW/);
    expect(metricsAllowList({ ROR_METRICS_ALLOW: '::ffff:10.1.0.0/112' }).check('10.1.2.3', 'ipv4')).toBe(true);
    expect(metricsAllowList({}).check('::1', 'ipv6')).toBe(true);
  });
});
