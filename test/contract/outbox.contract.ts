/**
 * The outbox part of the ResourceStore contract: messages enqueued inside a write transaction commit (or roll back)
 * with it, survive a restart, and are handed out at least once, one at a time per queue, oldest first, under a
 * lease so that a delivery interrupted by a crash is handed out again.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../src/store/store';

export interface OutboxStoreFactory {
  /** A new, empty store. */
  open(): Promise<ResourceStore>;
  /** Closes `previous` and reopens the same data. */
  reopen(previous: ResourceStore): Promise<ResourceStore>;
}

const loc = (id: string): Resource & { id: string } => ({ resourceType: 'Location', id, name: id }) as Resource & { id: string };

const T0 = Date.parse('2030-01-01T00:00:00Z');
const LEASE = 60_000;

export function outboxContract(adapter: string, factory: OutboxStoreFactory): void {
  describe(`ResourceStore outbox contract: ${adapter}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    const claim = (now: number, limit = 10) => store.claimOutbox({ limit, now, leaseMs: LEASE });

    test('a claim takes the queues of its prefix, or all but those', async () => {
      await store.transaction((tx) =>
        tx.enqueue([
          { queue: 'audit:1', payload: 'a1' },
          { queue: 'audit:2', payload: 'a2' },
          { queue: 'sub-1', payload: 's1' },
          { queue: 'auditor', payload: 'x' },
        ]),
      );
      const audit = await store.claimOutbox({ limit: 10, now: T0, leaseMs: LEASE, queues: { prefix: 'audit:' } });
      expect(audit.map((i) => i.payload).sort()).toEqual(['a1', 'a2']);
      const others = await store.claimOutbox({ limit: 10, now: T0, leaseMs: LEASE, queues: { prefix: 'audit:', not: true } });
      expect(others.map((i) => i.payload).sort()).toEqual(['s1', 'x']);
    });

    test('several messages are completed at once', async () => {
      await store.transaction((tx) => tx.enqueue([1, 2, 3].map((n) => ({ queue: `q${n}`, payload: String(n) }))));
      const items = await claim(T0);
      await store.completeOutbox([items[0].id, items[2].id, 'no-such-id']);
      expect((await claim(T0 + 2 * LEASE)).map((i) => i.payload)).toEqual([items[1].payload]);
    });

    test('an empty outbox claims nothing', async () => {
      expect(await claim(T0)).toEqual([]);
    });

    test('messages enqueued in a transaction are claimed with their payload and one attempt counted', async () => {
      await store.transaction(async (tx) => {
        await tx.write([{ kind: 'put', resource: loc('a') }]);
        await tx.enqueue([{ queue: 'q1', payload: '{"n":1}' }]);
      });
      const items = await claim(T0);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ queue: 'q1', payload: '{"n":1}', attempts: 1 });
      expect(typeof items[0].id).toBe('string');
      expect(items[0].lastError).toBeUndefined();
    });

    test('a rolled back transaction enqueues nothing', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.enqueue([{ queue: 'q1', payload: 'x' }]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await claim(T0)).toEqual([]);
    });

    test('a claimed message is leased: not claimed again until the lease expires, then with attempts + 1', async () => {
      await store.transaction((tx) => tx.enqueue([{ queue: 'q1', payload: 'x' }]));
      const [first] = await claim(T0);
      expect(await claim(T0 + LEASE - 1)).toEqual([]);
      const [again] = await claim(T0 + LEASE);
      expect(again).toMatchObject({ id: first.id, attempts: 2 });
    });

    test('completed messages are gone', async () => {
      await store.transaction((tx) => tx.enqueue([{ queue: 'q1', payload: 'x' }]));
      const [item] = await claim(T0);
      await store.completeOutbox(item.id);
      expect(await claim(T0 + 10 * LEASE)).toEqual([]);
    });

    test('a rescheduled message comes back when due, with its error, and its lease released', async () => {
      await store.transaction((tx) => tx.enqueue([{ queue: 'q1', payload: 'x' }]));
      const [item] = await claim(T0);
      await store.rescheduleOutbox(item.id, T0 + 5_000, 'HTTP 500');
      expect(await claim(T0 + 4_999)).toEqual([]);
      const [again] = await claim(T0 + 5_000);
      expect(again).toMatchObject({ id: item.id, attempts: 2, lastError: 'HTTP 500' });
    });

    test('one message at a time per queue, oldest first; queues are independent', async () => {
      await store.transaction((tx) =>
        tx.enqueue([
          { queue: 'a', payload: 'a1' },
          { queue: 'b', payload: 'b1' },
          { queue: 'a', payload: 'a2' },
        ]),
      );
      const heads = await claim(T0);
      expect(heads.map((i) => i.payload).sort()).toEqual(['a1', 'b1']);
      // While a1 is leased, a2 waits behind it.
      expect(await claim(T0)).toEqual([]);
      const a1 = heads.find((i) => i.payload === 'a1')!;
      await store.completeOutbox(a1.id);
      expect((await claim(T0)).map((i) => i.payload)).toEqual(['a2']);
    });

    test('a message waiting for its retry holds back the later messages of its queue', async () => {
      await store.transaction((tx) =>
        tx.enqueue([
          { queue: 'a', payload: 'a1' },
          { queue: 'a', payload: 'a2' },
        ]),
      );
      const [a1] = await claim(T0);
      await store.rescheduleOutbox(a1.id, T0 + 1_000, 'down');
      expect(await claim(T0 + 500)).toEqual([]);
      expect((await claim(T0 + 1_000)).map((i) => i.payload)).toEqual(['a1']);
    });

    test('limit caps the number of messages claimed at once', async () => {
      await store.transaction((tx) =>
        tx.enqueue(['a', 'b', 'c'].map((q) => ({ queue: q, payload: q }))),
      );
      expect(await claim(T0, 2)).toHaveLength(2);
      expect(await claim(T0, 2)).toHaveLength(1);
    });

    test('messages survive a restart, and a message leased when the server stopped is handed out again', async () => {
      await store.transaction((tx) => tx.enqueue([{ queue: 'a', payload: 'a1' }, { queue: 'b', payload: 'b1' }]));
      const [leased] = await claim(T0, 1);
      store = await factory.reopen(store);
      const after = await claim(T0 + LEASE);
      expect(after.map((i) => i.payload).sort()).toEqual(['a1', 'b1']);
      expect(after.find((i) => i.id === leased.id)!.attempts).toBe(2);
    });

    test('completing or rescheduling an unknown id is a no-op', async () => {
      await store.completeOutbox('999999');
      await store.rescheduleOutbox('999999', T0, 'x');
      expect(await claim(T0)).toEqual([]);
    });
  });
}
