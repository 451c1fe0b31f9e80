/**
 * Incremental exports: with `_since`, what changed since is in the output and what was deleted or deactivated since
 * is in the manifest's `deleted` Bundles of DELETE requests, so a consumer applying both converges on the
 * directory; `_history?_since=` gives the same deletions as DELETE entries. Also: cancel and expiry of jobs.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { put, testServer, type TestServer } from '../helpers/app';
import { exportAll, kickOff, manifestOf } from './helpers';

let s: TestServer;
/** The exporter's clock runs with the real one, moved forward by the expiry test. */
let offset = 0;
const clock = () => Date.now() + offset;

const org = (id: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Organization', id, name: `Org ${id}`, active: true, ...extra });

beforeAll(async () => {
  s = testServer({ bulk: { pageSize: 3, ttlHours: 2, now: clock, settleMs: 0 } });
});
afterAll(() => s.close());

/** Lets the clock pass a millisecond, so the next writes are strictly after `since`. */
const instant = async () => {
  await new Promise((r) => setTimeout(r, 5));
  const t = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  return t;
};

test('a consumer applying a full export then a _since export with its deleted array holds what the server holds', async () => {
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await put(s.app, `/Organization/${id}`, org(id));
  await put(s.app, '/Location/loc-1', { resourceType: 'Location', id: 'loc-1', name: 'Bâtiment A', status: 'active' });
  await put(s.app, '/Location/loc-2', { resourceType: 'Location', id: 'loc-2', name: 'Bâtiment B', status: 'active' });
  const full = await exportAll(s.app, '/$export?_type=Organization,Location');
  const copy = new Map<string, any>();
  for (const list of Object.values(full.byType)) for (const r of list) copy.set(`${r.resourceType}/${r.id}`, r);
  expect(copy.size).toBe(8);
  const since = full.manifest.transactionTime;

  // Changes after the full export: an update, a creation, a deletion, a deactivation of each kind, a deletion
  // undone by a new creation, a reactivation.
  await put(s.app, '/Organization/a', org('a', { name: 'Renamed' }));
  await put(s.app, '/Organization/g', org('g'));
  expect((await request(s.app).delete('/Organization/b')).status).toBe(204);
  await put(s.app, '/Organization/c', org('c', { active: false }));
  await put(s.app, '/Location/loc-1', { resourceType: 'Location', id: 'loc-1', name: 'Bâtiment A', status: 'inactive' });
  await request(s.app).delete('/Organization/d');
  await put(s.app, '/Organization/d', org('d', { name: 'Back again' }));
  await put(s.app, '/Organization/e', org('e', { active: false }));
  await put(s.app, '/Organization/e', org('e', { active: true }));

  const delta = await exportAll(s.app, `/$export?_type=Organization,Location&_since=${encodeURIComponent(since)}`);
  expect(delta.manifest.request).toContain('_since=');
  expect(delta.byType.Organization.map((r) => r.id).sort()).toEqual(['a', 'd', 'e', 'g']);
  expect(delta.byType.Location).toBeUndefined(); // the only changed Location was deactivated: it is in `deleted` only
  expect(delta.deleted.sort()).toEqual(['Location/loc-1', 'Organization/b', 'Organization/c']);
  expect(delta.manifest.deleted).toEqual([expect.objectContaining({ type: 'Bundle', count: expect.any(Number) })]);

  for (const ref of delta.deleted) copy.delete(ref);
  for (const list of Object.values(delta.byType)) for (const r of list) copy.set(`${r.resourceType}/${r.id}`, r);
  // The consumer's copy is the server's active directory.
  const server = new Map<string, any>();
  for (const type of ['Organization', 'Location']) {
    const bundle = (await request(s.app).get(`/${type}?_count=100`)).body;
    for (const e of bundle.entry ?? []) if (e.resource.active !== false && e.resource.status !== 'inactive') server.set(`${type}/${e.resource.id}`, e.resource);
  }
  expect([...copy.keys()].sort()).toEqual([...server.keys()].sort());
  for (const [ref, r] of copy) expect(r.meta.versionId).toBe(server.get(ref).meta.versionId);

  // _history?_since= gives the deletions too, as DELETE entries (the consumer of histories converges the same way).
  const history = (await request(s.app).get(`/Organization/_history?_since=${encodeURIComponent(since)}&_count=100`)).body;
  const deletes = history.entry.filter((e: any) => e.request.method === 'DELETE').map((e: any) => e.request.url);
  expect(deletes).toEqual(expect.arrayContaining(['Organization/b', 'Organization/d']));
  // A _lastUpdated search shows deactivations (active=false) but not deletions.
  const searched = (await request(s.app).get(`/Organization?_lastUpdated=gt${encodeURIComponent(since)}&_count=100`)).body;
  expect(searched.entry.map((e: any) => e.resource.id).sort()).toEqual(['a', 'c', 'd', 'e', 'g']);
});

test('a _since export with nothing changed has no files and an empty deleted array', async () => {
  const since = await instant();
  const { manifest } = await exportAll(s.app, `/$export?_type=Organization&_since=${encodeURIComponent(since)}`);
  expect(manifest.output).toEqual([]);
  expect(manifest.deleted).toEqual([]);
});

test('_typeFilter narrows deactivations as it narrows the output', async () => {
  const since = await instant();
  await put(s.app, '/Organization/x1', org('x1', { active: false, name: 'Keep out' }));
  await put(s.app, '/Organization/x2', org('x2', { active: false, name: 'Filtered in' }));
  const { deleted } = await exportAll(s.app, `/$export?_type=Organization&_since=${encodeURIComponent(since)}&_typeFilter=${encodeURIComponent('Organization?name=Filtered')}`);
  expect(deleted).toEqual(['Organization/x2']);
});

describe('cancel and expiry', () => {
  const jobDir = (status: string) => path.join(s.server.exports.root, status.split('/').pop()!);

  test('DELETE on the status URL of a running job cancels it: 202, then the job and its directory are gone', async () => {
    await s.server.exports.stop();
    const status = await kickOff(s.app, '/$export');
    expect((await request(s.app).get(status)).status).toBe(202);
    expect((await request(s.app).delete(status)).status).toBe(202);
    expect((await request(s.app).get(status)).status).toBe(404);
    expect(fs.existsSync(jobDir(status))).toBe(false);
    await s.server.exports.start();
    expect((await request(s.app).delete(status)).status).toBe(404);
  });

  test('DELETE on a finished job removes its files', async () => {
    const { status, manifest } = await exportAll(s.app, '/Organization/$export');
    expect(fs.readdirSync(jobDir(status))).toEqual(['Organization.ndjson']);
    expect((await request(s.app).delete(status)).status).toBe(202);
    expect(fs.existsSync(jobDir(status))).toBe(false);
    expect((await request(s.app).get(new URL(manifest.output[0].url).pathname)).status).toBe(404);
  });

  test('files expire after ROR_EXPORT_TTL_HOURS: the sweep removes them and the status answers 404', async () => {
    const status = await kickOff(s.app, '/Organization/$export');
    const { manifest } = await manifestOf(s.app, status);
    const res = await request(s.app).get(status);
    expect(Date.parse(res.headers.expires)).toBeGreaterThan(clock() + 2 * 3_600_000 - 2000);
    offset += 2 * 3_600_000 - 60_000;
    expect(await s.server.exports.sweep()).toBe(0);
    expect((await request(s.app).get(new URL(manifest.output[0].url).pathname)).status).toBe(200);
    offset += 120_000;
    expect(await s.server.exports.sweep()).toBeGreaterThanOrEqual(1);
    expect((await request(s.app).get(status)).status).toBe(404);
    expect((await request(s.app).get(new URL(manifest.output[0].url).pathname)).status).toBe(404);
    expect(fs.existsSync(jobDir(status))).toBe(false);
  });

  test('the sweep removes a directory no job owns any more', async () => {
    const stray = path.join(s.server.exports.root, '11111111-1111-1111-1111-111111111111');
    fs.mkdirSync(stray, { recursive: true });
    fs.writeFileSync(path.join(stray, 'Organization.ndjson'), '{}\n');
    await s.server.exports.sweep();
    expect(fs.existsSync(stray)).toBe(false);
  });
});
