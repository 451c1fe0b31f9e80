/**
 * Validation on a second thread (EngineOptions.validationThread): the apply pass prepares a batch in one
 * transaction and writes it in the next. The results must be those of validating on the main thread, and a
 * resource written by someone else between the two transactions must not be overwritten from a stale read.
 */
import type { Organization, Resource } from '@medplum/fhirtypes';
import { reconcileSource } from '../../src/sync/reconcile/engine';
import { ValidationThread } from '../../src/sync/reconcile/validate';
import { SYSTEM, EXT, SYNC_TAG_SYSTEM } from '../../src/sync/fhir-systems';
import type { ParsedRecord, RecordSource, SyncItem } from '../../src/sync/types';
import type { ResourceStore } from '../../src/store/store';
import { syncEnv, type SyncEnv } from './helpers';
import type { Actor } from '../../src/kernel/actor';
import { rorValidator } from '../helpers/validation';

/** Establishments as raw records (mapped only when changed), one line each. */
function source(records: { key: string; name: string }[]): RecordSource {
  return {
    name: 'test',
    kinds: ['finess-et'],
    async *read(): AsyncIterable<ParsedRecord> {
      let line = 0;
      for (const r of records) {
        const at = ++line;
        const map = (): SyncItem[] => {
          const resource: Organization = { resourceType: 'Organization', active: true, name: r.name, identifier: [{ system: SYSTEM.finess, value: r.key }] };
          return [{ kind: 'finess-et', key: r.key, resource, match: { system: SYSTEM.finess, value: r.key }, line: at }];
        };
        yield { raw: { text: `${r.key}|${r.name}`, keys: [{ kind: 'finess-et', key: r.key }], line: at, map } };
      }
    },
  };
}

const records = (n: number, suffix = '') =>
  Array.from({ length: n }, (_, i) => ({ key: `0100000${String(i).padStart(2, '0')}`, name: i === 4 ? `CH\u0001${i}` : `CH ${i}${suffix}` }));

/** Every stored Organization, without what differs from run to run (instants). */
async function contents(env: SyncEnv): Promise<unknown[]> {
  const all = await env.find<Organization>('Organization', '_tag=' + encodeURIComponent(SYNC_TAG_SYSTEM + '|'));
  return all
    .map(({ meta, extension, ...rest }) => ({ ...rest, tags: meta?.tag, extension: extension?.map((e) => (e.url === EXT.creationDate ? e.url : e)) }))
    .sort((a, b) => a.id!.localeCompare(b.id!));
}

describe('validation on a second thread', () => {
  let thread: ValidationThread;
  beforeAll(() => (thread = new ValidationThread(rorValidator())));
  afterAll(() => thread.close());
  const envs: SyncEnv[] = [];
  const env = () => {
    const e = syncEnv();
    envs.push(e);
    return e;
  };
  afterEach(async () => {
    for (const e of envs.splice(0)) await e.close();
  });

  test('rejects and writes exactly what validating on the main thread does, batch after batch', async () => {
    const here = env();
    const there = env();
    const input = records(12);
    const a = await reconcileSource(source(input), { store: here.store, kernel: here.kernel, batchSize: 5 });
    const b = await reconcileSource(source(input), { store: there.store, kernel: there.kernel, batchSize: 5, validationThread: thread });
    expect(b).toMatchObject({ created: 11, rejected: 1 });
    expect(b.rejections).toEqual(a.rejections);
    expect(b.rejections[0]).toMatchObject({ line: 5 });
    expect(b.rejections[0].reason).toMatch(/^finess-et 010000004: /);
    expect(b.validation!.full + b.validation!.cached).toBe(12);
    expect(await contents(here)).toHaveLength(11);
    expect(await contents(there)).toEqual(await contents(here));
    // a second run over changed names: updates, same again
    const renamed = records(12, ' bis');
    const a2 = await reconcileSource(source(renamed), { store: here.store, kernel: here.kernel, batchSize: 5 });
    const b2 = await reconcileSource(source(renamed), { store: there.store, kernel: there.kernel, batchSize: 5, validationThread: thread });
    expect(b2).toMatchObject({ updated: 11, rejected: 1, created: 0 });
    expect([b2.updated, b2.rejections]).toEqual([a2.updated, a2.rejections]);
    expect(await contents(there)).toEqual(await contents(here));
  });

  test('when the thread is gone, the run validates on the main thread and says so', async () => {
    const gone = new ValidationThread(rorValidator());
    await gone.close();
    const e = env();
    const report = await reconcileSource(source(records(12)), { store: e.store, kernel: e.kernel, batchSize: 5, validationThread: gone });
    expect(report).toMatchObject({ created: 11, rejected: 1 });
    expect(report.warnings.map((w) => w.reason)).toEqual([expect.stringMatching(/validation thread failed.*closed/)]);
  });

  test('a resource written through the API between the preparing and the writing transaction keeps that write', async () => {
    const e = env();
    await reconcileSource(source(records(6)), { store: e.store, kernel: e.kernel });
    // Run 2 renames every establishment, two per batch. Right after the transaction that prepared the first batch,
    // someone adds an operational name to its first establishment.
    let transactions = 0;
    const store = {
      transaction: async <T>(fn: Parameters<ResourceStore['transaction']>[0]): Promise<T> => {
        const result = (await e.store.transaction(fn)) as T;
        if (++transactions === 1) {
          const current = JSON.parse((await e.store.read('Organization', 'finess-et-010000000'))!.json) as Organization & { id: string };
          await e.kernel.transaction(e.store, { kind: 'admin', name: 'test' } as Actor, (tx) => tx.put({ ...current, alias: ['Local name'] }));
        }
        return result;
      },
      syncStateSize: (kind: string) => e.store.syncStateSize(kind),
      syncStateRows: (kind: string) => e.store.syncStateRows(kind),
    } as unknown as ResourceStore;
    const report = await reconcileSource(source(records(6, ' bis')), { store, kernel: e.kernel, batchSize: 2, validationThread: thread });
    expect(report).toMatchObject({ updated: 5, rejected: 1, unchanged: 0 });
    const edited = await e.store.read('Organization', 'finess-et-010000000');
    const org = JSON.parse(edited!.json) as Organization;
    expect([org.name, org.alias]).toEqual(['CH 0 bis', ['Local name']]);
    expect(edited!.versionId).toBe('3');
    const other = JSON.parse((await e.store.read('Organization', 'finess-et-010000005'))!.json) as Resource & Organization;
    expect(other.name).toBe('CH 5 bis');
  });
});
