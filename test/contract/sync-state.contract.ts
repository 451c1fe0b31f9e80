/**
 * The sync state part of the ResourceStore contract (src/store/sync-state.ts): rows saved in a write transaction
 * commit or roll back with it, replace the row of their kind and key, survive a restart, and are read back per
 * kind, streamed in pages in no particular order, with their count and key bytes.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../src/store/store';
import type { SyncStateRow } from '../../src/store/sync-state';

export interface SyncStateStoreFactory {
  /** A new, empty store. */
  open(): Promise<ResourceStore>;
  /** Closes `previous` and reopens the same data. */
  reopen(previous: ResourceStore): Promise<ResourceStore>;
}

const org = (id: string): Resource & { id: string } => ({ resourceType: 'Organization', id, name: id }) as Resource & { id: string };

/** Every row of a kind, pages concatenated, sorted by key (the store promises no order). */
async function rowsOf(store: ResourceStore, kind: string): Promise<SyncStateRow[]> {
  const rows: SyncStateRow[] = [];
  for await (const page of store.syncStateRows(kind)) rows.push(...page);
  return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function syncStateContract(adapter: string, factory: SyncStateStoreFactory): void {
  describe(`ResourceStore sync state contract: ${adapter}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('an empty store has no rows', async () => {
      expect(await store.syncStateSize('finess-et')).toEqual({ count: 0, keyBytes: 0 });
      expect(await rowsOf(store, 'finess-et')).toEqual([]);
    });

    test('rows saved with resources commit with them, and are read back with and without a resource id', async () => {
      await store.transaction(async (tx) => {
        await tx.write([{ kind: 'put', resource: org('finess-et-1') }]);
        await tx.saveSyncState([
          { kind: 'finess-et', key: '1', hash: 42 },
          { kind: 'finess-et', key: '2', hash: 7, resourceId: 'adopted-2' },
        ]);
      });
      expect(await rowsOf(store, 'finess-et')).toEqual([
        { kind: 'finess-et', key: '1', hash: 42 },
        { kind: 'finess-et', key: '2', hash: 7, resourceId: 'adopted-2' },
      ]);
      // looked up one at a time by key, as the data-quality rules read the sync's last national version
      expect(await store.syncStateRow('finess-et', '2')).toEqual({ kind: 'finess-et', key: '2', hash: 7, resourceId: 'adopted-2' });
      expect(await store.syncStateRow('finess-et', '1')).toEqual({ kind: 'finess-et', key: '1', hash: 42 });
      expect(await store.syncStateRow('finess-et', '3')).toBeUndefined();
      expect(await store.syncStateRow('finess-ej', '1')).toBeUndefined();
    });

    test('a rolled back transaction keeps none of its rows (nor its resources)', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.write([{ kind: 'put', resource: org('finess-et-1') }]);
          await tx.saveSyncState([{ kind: 'finess-et', key: '1', hash: 42 }]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await rowsOf(store, 'finess-et')).toEqual([]);
      expect(await store.syncStateSize('finess-et')).toEqual({ count: 0, keyBytes: 0 });
      expect(await store.read('Organization', 'finess-et-1')).toBeUndefined();
    });

    test('a failing transaction keeps none of its rows while the others of its group commit', async () => {
      // Transactions started together may be committed together (the SQLite adapter groups them).
      const ok = store.transaction((tx) => tx.saveSyncState([{ kind: 'k', key: 'kept', hash: 1 }]));
      const failed = store.transaction(async (tx) => {
        await tx.saveSyncState([{ kind: 'k', key: 'lost', hash: 2 }]);
        throw new Error('boom');
      });
      await ok;
      await expect(failed).rejects.toThrow('boom');
      expect((await rowsOf(store, 'k')).map((r) => r.key)).toEqual(['kept']);
    });

    test('a row saved again replaces the one of its kind and key: hash and resource id, the id removed when omitted', async () => {
      await store.transaction((tx) => tx.saveSyncState([{ kind: 'rpps-role', key: 'r', hash: 1, resourceId: 'x' }]));
      await store.transaction((tx) => tx.saveSyncState([{ kind: 'rpps-role', key: 'r', hash: 2, resourceId: 'y' }]));
      expect(await rowsOf(store, 'rpps-role')).toEqual([{ kind: 'rpps-role', key: 'r', hash: 2, resourceId: 'y' }]);
      await store.transaction((tx) => tx.saveSyncState([{ kind: 'rpps-role', key: 'r', hash: 0 }]));
      expect(await rowsOf(store, 'rpps-role')).toEqual([{ kind: 'rpps-role', key: 'r', hash: 0 }]);
      expect((await store.syncStateSize('rpps-role')).count).toBe(1);
    });

    test('kinds are apart: the same key in two kinds is two rows, each read and counted with its kind only', async () => {
      await store.transaction((tx) =>
        tx.saveSyncState([
          { kind: 'finess-ej', key: '010000024', hash: 1 },
          { kind: 'finess-et', key: '010000024', hash: 2 },
          { kind: 'finess-et', key: '010000032', hash: 3 },
        ]),
      );
      expect(await rowsOf(store, 'finess-ej')).toEqual([{ kind: 'finess-ej', key: '010000024', hash: 1 }]);
      expect((await rowsOf(store, 'finess-et')).map((r) => r.hash)).toEqual([2, 3]);
      expect(await store.syncStateSize('finess-ej')).toEqual({ count: 1, keyBytes: 9 });
      expect(await store.syncStateSize('finess-et')).toEqual({ count: 2, keyBytes: 18 });
    });

    test('hashes of up to 48 bits are kept exactly; the size counts the keys in UTF-8 bytes', async () => {
      const big = 2 ** 48 - 1;
      await store.transaction((tx) =>
        tx.saveSyncState([
          { kind: 'k', key: 'Hôpital', hash: big }, // ô: 2 bytes
          { kind: 'k', key: '€', hash: 2 ** 47 + 12345 }, // 3 bytes
        ]),
      );
      expect(await rowsOf(store, 'k')).toEqual([
        { kind: 'k', key: 'Hôpital', hash: big },
        { kind: 'k', key: '€', hash: 2 ** 47 + 12345 },
      ]);
      expect(await store.syncStateSize('k')).toEqual({ count: 2, keyBytes: 8 + 3 });
    });

    test('many rows saved in any order over several transactions are all read back, each once', async () => {
      const n = 25_000; // more than one page of any reasonable size
      const keys = Array.from({ length: n }, (_, i) => `key-${(i * 7919) % n}`);
      for (let i = 0; i < n; i += 5_000) {
        await store.transaction((tx) => tx.saveSyncState(keys.slice(i, i + 5_000).map((key, j) => ({ kind: 'big', key, hash: i + j + 1 }))));
      }
      let rows = 0;
      const seen = new Map<string, number>();
      const otherKinds: string[] = [];
      for await (const page of store.syncStateRows('big')) {
        for (const row of page) {
          rows++;
          if (row.kind !== 'big') otherKinds.push(row.kind);
          seen.set(row.key, row.hash);
        }
      }
      expect(otherKinds).toEqual([]);
      expect(rows).toBe(n); // each once: as many rows as distinct keys
      expect(seen.size).toBe(n);
      expect(keys.filter((key, i) => seen.get(key) !== i + 1)).toEqual([]);
      const bytes = keys.reduce((sum, k) => sum + Buffer.byteLength(k), 0);
      expect(await store.syncStateSize('big')).toEqual({ count: n, keyBytes: bytes });
    });

    test('the store serves other reads and writes while rows are streamed', async () => {
      const n = 25_000;
      await store.transaction((tx) => tx.saveSyncState(Array.from({ length: n }, (_, i) => ({ kind: 'big', key: `k${i}`, hash: 1 }))));
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('a') }]));
      let rows = 0;
      let i = 0;
      for await (const page of store.syncStateRows('big')) {
        rows += page.length;
        // between pages, as a server answers requests while a sync run loads its state
        expect((await store.history({ resourceType: 'Organization', count: 1 })).entries).toHaveLength(1);
        await store.transaction((tx) => tx.write([{ kind: 'put', resource: org(`b${i++}`) }]));
      }
      expect(rows).toBe(n);
    });

    test('rows survive a restart', async () => {
      await store.transaction((tx) => tx.saveSyncState([{ kind: 'finess-et', key: '1', hash: 42, resourceId: 'x' }]));
      store = await factory.reopen(store);
      expect(await rowsOf(store, 'finess-et')).toEqual([{ kind: 'finess-et', key: '1', hash: 42, resourceId: 'x' }]);
    });

    test('saving outside a running transaction is refused', async () => {
      let writer: Parameters<Parameters<ResourceStore['transaction']>[0]>[0] | undefined;
      await store.transaction(async (tx) => {
        writer = tx;
      });
      await expect(writer!.saveSyncState([{ kind: 'k', key: 'late', hash: 1 }])).rejects.toThrow();
      expect(await rowsOf(store, 'k')).toEqual([]);
    });
  });
}
