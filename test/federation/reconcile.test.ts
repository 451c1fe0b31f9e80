/**
 * The reconciler on pulled files written by hand (no source server): a resource this store's validator refuses is
 * reported with the reason and not written, the others are, and the source's transactionTime is not remembered (the
 * next run asks again); a resource of the wrong type or twice in a file is refused; a reference to a type not imported
 * points to the source.
 */
import fs from 'node:fs';
import path from 'node:path';
import { reconcilePulled } from '../../src/federation/reconcile';
import { derivedId, loadSince, sourceKey } from '../../src/federation/state';
import { testServer, type TestServer } from '../helpers/app';
import { tempDir } from '../helpers/tmp';

const URL = 'https://ror-ara.example/fhir';
let s: TestServer;
beforeAll(() => {
  s = testServer();
});
afterAll(() => s.close());

function files(content: Record<string, unknown[]>, deleted: string[] = []) {
  const dir = tempDir('ror-fed-files-');
  const map = new Map<string, string>();
  for (const [type, list] of Object.entries(content)) {
    const f = path.join(dir, `${type}.ndjson`);
    fs.writeFileSync(f, list.map((r) => `${JSON.stringify(r)}\n`).join(''));
    map.set(type, f);
  }
  const deletedFile = path.join(dir, 'deleted.txt');
  fs.writeFileSync(deletedFile, deleted.map((d) => `${d}\n`).join(''));
  return { files: map, deletedFile };
}

test('refused resources are reported, the others written, and since is not moved', async () => {
  const pulled = {
    mode: 'export' as const,
    ...files({
      Organization: [
        { resourceType: 'Organization', id: 'ok', name: 'Valide', active: true, partOf: { reference: 'Organization/elsewhere' } },
        { resourceType: 'Organization', id: 'bad', name: 'Invalide', active: 'oui' },
        { resourceType: 'Organization', id: 'ok', name: 'Deux fois' },
        { resourceType: 'Location', id: 'wrong-file' },
      ],
      HealthcareService: [{ resourceType: 'HealthcareService', id: 'u1', name: 'Unité', providedBy: { reference: 'Organization/ok' }, endpoint: [{ reference: 'Endpoint/e1' }] }],
    }),
    transactionTime: '2026-01-01T00:00:00Z',
  };
  const report = await reconcilePulled(pulled, { store: s.store, kernel: s.server.kernel, source: URL, types: ['Organization', 'HealthcareService'] });
  expect(report.created).toBe(2);
  expect(report.rejected).toBe(3);
  expect(report.rejections.map((r) => r.reason).join('\n')).toMatch(/twice[\s\S]*Location[\s\S]*Organization\/bad: .*active/);
  expect(report.warnings[0].reason).toMatch(/asks the source again/);
  expect(await loadSince(s.store, sourceKey(URL))).toBeUndefined();
  const ok = JSON.parse((await s.store.read('Organization', derivedId(sourceKey(URL), 'ok')))!.json);
  expect(ok.partOf.reference).toBe(`${URL}/Organization/elsewhere`);
  const u1 = JSON.parse((await s.store.read('HealthcareService', derivedId(sourceKey(URL), 'u1')))!.json);
  expect(u1.providedBy.reference).toBe(`Organization/${derivedId(sourceKey(URL), 'ok')}`);
  expect(u1.endpoint[0].reference).toBe(`${URL}/Endpoint/e1`);
  expect(await s.store.read('Organization', derivedId(sourceKey(URL), 'bad'))).toBeUndefined();

  // The same files once fixed: written, and since remembered.
  const fixed = { ...pulled, ...files({ Organization: [{ resourceType: 'Organization', id: 'ok', name: 'Valide', active: true, partOf: { reference: 'Organization/elsewhere' } }, { resourceType: 'Organization', id: 'bad', name: 'Corrigée', active: true }] }) };
  const again = await reconcilePulled(fixed, { store: s.store, kernel: s.server.kernel, source: URL, types: ['Organization'] });
  expect(again).toMatchObject({ created: 1, unchanged: 1, rejected: 0 });
  expect(await loadSince(s.store, sourceKey(URL))).toBe('2026-01-01T00:00:00Z');
});
