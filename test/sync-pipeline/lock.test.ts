/**
 * The sync's lock (src/sync/lock.ts) on the store's leases: owners `host:pid:nonce`, a holder gone from this host
 * taken over at once, live holders refused with holder and expiry named, renewal, a lost lease stopping the run at
 * its next batch, and the lease held through a step that blocks the heartbeat.
 */
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { LeaseLostError, LockBusyError, SYNC_LEASE, withLock } from '../../src/sync/lock';
import { describeOwner, goneFromHost, newOwner, parseOwner, processIsAlive } from '../../src/sync/lease-owner';
import { tempDir } from '../helpers/tmp';
import { ET_EXCERPT, syncEnv } from './helpers';
import { testIndexer } from '../helpers/indexing';

const HOST = os.hostname();
const TTL = 60_000;

/** The pid of a process that has just exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

const org = (id: string): Resource & { id: string } => ({ resourceType: 'Organization', id, name: id }) as Resource & { id: string };

describe('lease owners', () => {
  test('an owner is host:pid:nonce, and reads back as host and pid', () => {
    const owner = newOwner();
    expect(owner).toMatch(new RegExp(`^${HOST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]{8}$`));
    expect(parseOwner(owner)).toEqual({ host: HOST, pid: process.pid });
    expect(newOwner()).not.toBe(owner);
    expect(parseOwner('a:b:12:ff')).toEqual({ host: 'a:b', pid: 12 });
    expect(describeOwner('h:12:ff')).toBe('pid 12 on h');
  });

  test('owners of another form (older versions: cli:host:pid) are not read as host and pid', () => {
    expect(parseOwner('cli:myhost:1234')).toBeUndefined();
    expect(parseOwner('A')).toBeUndefined();
    expect(describeOwner('cli:myhost:1234')).toBe("owner 'cli:myhost:1234'");
  });

  test('a holder is gone only when it ran on this host and its process is not alive', () => {
    const dead = deadPid();
    expect(processIsAlive(process.pid)).toBe(true);
    expect(processIsAlive(dead)).toBe(false);
    expect(goneFromHost(`${HOST}:${dead}:x`, HOST)).toBe(true);
    expect(goneFromHost(`${HOST}:${process.pid}:x`, HOST)).toBe(false);
    expect(goneFromHost(`elsewhere:${dead}:x`, HOST)).toBe(false);
    expect(goneFromHost(`cli:${HOST}:${dead}`, HOST)).toBe(false);
  });
});

describe('withLock', () => {
  let store: SqliteStore;
  beforeEach(() => (store = new SqliteStore({ dataDir: tempDir() }, testIndexer())));
  afterEach(() => store.close());

  const holdAs = async (owner: string, ttl = TTL, now = Date.now()) =>
    expect(await store.leases.acquire(SYNC_LEASE, owner, ttl, now)).toEqual({ acquired: true });

  test('runs with the lease and releases it, even when the run fails', async () => {
    const seen: (string | undefined)[] = [];
    await expect(
      withLock({ leases: store.leases, ttlMs: TTL }, async (lock) => {
        seen.push((await store.leases.holder(SYNC_LEASE))?.owner, lock.owner);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen[0]).toBe(seen[1]);
    expect(parseOwner(seen[0]!)).toEqual({ host: HOST, pid: process.pid });
    expect(await store.leases.holder(SYNC_LEASE)).toBeUndefined();
  });

  test('a lease left by a process gone from this host is taken over at once, and it is said', async () => {
    const dead = deadPid();
    await holdAs(`${HOST}:${dead}:0badf00d`);
    const logs: string[] = [];
    const result = await withLock({ leases: store.leases, ttlMs: TTL, log: (m) => logs.push(m) }, async (lock) => {
      expect((await store.leases.holder(SYNC_LEASE))?.owner).toBe(lock.owner);
      return 7;
    });
    expect(result).toBe(7);
    expect(logs).toEqual([`the previous holder (pid ${dead} on ${HOST}) is gone; taking over its lease`]);
  });

  test('a live holder on this host is refused, with its pid, host and the lease\'s expiry', async () => {
    const now = Date.now();
    await holdAs(`${HOST}:${process.pid}:11111111`, 90_000, now);
    const err = await withLock({ leases: store.leases, ttlMs: TTL }, async () => 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockBusyError);
    expect((err as LockBusyError).holder).toEqual({ owner: `${HOST}:${process.pid}:11111111`, expiresAt: now + 90_000 });
    const message = (err as Error).message;
    expect(message).toContain(`another sync run holds the lock: pid ${process.pid} on this host (${HOST}), lease until ${new Date(now + 90_000).toISOString()} (in `);
    expect(message).toMatch(/\(in (89|90) s\)\. The lease is renewed while that run goes on: wait for it to finish, then run again/);
    expect(message).toContain('if its process stops, the next run takes the lease over at once');
    expect((await store.leases.holder(SYNC_LEASE))?.owner).toBe(`${HOST}:${process.pid}:11111111`);
  });

  test('a holder on another host is refused even when its pid is free here; so is an owner of the older form', async () => {
    const now = Date.now();
    await holdAs(`other-host.example:${deadPid()}:22222222`, TTL, now);
    const err = await withLock({ leases: store.leases, ttlMs: TTL }, async () => 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockBusyError);
    expect((err as Error).message).toMatch(/holds the lock: pid \d+ on host other-host\.example, lease until .* \(in (59|60) s\)/);
    expect((err as Error).message).toContain('if it was stopped, its lease lapses at that time');
    await store.leases.release(SYNC_LEASE, `other-host.example:${parseOwner((err as LockBusyError).holder.owner)!.pid}:22222222`);
    await holdAs(`cli:${HOST}:${deadPid()}`);
    await expect(withLock({ leases: store.leases, ttlMs: TTL }, async () => 1)).rejects.toThrow(/holds the lock: owner 'cli:/);
  });

  test('an expired lease is taken without a word', async () => {
    await holdAs(`other-host.example:1:33333333`, TTL, Date.now() - TTL - 1);
    const logs: string[] = [];
    expect(await withLock({ leases: store.leases, ttlMs: TTL, log: (m) => logs.push(m) }, async () => 'ran')).toBe('ran');
    expect(logs).toEqual([]);
  });

  test('of two runs taking over the same dead holder, one runs and the other is refused naming it', async () => {
    await holdAs(`${HOST}:${deadPid()}:44444444`);
    const runs = [newOwner(), newOwner()].map((owner) =>
      withLock({ leases: store.leases, ttlMs: TTL, owner }, async () => {
        await new Promise((r) => setTimeout(r, 50));
        return owner;
      }),
    );
    const [a, b] = await Promise.allSettled(runs);
    const won = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(LockBusyError);
    expect((refused[0].reason as LockBusyError).holder.owner).toBe((won[0] as PromiseFulfilledResult<string>).value);
  });

  test('the lease is renewed every third of its duration while the run goes on', async () => {
    const ttl = 1500;
    await withLock({ leases: store.leases, ttlMs: ttl }, async () => {
      const first = (await store.leases.holder(SYNC_LEASE))!.expiresAt;
      await new Promise((r) => setTimeout(r, 1200));
      const later = (await store.leases.holder(SYNC_LEASE))!.expiresAt;
      expect(later).toBeGreaterThan(first);
      expect(later).toBeGreaterThan(Date.now()); // still held, past the first expiry's renewals
      expect(await store.leases.acquire(SYNC_LEASE, 'other-host.example:1:x', ttl, Date.now())).toMatchObject({ acquired: false });
    });
  });

  test('once another owner has the lease, the run\'s next transaction is refused and writes nothing', async () => {
    let now = Date.now();
    const logs: string[] = [];
    await withLock({ leases: store.leases, ttlMs: TTL, now: () => now, log: (m) => logs.push(m) }, async (lock) => {
      const fenced = lock.fence(store);
      await fenced.transaction((tx) => tx.write([{ kind: 'put', resource: org('a') }]));
      now += TTL + 1; // the run was stalled: its lease expired and another run took it
      await holdAs('other-host.example:1:55555555', TTL, now);
      await expect(fenced.transaction((tx) => tx.write([{ kind: 'put', resource: org('b') }]))).rejects.toBeInstanceOf(LeaseLostError);
      await expect(fenced.transaction(async () => undefined)).rejects.toThrow(/lost its lock \(taken by pid 1 on other-host\.example\); it stopped before its next batch/);
      expect(lock.lost).toBe('taken by pid 1 on other-host.example');
      // reads still pass through to the store
      expect(await fenced.read('Organization', 'a')).toBeDefined();
    });
    expect(await store.read('Organization', 'b')).toBeUndefined();
    expect(logs).toEqual(['the sync lock was lost (taken by pid 1 on other-host.example); this run stops before its next batch']);
    // the run's release leaves the new holder's lease alone
    expect((await store.leases.holder(SYNC_LEASE))?.owner).toBe('other-host.example:1:55555555');
  });

  test('holdFor keeps the lease through a step longer than the lease, during which no heartbeat runs', async () => {
    let now = Date.now();
    const start = now;
    await withLock({ leases: store.leases, ttlMs: TTL, now: () => now }, async (lock) => {
      await lock.holdFor(30 * 60_000);
      expect((await store.leases.holder(SYNC_LEASE))!.expiresAt).toBe(start + 30 * 60_000);
      now += 5 * TTL; // a long synchronous step
      expect(await store.leases.acquire(SYNC_LEASE, 'other-host.example:1:x', TTL, now)).toMatchObject({ acquired: false });
      // the next transaction renews, keeping the hold
      await lock.fence(store).transaction((tx) => tx.write([{ kind: 'put', resource: org('c') }]));
      expect((await store.leases.holder(SYNC_LEASE))!.expiresAt).toBe(start + 30 * 60_000);
      expect(lock.lost).toBeUndefined();
    });
    expect(await store.leases.holder(SYNC_LEASE)).toBeUndefined();
  });
});

describe('a sync run that loses its lock', () => {
  test('stops at its next batch: the batches before are kept with their state, nothing after, no run record', async () => {
    const env = syncEnv();
    try {
      let now = Date.now();
      let stolen = false;
      let written = 0;
      const run = withLock({ leases: env.store.leases, ttlMs: TTL, now: () => now }, (lock) =>
        env.run(
          { finess: ET_EXCERPT },
          {
            store: lock.fence(env.store),
            batchSize: 5,
            onProgress: (p) => {
              if (p.phase !== 'apply' || stolen) return;
              // After the first batch: the lease expires and another run takes it.
              stolen = true;
              written = p.done!;
              now += TTL + 1;
              void env.store.leases.acquire(SYNC_LEASE, 'other-host.example:1:66666666', TTL, now);
            },
          },
        ),
      );
      await expect(run).rejects.toBeInstanceOf(LeaseLostError);
      expect(stolen).toBe(true);
      expect(written).toBeGreaterThanOrEqual(5); // the first batch: 5 items or a few more (a record's items stay together)
      expect(written).toBeLessThan(28);
      const count = (sql: string) => (env.store.database.prepare(sql).get() as { n: number }).n;
      // One fingerprint per record written (the `national` rows of the data-quality rules are counted apart).
      expect(count("SELECT count(*) AS n FROM sync_state WHERE kind != 'national'")).toBe(written);
      expect(count("SELECT count(*) AS n FROM resources WHERE resource_type IN ('Organization', 'Location')")).toBe(written);
      expect(count("SELECT count(*) AS n FROM resources WHERE resource_type = 'AuditEvent'")).toBe(0);
    } finally {
      await env.close();
    }
  });
});
