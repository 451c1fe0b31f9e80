/**
 * How the server serves the web application (src/ui/serve.ts): the page for every /ui path (history routing),
 * hashed assets kept a year, the page itself always revalidated, the CSP of the server on both, a clear 503 when
 * the application was not built, and `/` leading a browser (not an API client) to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { testServer, type TestServer } from '../helpers/app';
import { tempDir } from '../helpers/tmp';

describe('web application serving', () => {
  let s: TestServer;
  let unbuilt: TestServer;
  beforeAll(() => {
    const uiDir = tempDir('ror-ui-serve-');
    fs.mkdirSync(path.join(uiDir, 'assets'));
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><html lang="fr"><title>ROR</title><script type="module" src="/ui/assets/main-ABC123.js"></script></html>');
    fs.writeFileSync(path.join(uiDir, 'assets', 'main-ABC123.js'), 'console.log("ror")');
    fs.writeFileSync(path.join(uiDir, 'assets', 'main-ABC123.js.gz'), zlib.gzipSync('console.log("ror")'));
    fs.writeFileSync(path.join(uiDir, 'assets', 'main-ABC123.js.br'), zlib.brotliCompressSync('console.log("ror")'));
    s = testServer({ uiDir });
    unbuilt = testServer({ uiDir: tempDir('ror-ui-none-') });
  });
  afterAll(async () => {
    await s.close();
    await unbuilt.close();
  });

  it('serves the application page for /ui/ and any path under it, revalidated on every load', async () => {
    for (const p of ['/ui/', '/ui/recherche', '/ui/unites/hs-1']) {
      const res = await request(s.app).get(p);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('main-ABC123.js');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
    const bare = await request(s.app).get('/ui');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/ui/');
  });

  it('serves hashed assets as immutable for a year, and 404 for a missing one (not the page)', async () => {
    const js = await request(s.app).get('/ui/assets/main-ABC123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await request(s.app).get('/ui/assets/chunk-GONE.js');
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain('<html');
  });

  it('sends the compression the browser accepts, written by the build', async () => {
    for (const [accept, encoding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['identity', undefined]] as const) {
      const res = await request(s.app).get('/ui/assets/main-ABC123.js').set('Accept-Encoding', accept).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['content-type']).toMatch(/javascript/);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers.vary).toMatch(/Accept-Encoding/);
      // superagent decodes what the header names: the body reads back only if the header tells the truth.
      expect((res.body as Buffer).toString()).toBe('console.log("ror")');
    }
    expect((await request(s.app).get('/ui/assets/..%2f..%2fpackage.json.js').set('Accept-Encoding', 'gzip')).status).toBe(404);
  });

  it('answers a precondition the page or an asset does not meet with its own status, never a server error', async () => {
    for (const p of ['/ui/', '/ui/../../etc/passwd', '/ui/assets/main-ABC123.js']) {
      const res = await request(s.app).get(p).set('If-Match', '../../../../etc/passwd').set('Accept-Encoding', 'gzip');
      expect({ p, status: res.status < 500 }).toEqual({ p, status: true });
    }
    const modified = await request(s.app).get('/ui/').set('If-Match', '"1"');
    expect(modified.status).toBe(412);
  });

  it('says how to build the application when it is not built', async () => {
    const res = await request(unbuilt.app).get('/ui/');
    expect(res.status).toBe(503);
    expect(res.text).toContain('npm run build:ui');
  });

  it('leads a browser from / to the application, and leaves API clients alone', async () => {
    const browser = await request(s.app).get('/').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/ui/');
    const api = await request(s.app).get('/').set('Accept', 'application/fhir+json');
    expect(api.status).not.toBe(302);
    expect((await request(s.app).get('/')).status).not.toBe(302);
  });
});
