/**
 * Cancelling a job while it is reading the store: the store's search is held at a gate after the first page, so the
 * job is certainly running when DELETE arrives; the job stops at its next page, its files and its record go.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { put, testServer, TEST_ADMIN, type TestServer } from '../helpers/app';
import { BulkExports } from '../../src/bulk';
import { parseExportParameters } from '../../src/bulk/params';
import type { ResourceStore } from '../../src/store/store';

let s: TestServer;
beforeAll(async () => {
  s = testServer();
  for (let i = 0; i < 30; i++) await put(s.app, `/Organization/o${i}`, { resourceType: 'Organization', id: `o${i}`, name: `Org ${i}` });
});
afterAll(() => s.close());

test('a running export is cancelled at its next page: no file, no job', async () => {
  let searches = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const secondPage = new Promise<void>((r) => (reached = r));
  const base = s.store as ResourceStore;
  const store = Object.create(base) as ResourceStore;
  store.search = async (plan) => {
    if (++searches === 2) {
      reached();
      await gate;
    }
    return base.search(plan);
  };
  const services = { ...s.server.services, store };
  const dataDir = fs.mkdtempSync(path.join(s.server.exports.root, '..', 'other-'));
  const exports = new BulkExports({ services, dataDir, logger: pino({ level: 'silent' }), ttlHours: 1, pageSize: 5, maxJobsPerCaller: 3 });
  const ctx = s.context(TEST_ADMIN);
  const params = parseExportParameters({ method: 'GET', path: ['Organization', '$export'], query: [], headers: {}, respondAsync: true }, 'Organization');
  const id = await exports.kickOff({ ...ctx, store }, params, 'http://fhir.test/Organization/$export');
  await secondPage;
  expect((await exports.status(TEST_ADMIN, id)).kind).toBe('running');
  const jobDir = path.join(exports.root, id);
  expect(fs.existsSync(jobDir)).toBe(true);
  const cancelled = exports.cancel(TEST_ADMIN, id);
  release();
  await cancelled;
  expect(fs.existsSync(jobDir)).toBe(false);
  expect(await s.store.exportJobs.get(id)).toBeUndefined();
  await expect(exports.status(TEST_ADMIN, id)).rejects.toMatchObject({ status: 404 });
  expect(searches).toBe(2); // it stopped at the page after the gate
  await exports.stop();
  // Over HTTP, the same job is unknown.
  expect((await request(s.app).get(`/bulk-export/${id}`)).status).toBe(404);
});
