import request from 'supertest';
import pino from 'pino';
import { reportOf } from '../../src/sync/report';
import { LockBusyError, SYNC_LEASE, withLock } from '../../src/sync/lock';
import { startSyncScheduler } from '../../src/sync/scheduler';
import { loadSyncConfig } from '../../src/sync/config';
import { ET_EXCERPT, realEtLines, syncEnv } from './helpers';
import type { SyncEnv } from './helpers';

describe('run records and GET /$sync-runs', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('each run is an AuditEvent with its JSON report, listed newest first', async () => {
    const first = await env.run({ finess: ET_EXCERPT });
    const bad = env.file('bad.csv', realEtLines().concat(['structureet;123;']).join('\n'));
    const second = await env.run({ finess: bad });
    const app = env.app({ maxCount: 100 });
    const res = await request(app).get('/$sync-runs').expect(200);
    expect(res.body.resourceType).toBe('Bundle');
    const events = res.body.entry.map((e: any) => e.resource);
    expect(events.map((e: any) => e.id)).toEqual([`sync-${second.runId}`, `sync-${first.runId}`]);
    const report = reportOf(events[0])!;
    expect(report.totals).toMatchObject({ created: 0, updated: 0, unchanged: 28, rejected: 1 });
    expect(report.sources[0].rejections).toEqual([{ line: 16, reason: 'structureet line has 3 fields, expected 32 (31 without numuai)' }]);
    expect(events[0].outcome).toBe('4');
    expect(events[1].outcomeDesc).toMatch(/28 created/);
  });
});

describe('lock and scheduler', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('one holder at a time; an expired lease can be taken over', async () => {
    const leases = env.store.leases;
    const ttl = 60_000;
    let now = Date.now();
    expect(await leases.acquire(SYNC_LEASE, 'A', ttl, now)).toEqual({ acquired: true });
    expect(await leases.acquire(SYNC_LEASE, 'B', ttl, now)).toMatchObject({ acquired: false });
    await expect(withLock({ leases, ttlMs: ttl }, async () => 1)).rejects.toBeInstanceOf(LockBusyError);
    expect(await leases.heartbeat(SYNC_LEASE, 'A', ttl, now)).toBe(true);
    now += ttl + 1; // A crashed and stopped renewing
    expect(await leases.acquire(SYNC_LEASE, 'B', ttl, now)).toEqual({ acquired: true });
    expect(await leases.heartbeat(SYNC_LEASE, 'A', ttl, now)).toBe(false);
    await leases.release(SYNC_LEASE, 'B');
    expect(await leases.holder(SYNC_LEASE)).toBeUndefined();
  });

  test('the scheduler runs the configured sources and records the run', async () => {
    const config = loadSyncConfig({ ROR_SYNC_FINESS: ET_EXCERPT, ROR_DATA_DIR: env.dir, ROR_SYNC_CRON: '0 3 * * *' });
    const scheduler = startSyncScheduler({ store: env.store, kernel: env.kernel, logger: pino({ level: 'silent' }), config });
    await scheduler.runNow();
    await scheduler.stop();
    const org = await env.store.read('Organization', 'finess-et-010000024');
    expect(org).toBeDefined();
    const runs = await env.find('AuditEvent', 'subtype=https://ror-fhir-server.example.org/fhir/CodeSystem/sync-run|referential-sync');
    expect(runs).toHaveLength(1);
  });

  test('configuration errors name the variable', () => {
    expect(() => loadSyncConfig({ ROR_SYNC_CRON: 'every night' })).toThrow(/ROR_SYNC_CRON/);
    expect(() => loadSyncConfig({ ROR_SYNC_MAX_DEACTIVATION: '2' })).toThrow(/ROR_SYNC_MAX_DEACTIVATION/);
    expect(loadSyncConfig({}).cron).toBe('30 2 * * *');
  });
});
