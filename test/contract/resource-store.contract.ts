/**
 * The ResourceStore contract: what "correct" means for every adapter. Each adapter's test file calls
 * `resourceStoreContract(name, factory)`; the SQLite adapter runs it in CI, others when their server is configured.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../src/store/store';
import { InvalidCursorError, VersionConflictError } from '../../src/store/errors';

export interface StoreFactory {
  /** A new, empty store. */
  open(): Promise<ResourceStore>;
  /** Reopens the same data (durability across restarts); may be undefined for adapters that cannot. */
  reopen?(previous: ResourceStore): Promise<ResourceStore>;
}

const org = (id: string, name: string): Resource & { id: string } =>
  ({ resourceType: 'Organization', id, name }) as Resource & { id: string };

export function resourceStoreContract(adapter: string, factory: StoreFactory): void {
  describe(`ResourceStore contract: ${adapter}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('write stamps versionId and lastUpdated and read returns the stored JSON', async () => {
      const [v1] = await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('a', 'Hôpital Nord') }]));
      expect(v1).toMatchObject({ resourceType: 'Organization', id: 'a', versionId: '1', deleted: false });
      const parsed = JSON.parse(v1.json);
      expect(parsed.meta).toEqual({ versionId: '1', lastUpdated: v1.lastUpdated });
      expect(parsed.name).toBe('Hôpital Nord');
      const read = await store.read('Organization', 'a');
      expect(read).toEqual(v1);
    });

    test('client meta elements other than versionId/lastUpdated are kept', async () => {
      const r = { ...org('m', 'x'), meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z', profile: ['http://p'] } };
      const [v] = await store.transaction((tx) => tx.write([{ kind: 'put', resource: r }]));
      expect(JSON.parse(v.json).meta).toEqual({ versionId: '1', lastUpdated: v.lastUpdated, profile: ['http://p'] });
    });

    test('versions count up, lastUpdated strictly increases, vread returns each version', async () => {
      const v1 = (await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('a', 'one') }])))[0];
      const v2 = (await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('a', 'two') }])))[0];
      expect(v2.versionId).toBe('2');
      expect(v2.lastUpdated > v1.lastUpdated).toBe(true);
      expect(JSON.parse((await store.vread('Organization', 'a', '1'))!.json).name).toBe('one');
      expect(JSON.parse((await store.vread('Organization', 'a', '2'))!.json).name).toBe('two');
      expect(await store.vread('Organization', 'a', '3')).toBeUndefined();
      expect(await store.vread('Organization', 'a', 'x')).toBeUndefined();
      expect(JSON.parse((await store.read('Organization', 'a'))!.json).name).toBe('two');
    });

    test('unknown resources read as undefined; same id in another type is another resource', async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('a', 'one') }]));
      expect(await store.read('Organization', 'b')).toBeUndefined();
      expect(await store.read('Location', 'a')).toBeUndefined();
    });

    test('delete is a new version marked deleted; history keeps it; the resource can be re-created', async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('d', 'one') }]));
      const [del] = await store.transaction((tx) => tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'd' }]));
      expect(del).toMatchObject({ versionId: '2', deleted: true, json: '' });
      expect(await store.read('Organization', 'd')).toMatchObject({ deleted: true, versionId: '2' });
      const [again] = await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('d', 'back') }]));
      expect(again).toMatchObject({ versionId: '3', deleted: false });
      const h = await store.history({ resourceType: 'Organization', id: 'd', count: 10 });
      expect(h.entries.map((e) => [e.versionId, e.deleted])).toEqual([
        ['3', false],
        ['2', true],
        ['1', false],
      ]);
      expect(h.total).toBe(3);
    });

    test('a failing transaction keeps nothing', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.write([{ kind: 'put', resource: org('t1', 'x') }]);
          expect(await tx.read('Organization', 't1')).toBeDefined(); // own writes visible inside
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.read('Organization', 't1')).toBeUndefined();
      expect((await store.history({ count: 10 })).entries).toHaveLength(0);
    });

    test('concurrent transactions are serialized: no lost version', async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('c', '0') }]));
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(async (tx) => {
            const cur = await tx.read('Organization', 'c');
            await new Promise((r) => setTimeout(r, 1)); // yield to the event loop inside the transaction
            await tx.write([{ kind: 'put', resource: org('c', `${Number(cur!.versionId) + 0}-${i}`) }]);
          }),
        ),
      );
      expect((await store.read('Organization', 'c'))!.versionId).toBe('21');
    });

    test('concurrent transactions settle independently: a failing one loses only its own writes', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.write([{ kind: 'put', resource: org(`g${i}`, `n${i}`) }]);
            if (i % 7 === 3) throw new Error(`fail ${i}`);
            return i;
          }),
        ),
      );
      results.forEach((r, i) => {
        if (i % 7 === 3) expect(r).toMatchObject({ status: 'rejected', reason: new Error(`fail ${i}`) });
        else expect(r).toEqual({ status: 'fulfilled', value: i });
      });
      for (let i = 0; i < 30; i++) {
        const stored = await store.read('Organization', `g${i}`);
        if (i % 7 === 3) expect(stored).toBeUndefined();
        else expect(stored?.versionId).toBe('1');
      }
    });

    test('a resolved transaction is committed: visible to reads outside it at once', async () => {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          await store.transaction((tx) => tx.write([{ kind: 'put', resource: org(`v${i}`, 'x') }]));
          expect(await store.read('Organization', `v${i}`)).toBeDefined();
        }),
      );
    });

    test('close waits for queued transactions', async () => {
      const writes = Array.from({ length: 5 }, (_, i) =>
        store.transaction((tx) => tx.write([{ kind: 'put', resource: org(`c${i}`, 'x') }])),
      );
      if (factory.reopen) {
        store = await factory.reopen(store);
        await Promise.all(writes);
        expect(await store.read('Organization', 'c4')).toBeDefined();
      } else {
        await Promise.all(writes);
      }
    });

    test('a read between a write and its commit never leaves a stale version behind', async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('r', 'v1') }]));
      expect(JSON.parse((await store.read('Organization', 'r'))!.json).name).toBe('v1');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const writing = store.transaction(async (tx) => {
        await tx.write([{ kind: 'put', resource: org('r', 'v2') }]);
        await gate;
      });
      await new Promise((r) => setTimeout(r, 5));
      // Read (and possibly remember) the committed version while v2 is written but not committed.
      expect(JSON.parse((await store.read('Organization', 'r'))!.json).name).toBe('v1');
      release();
      await writing;
      expect(JSON.parse((await store.read('Organization', 'r'))!.json).name).toBe('v2');
      const failing = store.transaction(async (tx) => {
        await tx.write([{ kind: 'put', resource: org('r', 'v3') }]);
        throw new Error('no');
      });
      await expect(failing).rejects.toThrow('no');
      expect(JSON.parse((await store.read('Organization', 'r'))!.json).name).toBe('v2');
      await store.transaction((tx) => tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'r' }]));
      expect((await store.read('Organization', 'r'))!.deleted).toBe(true);
    });

    test('reads outside a transaction do not see its uncommitted writes', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const running = store.transaction(async (tx) => {
        await tx.write([{ kind: 'put', resource: org('u', 'x') }]);
        await gate;
      });
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.read('Organization', 'u')).toBeUndefined();
      release();
      await running;
      expect(await store.read('Organization', 'u')).toBeDefined();
    });

    test('a put naming the version it replaces fails when the resource is at another one, and keeps nothing', async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('e', 'v1') }]));
      // 0: must not exist yet
      await expect(store.transaction((tx) => tx.write([{ kind: 'put', resource: org('e', 'x'), expectVersion: 0 }]))).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      const conflict = store.transaction((tx) =>
        tx.write([
          { kind: 'put', resource: org('f', 'new') },
          { kind: 'put', resource: org('e', 'stale'), expectVersion: 2 },
        ]),
      );
      await expect(conflict).rejects.toThrow(/Organization\/e is at version 1, not 2/);
      expect(await store.read('Organization', 'f')).toBeUndefined();
      const [v2, created] = await store.transaction((tx) =>
        tx.write([
          { kind: 'put', resource: org('e', 'v2'), expectVersion: 1 },
          { kind: 'put', resource: org('g', 'new'), expectVersion: 0 },
        ]),
      );
      expect([v2.versionId, created.versionId]).toEqual(['2', '1']);
      // a deletion is a version too
      await store.transaction((tx) => tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'g' }]));
      await expect(store.transaction((tx) => tx.write([{ kind: 'put', resource: org('g', 'again'), expectVersion: 0 }]))).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect((await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('g', 'again'), expectVersion: 2 }])))[0].versionId).toBe('3');
    });

    test('a deletion naming the version it replaces fails when the resource is at another one', async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('k', 'v1') }]));
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('k', 'v2') }]));
      await expect(
        store.transaction((tx) => tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'k', expectVersion: 1 }])),
      ).rejects.toBeInstanceOf(VersionConflictError);
      expect((await store.read('Organization', 'k'))?.deleted).toBe(false);
      const [del] = await store.transaction((tx) => tx.write([{ kind: 'delete', resourceType: 'Organization', id: 'k', expectVersion: 2 }]));
      expect([del.versionId, del.deleted]).toEqual(['3', true]);
    });

    test('several writes in one transaction are returned in order', async () => {
      const out = await store.transaction((tx) =>
        tx.write([
          { kind: 'put', resource: org('x', '1') },
          { kind: 'put', resource: org('y', '2') },
          { kind: 'put', resource: org('x', '3') },
        ]),
      );
      expect(out.map((v) => `${v.id}/${v.versionId}`)).toEqual(['x/1', 'y/1', 'x/2']);
    });

    test('history at system, type and instance level, newest first, with _since and paging', async () => {
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('h1', 'a') }]));
      await store.transaction((tx) =>
        tx.write([{ kind: 'put', resource: { resourceType: 'Location', id: 'l1', name: 'L' } as Resource & { id: string } }]),
      );
      const [mid] = await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('h1', 'b') }]));
      await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('h2', 'c') }]));

      const all = await store.history({ count: 100 });
      expect(all.entries.map((e) => `${e.resourceType}/${e.id}/${e.versionId}`)).toEqual([
        'Organization/h2/1',
        'Organization/h1/2',
        'Location/l1/1',
        'Organization/h1/1',
      ]);
      expect(all.total).toBe(4);
      const type = await store.history({ resourceType: 'Organization', count: 100 });
      expect(type.entries).toHaveLength(3);
      const since = await store.history({ since: mid.lastUpdated, count: 100 });
      expect(since.entries.map((e) => e.id)).toEqual(['h2', 'h1']);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.history({ count: 3, cursor });
        seen.push(...page.entries.map((e) => `${e.id}/${e.versionId}`));
        cursor = page.next;
        // A write during paging must not shift later pages.
        if (seen.length === 3) await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('late', 'z') }]));
      } while (cursor);
      expect(seen).toEqual(['h2/1', 'h1/2', 'l1/1', 'h1/1']);
    });

    test('a cursor the store did not produce is rejected', async () => {
      await expect(store.history({ count: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    test('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    if (factory.reopen) {
      test('committed data survives a restart', async () => {
        await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('p', 'kept') }]));
        store = await factory.reopen!(store);
        expect(JSON.parse((await store.read('Organization', 'p'))!.json).name).toBe('kept');
      });
    }
  });
}
