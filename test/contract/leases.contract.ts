/**
 * The leases part of the ResourceStore contract (src/store/leases.ts): one owner at a time until expiry, renewed by
 * heartbeats, released, and taken over from a dead holder only while that holder still has it. Time is given by
 * the caller, so expiry is tested without waiting.
 */
import type { ResourceStore } from '../../src/store/store';

export interface LeaseStoreFactory {
  /** A new, empty store. */
  open(): Promise<ResourceStore>;
  /** Closes `previous` and reopens the same data. */
  reopen(previous: ResourceStore): Promise<ResourceStore>;
}

const T0 = Date.parse('2030-01-01T00:00:00Z');
const TTL = 60_000;
const NAME = 'referential-sync';

export function leasesContract(adapter: string, factory: LeaseStoreFactory): void {
  describe(`ResourceStore leases contract: ${adapter}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('a free lease is acquired; its holder is named with its expiry', async () => {
      expect(await store.leases.holder(NAME)).toBeUndefined();
      expect(await store.leases.acquire(NAME, 'A', TTL, T0)).toEqual({ acquired: true });
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'A', expiresAt: T0 + TTL });
    });

    test('a second owner is refused while the lease lasts, and told who holds it until when', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.acquire(NAME, 'B', TTL, T0 + 1000)).toEqual({ acquired: false, holder: { owner: 'A', expiresAt: T0 + TTL } });
      expect(await store.leases.acquire(NAME, 'B', TTL, T0 + TTL - 1)).toMatchObject({ acquired: false });
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'A', expiresAt: T0 + TTL });
    });

    test('the holder acquiring again renews its lease', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.acquire(NAME, 'A', TTL, T0 + 5000)).toEqual({ acquired: true });
      expect((await store.leases.holder(NAME))?.expiresAt).toBe(T0 + 5000 + TTL);
    });

    test('a heartbeat extends the lease, so a second owner stays refused past the first expiry', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.heartbeat(NAME, 'A', TTL, T0 + 40_000)).toBe(true);
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'A', expiresAt: T0 + 40_000 + TTL });
      expect(await store.leases.acquire(NAME, 'B', TTL, T0 + TTL + 1)).toMatchObject({ acquired: false, holder: { owner: 'A' } });
    });

    test('an expired lease goes to the next owner; the old holder then finds it lost', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.acquire(NAME, 'B', TTL, T0 + TTL)).toEqual({ acquired: true });
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'B', expiresAt: T0 + 2 * TTL });
      expect(await store.leases.heartbeat(NAME, 'A', TTL, T0 + TTL + 1)).toBe(false);
      // the old holder's release leaves the new holder's lease alone
      await store.leases.release(NAME, 'A');
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'B', expiresAt: T0 + 2 * TTL });
    });

    test('an expired lease that nobody took is still its holder\'s: its heartbeat renews it', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.heartbeat(NAME, 'A', TTL, T0 + 2 * TTL)).toBe(true);
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'A', expiresAt: T0 + 3 * TTL });
    });

    test('a non-holder\'s heartbeat fails and changes nothing; so does one on a free lease', async () => {
      expect(await store.leases.heartbeat(NAME, 'A', TTL, T0)).toBe(false);
      expect(await store.leases.holder(NAME)).toBeUndefined();
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.heartbeat(NAME, 'B', TTL, T0 + 1000)).toBe(false);
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'A', expiresAt: T0 + TTL });
    });

    test('release frees the lease at once; after it the holder\'s heartbeat fails', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      await store.leases.release(NAME, 'B'); // not the holder: nothing happens
      expect((await store.leases.holder(NAME))?.owner).toBe('A');
      await store.leases.release(NAME, 'A');
      expect(await store.leases.holder(NAME)).toBeUndefined();
      expect(await store.leases.heartbeat(NAME, 'A', TTL, T0 + 1)).toBe(false);
      expect(await store.leases.acquire(NAME, 'B', TTL, T0 + 1)).toEqual({ acquired: true });
    });

    test('a live lease is taken over from its holder when named, whatever its expiry', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.takeOver(NAME, 'A', 'B', TTL, T0 + 1000)).toBe(true);
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'B', expiresAt: T0 + 1000 + TTL });
      expect(await store.leases.heartbeat(NAME, 'A', TTL, T0 + 2000)).toBe(false);
    });

    test('of two takers of the same dead holder, only the first wins', async () => {
      await store.leases.acquire(NAME, 'dead', TTL, T0);
      const [b, c] = await Promise.all([
        store.leases.takeOver(NAME, 'dead', 'B', TTL, T0 + 1000),
        store.leases.takeOver(NAME, 'dead', 'C', TTL, T0 + 1000),
      ]);
      expect([b, c].filter(Boolean)).toHaveLength(1);
      expect((await store.leases.holder(NAME))?.owner).toBe(b ? 'B' : 'C');
      // later, naming the dead holder again takes nothing from the winner
      expect(await store.leases.takeOver(NAME, 'dead', 'D', TTL, T0 + 2000)).toBe(false);
      expect((await store.leases.holder(NAME))?.owner).toBe(b ? 'B' : 'C');
    });

    test('a free lease is not taken over (acquire it instead)', async () => {
      expect(await store.leases.takeOver(NAME, 'A', 'B', TTL, T0)).toBe(false);
      expect(await store.leases.holder(NAME)).toBeUndefined();
    });

    test('leases of different names are independent', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      expect(await store.leases.acquire('other', 'B', TTL, T0)).toEqual({ acquired: true });
      await store.leases.release(NAME, 'A');
      expect(await store.leases.holder('other')).toEqual({ owner: 'B', expiresAt: T0 + TTL });
    });

    test('a lease survives a restart', async () => {
      await store.leases.acquire(NAME, 'A', TTL, T0);
      store = await factory.reopen(store);
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'A', expiresAt: T0 + TTL });
      expect(await store.leases.acquire(NAME, 'B', TTL, T0 + 1)).toMatchObject({ acquired: false });
    });

    test('lease changes wait for a running transaction and never join it', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const failing = store.transaction(async () => {
        await gate;
        throw new Error('boom');
      });
      // Started while the transaction runs; the transaction then rolls back: the lease must not roll back with it.
      await new Promise((r) => setTimeout(r, 10));
      const acquired = store.leases.acquire(NAME, 'A', TTL, T0);
      release();
      await expect(failing).rejects.toThrow('boom');
      expect(await acquired).toEqual({ acquired: true });
      expect(await store.leases.holder(NAME)).toEqual({ owner: 'A', expiresAt: T0 + TTL });
    });
  });
}
