/**
 * The federation inside the server: no source, nothing scheduled; a configured source runs under the sync's lock
 * (refused while a referential sync holds it) and its run is listed by $sync-runs like a sync run.
 */
import pino from 'pino';
import type { Resource } from '@medplum/fhirtypes';
import { loadFederationConfig, startFederationScheduler } from '../../src/federation';
import { SYNC_LEASE } from '../../src/sync/lock';
import { reportOf } from '../../src/sync/report';
import { httpServer, type HttpServer } from './helpers';

let source: HttpServer;
let importer: HttpServer;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  source = await httpServer();
  importer = await httpServer();
  await source.put({ resourceType: 'Organization', id: 'o1', name: 'Centre', active: true } as Resource & { id: string });
});
afterAll(async () => {
  await Promise.all([source?.close(), importer?.close()]);
});

const runs = async () => ((await (await importer.fetch('/$sync-runs')).json()).entry ?? []).map((e: any) => reportOf(e.resource)!);

test('no source configured: nothing runs', async () => {
  const s = startFederationScheduler({ store: importer.server.store, kernel: importer.server.kernel, logger, config: loadFederationConfig({}) });
  await s.runNow(source.url);
  await s.stop();
  expect(await runs()).toEqual([]);
});

test('a configured source runs under the sync lock, and its run is reported', async () => {
  const config = loadFederationConfig({ ROR_FEDERATION_SOURCES: JSON.stringify([{ url: source.url, types: ['Organization'], cron: '0 0 1 1 *' }]) });
  const s = startFederationScheduler({ store: importer.server.store, kernel: importer.server.kernel, logger, config });
  try {
    // A referential sync holds the lock: the federation waits for another occurrence.
    await importer.server.store.leases.acquire(SYNC_LEASE, 'otherhost:1:x', 60_000, Date.now());
    await s.runNow(source.url);
    expect(await runs()).toEqual([]);
    await importer.server.store.leases.release(SYNC_LEASE, 'otherhost:1:x');
    await s.runNow(source.url);
    const [run] = await runs();
    expect(run).toMatchObject({ status: 'success', trigger: 'schedule', totals: { created: 1 } });
    await expect(s.runNow('https://not-configured.example/fhir')).rejects.toThrow(/not a configured federation source/);
  } finally {
    await s.stop();
  }
});
