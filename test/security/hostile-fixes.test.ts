/**
 * What the hostile-input run (hostile.test.ts) found, each pinned by a focused test: a deeply nested JSON body
 * (a few hundred kilobytes of `{"a":`) parsed fine, then overflowed the stack of the code that walks it (a 500);
 * bodies with invalid UTF-8 were silently stored with replacement characters.
 */
import http from 'node:http';
import request from 'supertest';
import type { ComposedServer } from '../../src/main';
import { depthExceeds, MAX_JSON_DEPTH } from '../../src/fhir/json-text';
import { hardenedServer, listen } from './helpers/fuzz-server';

/** PUTs raw bytes (supertest would serialise a Buffer as JSON) and reads the answer. */
async function putBytes(app: ComposedServer['app'], path: string, body: Buffer): Promise<{ status: number; body: any }> {
  const l = await listen(app);
  try {
    return await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: l.port, method: 'PUT', path, headers: { 'content-type': FHIR_JSON, 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    await l.close();
  }
}

const FHIR_JSON = 'application/fhir+json';
const nested = (levels: number) => `{"resourceType":"Organization","name":"x","extension":[${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}]}`;

let s: ComposedServer;
beforeAll(async () => {
  s = hardenedServer({ rateLimitPerMinute: 0, maxBodyBytes: 4 * 1024 * 1024 });
  const res = await request(s.app).put('/Organization/o1').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Organization', id: 'o1', name: 'x' }));
  expect(res.status).toBe(201);
});
afterAll(() => s.close());

describe('deeply nested JSON', () => {
  test.each([
    ['POST /Organization', 'post', '/Organization', FHIR_JSON],
    ['PUT /Organization/o1', 'put', '/Organization/o1', FHIR_JSON],
    ['POST /Organization/$validate', 'post', '/Organization/$validate', FHIR_JSON],
    ['PATCH /Organization/o1 (JSON Patch)', 'patch', '/Organization/o1', 'application/json-patch+json'],
  ])('%s: a 400 saying so, not a stack overflow', async (_name, method, path, type) => {
    const body = type === FHIR_JSON ? nested(100_000) : `[{"op":"add","path":"/extension","value":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`;
    const res = await (request(s.app) as any)[method](path).set('Content-Type', type).send(body);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toBe(`the body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`);
  });

  test('a JSON Patch in a transaction Binary is bounded the same way', async () => {
    const patch = `[{"op":"add","path":"/alias","value":${'['.repeat(5000)}${']'.repeat(5000)}}]`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(patch).toString('base64') }, request: { method: 'PATCH', url: 'Organization/o1' } }],
    };
    const res = await request(s.app).post('/').set('Content-Type', FHIR_JSON).send(JSON.stringify(bundle));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/nests objects and arrays deeper than 100 levels/);
  });

  test('what FHIR resources nest stays well within the bound', async () => {
    const res = await request(s.app).post('/Organization').set('Content-Type', FHIR_JSON).send(nested(40));
    expect(res.status).not.toBe(500);
    expect(res.body.issue?.[0]?.diagnostics ?? '').not.toMatch(/deeper than/);
    expect(depthExceeds({ a: [{ b: [1] }] }, 4)).toBe(false);
    expect(depthExceeds({ a: [{ b: [1] }] }, 3)).toBe(true);
    expect(depthExceeds(JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`), 100)).toBe(true);
  });
});

describe('invalid UTF-8', () => {
  test('a JSON body with invalid UTF-8 is refused, not stored with replacement characters', async () => {
    const body = Buffer.concat([Buffer.from('{"resourceType":"Organization","name":"H'), Buffer.from([0xf4, 0x70]), Buffer.from('pital"}')]);
    const res = await putBytes(s.app, '/Organization/u1', body);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toBe('the body is not valid UTF-8');
    expect((await request(s.app).get('/Organization/u1')).status).toBe(404);
  });

  test('valid UTF-8 still reads as such', async () => {
    const res = await putBytes(s.app, '/Organization/u2', Buffer.from('{"resourceType":"Organization","id":"u2","name":"Hôpital 🏥"}'));
    expect(res.status).toBe(201);
    expect((await request(s.app).get('/Organization/u2')).body.name).toBe('Hôpital 🏥');
  });
});
