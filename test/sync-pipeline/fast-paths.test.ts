/**
 * The sync's shortcuts must not change its results: validation cached by shape (src/sync/reconcile/validate.ts)
 * gives the verdict of the validator's full pass, and raw records (fingerprinted before mapping) are re-mapped
 * whenever their text or a link target changes.
 */
import type { Organization, Resource } from '@medplum/fhirtypes';
import { ShapeCachedValidator } from '../../src/sync/reconcile/validate';
import { reconcileSource } from '../../src/sync/reconcile/engine';
import { FinessEtSource } from '../../src/sync/finess/source';
import { RppsSource } from '../../src/sync/rpps/source';
import { SYSTEM } from '../../src/sync/fhir-systems';
import type { ParsedRecord, RecordSource, SyncItem, SyncKind } from '../../src/sync/types';
import { ET_EXCERPT, FIXTURES, syncEnv } from './helpers';
import type { SyncEnv } from './helpers';
import path from 'node:path';
import { rorValidator } from '../helpers/validation';

const RPPS_SAMPLE = path.join(FIXTURES, 'rpps', 'PS_LibreAcces_Personne_activite.52col-era.sample.txt');

async function mappedFixtures(): Promise<SyncItem[]> {
  const items: SyncItem[] = [];
  for (const source of [new FinessEtSource(ET_EXCERPT), new RppsSource(RPPS_SAMPLE)]) {
    for await (const rec of source.read()) {
      if ('raw' in rec) {
        const mapped = rec.raw.map();
        // The keys a raw record announces are those of its mapped items (the engine relies on them).
        expect(mapped.map((i) => [i.kind, i.key, (i.links ?? []).map((l) => [l.kind, l.key])])).toEqual(
          rec.raw.keys.map((k) => [k.kind, k.key, (k.links ?? []).map((l) => [l.kind, l.key])]),
        );
        items.push(...mapped);
      } else if ('items' in rec) items.push(...rec.items);
    }
  }
  return items;
}

function verdict(f: () => unknown): string {
  try {
    f();
    return 'valid';
  } catch (err) {
    return `invalid: ${(err as Error).message}`;
  }
}

/** Every variant of `res` where one string leaf is replaced by `value`. */
function* mutations(res: unknown, value: string): Generator<unknown> {
  const json = JSON.stringify(res);
  const leaves = [...json.matchAll(/:"((?:[^"\\]|\\.)*)"/g)];
  for (const m of leaves) {
    if (json.slice(m.index! - 12, m.index).includes('"url') || json.slice(m.index! - 14, m.index).includes('resourceType')) continue;
    const start = m.index! + 2;
    yield JSON.parse(json.slice(0, start) + JSON.stringify(value).slice(1, -1) + json.slice(start + m[1].length));
  }
}

describe('validation cached by shape', () => {
  test('same verdict as the full validation on the mapped fixtures and on broken values of the same shape', async () => {
    const items = await mappedFixtures();
    expect(items.length).toBeGreaterThan(20);
    const cached = new ShapeCachedValidator(rorValidator());
    for (const { resource } of items) expect(verdict(() => cached.validate(resource))).toBe('valid');
    expect(cached.stats.cached).toBeGreaterThan(0);
    let invalid = 0;
    for (const { resource } of items.slice(0, 8)) {
      for (const bad of ['', ' ', 'a  b', 'x\u0001y', '2026-02-30', '2026-13-01', 'not a url', 'urn:oid:1.2']) {
        for (const m of mutations(resource, bad)) {
          const expected = verdict(() => rorValidator().validateForWrite(m, { expectedType: (m as Resource).resourceType, cache: false }));
          const got = verdict(() => cached.validate(m as Resource));
          expect({ m, got: got.startsWith('invalid') }).toEqual({ m, got: expected.startsWith('invalid') });
          if (expected !== 'valid') invalid++;
        }
      }
    }
    expect(invalid).toBeGreaterThan(50);
  });

  test("a control character in a string is caught after a valid resource of the same shape (medplum's regex)", () => {
    const v = new ShapeCachedValidator(rorValidator());
    const org = (name: string): Organization => ({ resourceType: 'Organization', active: true, name, identifier: [{ system: SYSTEM.finess, value: '010000024' }] });
    v.validate(org('CH de Bourg'));
    v.validate(org('CH de Belley'));
    expect(v.stats).toMatchObject({ full: 1, cached: 1 });
    expect(() => v.validate(org('CH\u0001de Belley'))).toThrow();
    expect(() => v.validate({ ...org('x'), extension: [{ url: 'http://x/y', valueDate: '2026-02-30' }] } as Organization)).toThrow(/calendar/);
  });
});

