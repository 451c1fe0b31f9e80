/**
 * The bulk export jobs part of the ResourceStore contract (src/store/export-jobs.ts): a job is recorded, read back,
 * changed field by field, listed while unfinished (oldest first) and once expired, removed, and kept across a
 * reopen of the store (a restart of the server takes its unfinished jobs up again).
 */
import type { ResourceStore } from '../../src/store/store';
import type { ExportJob } from '../../src/store/export-jobs';

export interface ExportJobStoreFactory {
  open(): Promise<ResourceStore>;
  reopen(previous: ResourceStore): Promise<ResourceStore>;
}

const T0 = Date.parse('2030-01-01T00:00:00Z');

function job(id: string, createdAt = T0, extra: Partial<ExportJob> = {}): ExportJob {
  return {
    id,
    owner: 'client:c1',
    status: 'in-progress',
    request: 'http://fhir.test/$export?_type=Organization',
    transactionTime: '2030-01-01T00:00:00.000Z',
    createdAt,
    updatedAt: createdAt,
    state: JSON.stringify({ types: ['Organization'] }),
    ...extra,
  };
}

export function exportJobsContract(adapter: string, factory: ExportJobStoreFactory): void {
  describe(`ResourceStore export jobs contract: ${adapter}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('a job is read back as recorded; an unknown id is undefined; an id is used once', async () => {
      await store.exportJobs.create(job('j1'));
      expect(await store.exportJobs.get('j1')).toEqual(job('j1'));
      expect(await store.exportJobs.get('nope')).toBeUndefined();
      await expect(store.exportJobs.create(job('j1'))).rejects.toHaveProperty('message');
    });

    test('update changes only the given fields, and says when the job is gone', async () => {
      await store.exportJobs.create(job('j1'));
      expect(await store.exportJobs.update('j1', { state: '{"done":1}', updatedAt: T0 + 5 })).toBe(true);
      expect(await store.exportJobs.get('j1')).toEqual({ ...job('j1'), state: '{"done":1}', updatedAt: T0 + 5 });
      expect(await store.exportJobs.update('j1', { status: 'completed', expiresAt: T0 + 100, updatedAt: T0 + 6 })).toBe(true);
      expect(await store.exportJobs.get('j1')).toMatchObject({ status: 'completed', expiresAt: T0 + 100, state: '{"done":1}', updatedAt: T0 + 6 });
      expect(await store.exportJobs.update('nope', { status: 'failed', updatedAt: T0 })).toBe(false);
    });

    test('unfinished lists the jobs in progress, oldest first; expired the finished ones past their expiry', async () => {
      await store.exportJobs.create(job('late', T0 + 10));
      await store.exportJobs.create(job('early', T0));
      await store.exportJobs.create(job('done', T0 + 1, { status: 'completed', expiresAt: T0 + 1000 }));
      await store.exportJobs.create(job('failed', T0 + 2, { status: 'failed', expiresAt: T0 + 2000 }));
      expect((await store.exportJobs.unfinished()).map((j) => j.id)).toEqual(['early', 'late']);
      expect((await store.exportJobs.expired(T0 + 999)).map((j) => j.id)).toEqual([]);
      expect((await store.exportJobs.expired(T0 + 1000)).map((j) => j.id)).toEqual(['done']);
      expect((await store.exportJobs.expired(T0 + 5000)).map((j) => j.id)).toEqual(['done', 'failed']);
    });

    test('remove forgets a job, once', async () => {
      await store.exportJobs.create(job('j1'));
      expect(await store.exportJobs.remove('j1')).toBe(true);
      expect(await store.exportJobs.remove('j1')).toBe(false);
      expect(await store.exportJobs.get('j1')).toBeUndefined();
      expect(await store.exportJobs.unfinished()).toEqual([]);
    });

    test('jobs are kept across a reopen of the store', async () => {
      await store.exportJobs.create(job('j1'));
      await store.exportJobs.update('j1', { state: '{"done":2}', updatedAt: T0 + 1 });
      store = await factory.reopen(store);
      expect(await store.exportJobs.unfinished()).toEqual([{ ...job('j1'), state: '{"done":2}', updatedAt: T0 + 1 }]);
    });
  });
}
