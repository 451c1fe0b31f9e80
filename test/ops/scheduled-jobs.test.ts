/**
 * Several instances on one store: two servers composed in one process on one data directory, both with the nightly
 * sync, the nightly indicators and the quality sweep scheduled. Each occurrence of each job runs on exactly one of
 * them (the store's leases, src/store/job-slots.ts), whichever fires first, and an instance firing the same
 * occurrence later (a clock a little behind) does not run it again; the next occurrence runs once more.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { composeServer, type ComposedServer } from '../../src/main';
import { loadSyncConfig } from '../../src/sync/config';
import { SYNC_RUN_SUBTYPE } from '../../src/sync/report';
import { planSearch } from '../../src/fhir/search/plan';
import { ET_EXCERPT } from '../sync-pipeline/helpers';
import { tempDir } from '../helpers/tmp';
import { BASE } from '../helpers/app';

/** A logger whose messages are kept, to count what each instance did. */
function capturingLogger(lines: string[]) {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push((JSON.parse(line) as { msg: string }).msg);
      done();
    },
  });
  return pino({ level: 'info' }, stream);
}

describe('nightly jobs across two instances on one data directory', () => {
  const dataDir = tempDir('ror-jobs-');
  const logs: string[][] = [[], []];
  let servers: ComposedServer[];

  beforeAll(async () => {
    const config = { ...loadConfig({}), dataDir, baseUrl: BASE, demoData: false };
    const sync = loadSyncConfig({ ROR_SYNC_FINESS: ET_EXCERPT, ROR_DATA_DIR: dataDir, ROR_SYNC_CRON: '0 3 * * *' });
    servers = logs.map((lines) =>
      composeServer({
        config,
        logger: capturingLogger(lines),
        sync,
        measures: { cron: '15 3 * * *' },
        demoAccounts: false,
      }),
    );
    await Promise.all(servers.map((s) => s.measuresReady));
  });
  afterAll(async () => {
    for (const s of servers ?? []) await s.close();
  });

  const count = (i: number, msg: RegExp) => logs[i].filter((m) => msg.test(m)).length;
  const total = (msg: RegExp) => count(0, msg) + count(1, msg);

  test('the sync: both fire the 03:00 occurrence, one runs it; a late fire of it runs nothing; the next night runs once', async () => {
    const night1 = new Date('2026-06-01T03:00:00Z');
    const ran = await Promise.all(servers.map((s) => s.scheduler!.runScheduled(night1)));
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(total(/^sync finished/)).toBe(1);
    const { plan } = planSearch(servers[0].kernel, ['AuditEvent'], [['subtype', `${SYNC_RUN_SUBTYPE.system}|${SYNC_RUN_SUBTYPE.code}`]], { defaultCount: 50, maxCount: 50, strict: true });
    const runs = await servers[0].store.search(plan);
    expect(runs.entries).toHaveLength(1);
    // The other instance's timer fires a little later for the same occurrence.
    const loser = ran[0] ? 1 : 0;
    expect(await servers[loser].scheduler!.runScheduled(new Date(night1.getTime() + 400))).toBe(false);
    expect(total(/^sync finished/)).toBe(1);
    // The next night: once again, on either.
    const night2 = new Date('2026-06-02T03:00:00Z');
    expect((await Promise.all(servers.map((s) => s.scheduler!.runScheduled(night2)))).filter(Boolean)).toHaveLength(1);
    expect(total(/^sync finished/)).toBe(2);
    // The metrics: each instance counts its own runs; both know the last success (read from the store).
    const texts = await Promise.all(servers.map(async (s) => (await s.metrics.exposition()).body));
    const runsOf = (t: string) => Number(/^ror_sync_runs_total\{outcome="success"\} (\S+)$/m.exec(t)?.[1] ?? 0);
    expect(runsOf(texts[0]) + runsOf(texts[1])).toBe(2);
    for (const t of texts) {
      const last = Number(/^ror_sync_last_success_timestamp_seconds (\S+)$/m.exec(t)?.[1]);
      expect(last * 1000).toBeGreaterThan(Date.now() - 600_000);
      expect(last * 1000).toBeLessThanOrEqual(Date.now());
    }
  });

  test('the indicators: one instance computes each occurrence', async () => {
    const night = new Date('2026-06-01T03:15:00Z');
    const ran = await Promise.all(servers.map((s) => s.measuresScheduler!.runScheduled(night)));
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(total(/^nightly indicators computed$/)).toBe(1);
    expect(count(ran[0] ? 1 : 0, /computed by another instance/)).toBe(1);
    for (const s of servers) expect(await s.measuresScheduler!.runScheduled(night)).toBe(false);
    expect(total(/^nightly indicators computed$/)).toBe(1);
  });

  test('the quality sweep: one instance sweeps each period, whenever in the period each one fires', async () => {
    const period = servers[0].quality.sweepMinutes * 60_000;
    const start = Math.floor(Date.parse('2026-06-01T10:00:00Z') / period) * period;
    const sweeps = servers.map((s) => jest.spyOn(s.qualityWorker, 'sweep'));
    // Instance 0 fires early in the period, instance 1 late in the same period: one sweep.
    expect(await servers[0].qualityWorker.sweepScheduled(start + 1000)).toBe(true);
    expect(await servers[1].qualityWorker.sweepScheduled(start + period - 1000)).toBe(false);
    // Both fire together in the next period: one sweep.
    const next = await Promise.all(servers.map((s) => s.qualityWorker.sweepScheduled(start + period + 5000)));
    expect(next.filter(Boolean)).toHaveLength(1);
    expect(sweeps[0].mock.calls.length + sweeps[1].mock.calls.length).toBe(2);
  });
});
