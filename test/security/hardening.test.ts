/**
 * The HTTP face's hardening (src/http/hardening.ts, rate-limit.ts): security headers, CORS, rate limits, bounds on
 * the request target, through the real composed server.
 */
import request from 'supertest';
import type { Request, Response } from 'express';
import { loadConfig } from '../../src/config';
import { addressKey, callerKey, TokenBuckets } from '../../src/http/rate-limit';
import type { Principal } from '../../src/kernel/actor';
import { hardenedServer, listen, rawExchange } from './helpers/fuzz-server';
import type { ComposedServer } from '../../src/main';

const FHIR_JSON = 'application/fhir+json';
const servers: ComposedServer[] = [];
function server(...args: Parameters<typeof hardenedServer>): ComposedServer {
  const s = hardenedServer(...args);
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('security headers', () => {
  test('a CSP for a JSON API and a same-origin UI, no framing, no sniffing, no HSTS over http', async () => {
    const res = await request(server().app).get('/metadata');
    expect(res.status).toBe(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('https:');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('HSTS when the server is reached over https', async () => {
    const res = await request(server({ baseUrl: 'https://ror.example.org' }).app).get('/metadata');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  test('error responses carry the headers too', async () => {
    const res = await request(server().app).get('/Organization/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('CORS', () => {
  const ui = 'https://ui.example.org';
  let app: ComposedServer['app'];
  beforeAll(() => {
    app = server({}, {}, { ROR_CORS_ORIGINS: `${ui}, http://localhost:5173` }).app;
  });

  test('no CORS header unless origins are configured', async () => {
    const res = await request(server().app).get('/metadata').set('Origin', ui);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('an allowed origin may read the API and the headers it needs', async () => {
    const res = await request(app).get('/metadata').set('Origin', ui);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ui);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const exposed = res.headers['access-control-expose-headers'].split(',');
    for (const h of ['ETag', 'Location', 'Content-Location', 'Last-Modified', 'X-Progress', 'Retry-After', 'X-Request-Id']) {
      expect(exposed).toContain(h);
    }
    expect(res.headers.vary).toMatch(/Origin/);
  });

  test('another origin gets no CORS header', async () => {
    const res = await request(app).get('/metadata').set('Origin', 'https://evil.example.com');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
  });

  test('preflight of a conditional update from an allowed origin', async () => {
    const res = await request(app)
      .options('/Organization/x')
      .set('Origin', ui)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'authorization, content-type, if-match, prefer');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ui);
    expect(res.headers['access-control-allow-methods']).toContain('PUT');
    const allowed = res.headers['access-control-allow-headers'].toLowerCase().split(',');
    for (const h of ['authorization', 'content-type', 'if-match', 'if-none-match', 'if-none-exist', 'prefer']) expect(allowed).toContain(h);
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  test('preflight from another origin is not answered as CORS', async () => {
    const res = await request(app)
      .options('/Organization/x')
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'DELETE');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(res.status).toBe(405);
  });

  test('origins are checked at start', () => {
    expect(loadConfig({ ROR_CORS_ORIGINS: 'https://a.example.org/,http://b.example.org:8080' }).corsOrigins).toEqual([
      'https://a.example.org',
      'http://b.example.org:8080',
    ]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(() => loadConfig({ ROR_CORS_ORIGINS: '*' })).toThrow(/ROR_CORS_ORIGINS/);
    expect(() => loadConfig({ ROR_CORS_ORIGINS: 'https://a.example.org/app' })).toThrow(/ROR_CORS_ORIGINS/);
    expect(() => loadConfig({ ROR_CORS_ORIGINS: 'ftp://a.example.org' })).toThrow(/ROR_CORS_ORIGINS/);
  });
});

describe('token buckets', () => {
  test('a burst, then one token per 60/perMinute seconds; Retry-After is the wait for the next one', () => {
    const b = new TokenBuckets(60, 3, 100); // one token a second
    for (let i = 0; i < 3; i++) expect(b.take('a', 0)).toBe(0);
    expect(b.take('a', 0)).toBe(1);
    expect(b.take('b', 0)).toBe(0); // another key has its own bucket
    expect(b.take('a', 500)).toBe(1);
    expect(b.take('a', 1000)).toBe(0);
    expect(b.take('a', 1000)).toBe(1);
    // idle long enough: full again, never more than the burst
    for (let i = 0; i < 3; i++) expect(b.take('a', 3_600_000)).toBe(0);
    expect(b.take('a', 3_600_000)).toBe(1);
  });

  test('a slow rate says how long to wait', () => {
    const b = new TokenBuckets(2, 1, 10); // a token every 30 s
    expect(b.take('a', 0)).toBe(0);
    expect(b.take('a', 0)).toBe(30);
    expect(b.take('a', 20_000)).toBe(10);
  });

  test('a flood of distinct keys keeps memory bounded; the least recently used bucket goes first', () => {
    const b = new TokenBuckets(60, 1, 1000);
    expect(b.take('caller', 0)).toBe(0);
    expect(b.take('caller', 0)).toBe(1);
    for (let i = 0; i < 998; i++) b.take(`flood-${i}`, 0);
    expect(b.take('caller', 0)).toBe(1); // still kept (1000 buckets), and just used again
    for (let i = 0; i < 100_000; i++) b.take(`flood2-${i}`, 0);
    expect(b.size).toBe(1000);
  });

  test('keys: a principal by its id, anyone else by address, IPv6 by its /64', () => {
    const principal: Principal = { kind: 'client', id: 'viatrajectoire', role: 'consumer', finess: [], accessProfile: 0, via: 'bearer' };
    const req = { ip: '203.0.113.9' } as Request;
    expect(callerKey(req, { locals: { actor: principal } } as unknown as Response)).toBe('client:viatrajectoire');
    expect(callerKey(req, { locals: { actor: { kind: 'anonymous' } } } as unknown as Response)).toBe('address:203.0.113.9');
    expect(callerKey(req, { locals: {} } as unknown as Response)).toBe('address:203.0.113.9');
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
  });
});

describe('rate limits', () => {
  test('past its burst a caller gets a 429 with Retry-After and an OperationOutcome throttled; probes are not counted', async () => {
    const app = server({ rateLimitPerMinute: 3 }).app;
    for (let i = 0; i < 3; i++) expect((await request(app).get('/metadata')).status).toBe(200);
    const res = await request(app).get('/Organization');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('20');
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body.issue[0].code).toBe('throttled');
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  test('/auth/* has its own, stricter limit per address, answered as an OAuth error', async () => {
    const app = server({ rateLimitPerMinute: 1000, authRateLimitPerMinute: 2 }).app;
    for (let i = 0; i < 2; i++) expect((await request(app).post('/auth/token').send('grant_type=client_credentials')).status).not.toBe(429);
    const res = await request(app).post('/auth/token').send('grant_type=client_credentials');
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBe(30);
    expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many requests/) });
    // the API is not throttled by the auth limit
    expect((await request(app).get('/metadata')).status).toBe(200);
  });

  test('0 turns a limit off', async () => {
    const app = server({ rateLimitPerMinute: 0 }).app;
    for (let i = 0; i < 20; i++) expect((await request(app).get('/metadata')).status).toBe(200);
  });

  test('settings from the environment', () => {
    const c = loadConfig({ ROR_RATE_LIMIT_PER_MINUTE: '120', ROR_AUTH_RATE_LIMIT_PER_MINUTE: '10' });
    expect([c.rateLimitPerMinute, c.authRateLimitPerMinute]).toEqual([120, 10]);
    expect([loadConfig({}).rateLimitPerMinute, loadConfig({}).authRateLimitPerMinute]).toEqual([600, 30]);
    expect(() => loadConfig({ ROR_RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/ROR_RATE_LIMIT_PER_MINUTE/);
  });
});

describe('bounds on the request', () => {
  let app: ComposedServer['app'];
  beforeAll(() => {
    app = server({ maxUrlLength: 2000, maxBodyBytes: 10_000 }, {}, { ROR_MAX_PARAMS: '20' }).app;
  });

  test('a URL longer than ROR_MAX_URL_LENGTH → 414', async () => {
    const res = await request(app).get(`/Organization?name=${'a'.repeat(2100)}`);
    expect(res.status).toBe(414);
    expect(res.body.issue[0].code).toBe('too-long');
    expect(res.body.issue[0].diagnostics).toMatch(/ROR_MAX_URL_LENGTH/);
  });

  test('more query parameters than ROR_MAX_PARAMS → 400, in the URL and in a POSTed search form', async () => {
    const params = Array.from({ length: 21 }, (_, i) => `name=a${i}`).join('&');
    const res = await request(app).get(`/Organization?${params}`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/21 query parameters, more than the limit of 20 \(ROR_MAX_PARAMS\)/);
    const form = await request(app).post('/Organization/_search').set('Content-Type', 'application/x-www-form-urlencoded').send(params);
    expect(form.status).toBe(400);
    expect(form.body.issue[0].diagnostics).toMatch(/21 parameters, more than the limit of 20 \(ROR_MAX_PARAMS\)/);
    expect((await request(app).get(`/Organization?${params.split('&').slice(0, 20).join('&')}`)).status).toBe(200);
  });

  test('a body larger than ROR_MAX_BODY → 413', async () => {
    const res = await request(app)
      .post('/Organization')
      .set('Content-Type', FHIR_JSON)
      .send(JSON.stringify({ resourceType: 'Organization', name: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
    expect(res.body.issue[0].diagnostics).toMatch(/ROR_MAX_BODY/);
  });

  test('headers beyond 16 KiB are refused by node with a clean 431, and the server goes on', async () => {
    const l = await listen(app);
    try {
      const answer = await rawExchange(l.port, `GET /metadata HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      const url = await rawExchange(l.port, `GET /Organization?name=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(url).toMatch(/^HTTP\/1\.1 431 /);
      const ok = await rawExchange(l.port, 'GET /metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(ok).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await l.close();
    }
  });
});