/** A source of hand-made raw records, counting the records it maps. */
class TestSource implements RecordSource {
  readonly name = 'test';
  readonly kinds: SyncKind[] = ['finess-et'];
  mapped = 0;
  reads = 0;
  constructor(private readonly records: { key: string; name: string; ej?: string }[]) {}

  async *read(): AsyncGenerator<ParsedRecord> {
    this.reads++;
    let n = 0;
    for (const r of this.records) {
      const line = ++n;
      const links = r.ej ? [{ element: 'partOf', kind: 'finess-ej' as const, key: r.ej, identifier: { system: SYSTEM.finess, value: r.ej } }] : undefined;
      const map = (): SyncItem[] => {
        this.mapped++;
        const resource: Organization = { resourceType: 'Organization', active: true, name: r.name, identifier: [{ system: SYSTEM.finess, value: r.key }] };
        return [{ kind: 'finess-et', key: r.key, resource, match: { system: SYSTEM.finess, value: r.key }, links, line }];
      };
      yield { raw: { text: `${r.key}|${r.name}|${r.ej ?? ''}`, keys: [{ kind: 'finess-et', key: r.key, links: links?.map((l) => ({ kind: l.kind, key: l.key })) }], line, map } };
    }
  }
}

describe('raw records', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());
  const reconcile = (source: RecordSource, maxBuffered?: number) => reconcileSource(source, { store: env.store, kernel: env.kernel, maxBuffered });

  test('a deliberately invalid mapped resource is rejected with its line, not written; the others are', async () => {
    const source = new TestSource([
      { key: '010000024', name: 'CH A' },
      { key: '010000032', name: 'CH\u0001B' },
      { key: '010000040', name: 'CH C' },
    ]);
    const report = await reconcile(source);
    expect(report.created).toBe(2);
    expect(report.rejected).toBe(1);
    expect(report.rejections[0]).toMatchObject({ line: 2 });
    expect(report.rejections[0].reason).toMatch(/finess-et 010000032/);
    expect(await env.store.read('Organization', 'finess-et-010000032')).toBeUndefined();
    expect(await env.store.read('Organization', 'finess-et-010000040')).toBeDefined();
  });

  test('changed records are kept from the scan when few; beyond maxBuffered the file is read again, same result', async () => {
    const records = Array.from({ length: 30 }, (_, i) => ({ key: `0100000${String(i).padStart(2, '0')}`, name: `CH ${i}` }));
    const first = new TestSource(records);
    expect((await reconcile(first, 100)).created).toBe(30);
    expect(first.reads).toBe(1);
    const renamed = records.map((r, i) => (i % 3 ? r : { ...r, name: `${r.name} bis` }));
    const reread = new TestSource(renamed);
    expect(await reconcile(reread, 5)).toMatchObject({ updated: 10, unchanged: 20 });
    expect(reread.reads).toBe(2);
    const back = new TestSource(records);
    expect(await reconcile(back, 10)).toMatchObject({ updated: 10, unchanged: 20 });
    expect(back.reads).toBe(1);
    const names = await env.find<Organization>('Organization', 'active=true');
    expect(names.map((o) => o.name).sort()).toEqual(records.map((r) => r.name).sort());
  });

  test('unchanged records are not mapped; a changed text or a link target that appears re-maps the record', async () => {
    const records = [
      { key: '010000024', name: 'CH A', ej: '010000016' },
      { key: '010000032', name: 'CH B' },
    ];
    expect((await reconcile(new TestSource(records))).created).toBe(2);
    const same = new TestSource(records);
    expect(await reconcile(same)).toMatchObject({ unchanged: 2, updated: 0 });
    expect(same.mapped).toBe(0);

    const renamed = new TestSource([records[0], { key: '010000032', name: 'CH B2' }]);
    expect(await reconcile(renamed)).toMatchObject({ unchanged: 1, updated: 1 });
    expect(renamed.mapped).toBe(1);

    // The legal entity arrives: the establishment's partOf must now point to it although its line did not change.
    const ej: RecordSource = {
      name: 'ej',
      kinds: ['finess-ej'],
      async *read() {
        const resource: Organization = { resourceType: 'Organization', active: true, name: 'EJ', identifier: [{ system: SYSTEM.finess, value: '010000016' }] };
        yield { items: [{ kind: 'finess-ej', key: '010000016', resource, match: { system: SYSTEM.finess, value: '010000016' }, line: 1 }] };
      },
    };
    await reconcile(ej);
    const again = new TestSource([records[0], { key: '010000032', name: 'CH B2' }]);
    expect(await reconcile(again)).toMatchObject({ unchanged: 1, updated: 1 });
    expect(again.mapped).toBe(1);
    const et = JSON.parse((await env.store.read('Organization', 'finess-et-010000024'))!.json) as Organization;
    expect(et.partOf?.reference).toBe('Organization/finess-ej-010000016');
  });
});
