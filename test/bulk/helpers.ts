/**
 * Bulk export from a test's point of view: kick off, poll the status URL until the manifest, read the NDJSON files
 * (all through the HTTP API, with the caller's headers).
 */
import request from 'supertest';
import type { Express } from 'express';
import { BASE } from '../helpers/app';

export type Headers = Record<string, string>;

/** The path of an absolute URL of the test server. */
export const pathOf = (url: string) => url.slice(BASE.length);

/** Kicks off `GET <path>` with `Prefer: respond-async`; expects 202 and returns the status path. */
export async function kickOff(app: Express, path: string, headers: Headers = {}): Promise<string> {
  const res = await request(app).get(path).set('Prefer', 'respond-async').set('Accept', 'application/fhir+json').set(headers);
  if (res.status !== 202) throw new Error(`kick-off ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return pathOf(res.headers['content-location']);
}

/** Polls until the job is done; returns the manifest (the 202s seen on the way are counted). */
export async function manifestOf(app: Express, status: string, headers: Headers = {}): Promise<{ manifest: any; polls: number }> {
  for (let polls = 0; polls < 600; polls++) {
    const res = await request(app).get(status).set(headers);
    if (res.status === 200) return { manifest: JSON.parse(res.text), polls };
    if (res.status !== 202) throw new Error(`status ${status}: ${res.status} ${res.text}`);
    expect(res.headers['x-progress']).toBeTruthy();
    expect(res.headers['retry-after']).toBeTruthy();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`export ${status} did not finish`);
}

/** The resources of an NDJSON file of the manifest. */
export async function ndjson(app: Express, url: string, headers: Headers = {}): Promise<any[]> {
  const res = await request(app).get(pathOf(url)).set(headers).buffer(true).parse((r, cb) => {
    let text = '';
    r.on('data', (c: Buffer) => (text += c.toString()));
    r.on('end', () => cb(null, text));
  });
  if (res.status !== 200) throw new Error(`file ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
  const text = res.body as string;
  expect(text.endsWith('\n') || text === '').toBe(true);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Runs an export to its end and returns the manifest with every file read: type → resources, and the deletions. */
export async function exportAll(app: Express, path: string, headers: Headers = {}) {
  const status = await kickOff(app, path, headers);
  const { manifest } = await manifestOf(app, status, headers);
  const byType: Record<string, any[]> = {};
  for (const f of manifest.output) {
    const lines = await ndjson(app, f.url, headers);
    expect(lines).toHaveLength(f.count);
    byType[f.type] = [...(byType[f.type] ?? []), ...lines];
  }
  const deleted: string[] = [];
  for (const f of manifest.deleted) {
    for (const bundle of await ndjson(app, f.url, headers)) {
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
      for (const e of bundle.entry) {
        expect(e.request.method).toBe('DELETE');
        deleted.push(e.request.url);
      }
    }
  }
  return { status, manifest, byType, deleted };
}
