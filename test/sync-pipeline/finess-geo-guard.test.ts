import type { Location, Organization } from '@medplum/fhirtypes';
import { luhn } from '../../src/sync/finess/validate';
import { etLine, ET_EXCERPT, realEtLines, syncEnv } from './helpers';
import type { SyncEnv } from './helpers';

/** A valid FINESS number starting with `prefix` (8 characters): the Luhn key appended. */
function finess(prefix: string): string {
  for (let d = 0; d < 10; d++) if (luhn(prefix + d)) return prefix + d;
  throw new Error('unreachable');
}

const SPM = finess('97500001');

/** cs1100507-style file: the real structureet lines (31 fields, no numuai) then geolocalisation lines. */
function cs1100507(): string {
  const lines = realEtLines();
  const spm = etLine(lines[1], { 1: SPM, 3: 'CENTRE HOSPITALIER FRANCOIS DUNAN', 12: '502', 13: '9E', 14: 'ST PIERRE MIQUELON', 15: '97500 ST PIERRE' });
  const et = [...lines.slice(1), spm].map((l) => l.split(';').slice(0, 31).join(';'));
  const geo = [
    `geolocalisation;010000024;870262.2;6571540.8;1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04`,
    `geolocalisation;970102018;657242.9;1795384.4;2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles);2026-05-04`,
    `geolocalisation;970300026;353672.8;544349.1;;2026-05-04`,
    `geolocalisation;970400024;323086.6;7679599.8;2,ATLASANTE,95,BAN,EPSG:2975 RGR92/UTM zone 40S (Réunion);2026-05-04`,
    `geolocalisation;980501506;524819.9;8587194.7;2,ATLASANTE,89,BAN,EPSG:4471 RGM04/UTM zone 38S (Mayotte);2026-05-04`,
    `geolocalisation;${SPM};563213.8;5180306.8;2,ATLASANTE,90,BAN,WGS84/UTM zone 21N (St-Pierre-et-Miquelon);2026-05-04`,
    `geolocalisation;970100400;;;;2026-05-04`,
  ];
  return ['finess;etalab;111;2026-05-12', ...et, ...geo].join('\r\n') + '\r\n';
}

describe('FINESS geolocation (cs1100507)', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test.each([
    ['010000024', 5.20918, 46.22229],
    ['970102018', -61.52874, 16.234],
    ['970300026', -52.31973, 4.92347],
    ['970400024', 55.29821, -20.97571],
    ['980501506', 45.22868, -12.77989],
    [SPM, -56.17201, 46.77332],
  ])('%s: position in WGS84 from its projection or department', async (nofinesset, lon, lat) => {
    const report = await env.run({ finess: env.file('cs1100507.csv', cs1100507()) });
    expect(report.sources[0].rejections).toEqual([]);
    const [loc] = await env.find<Location>('Location', `identifier=https://finess.esante.gouv.fr|${nofinesset}`);
    expect(loc.position!.longitude).toBeCloseTo(lon, 4);
    expect(loc.position!.latitude).toBeCloseTo(lat, 4);
  });

  test('missing geolocation: the Location has no position, nothing is rejected', async () => {
    await env.run({ finess: env.file('cs1100507.csv', cs1100507()) });
    for (const f of ['970100400', '970210126']) {
      const [loc] = await env.find<Location>('Location', `identifier=https://finess.esante.gouv.fr|${f}`);
      expect(loc.status).toBe('active');
      expect(loc.position).toBeUndefined();
    }
  });
});

describe('FINESS reconciliation', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('a truncated file is refused: nothing written, non-success status, the reason given', async () => {
    await env.run({ finess: ET_EXCERPT });
    const truncated = realEtLines().slice(0, 10).join('\n') + '\n';
    const report = await env.run({ finess: env.file('truncated.csv', truncated) });
    expect(report.status).toBe('refused');
    expect(report.error).toMatch(/5 of 14 finess-et records \(35\.7%\) are missing/);
    expect(report.totals.deactivated).toBe(0);
    const [org] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|980600027');
    expect(org.active).toBe(true);
  });

  test('with force (or under the threshold) what disappeared is deactivated, never deleted, and comes back', async () => {
    await env.run({ finess: ET_EXCERPT });
    const without = realEtLines().filter((l) => !l.includes(';980600027;')).join('\n') + '\n';
    const refused = await env.run({ finess: env.file('minus-one.csv', without) });
    expect(refused.status).toBe('refused'); // 1 of 14 = 7% > 5%
    const report = await env.run({ finess: env.file('minus-one.csv', without) }, { force: true });
    expect(report.status).toBe('success');
    expect(report.sources[0].counts['finess-et']).toMatchObject({ deactivated: 1, unchanged: 13 });
    const org = JSON.parse((await env.store.read('Organization', 'finess-et-980600027'))!.json) as Organization;
    expect(org.active).toBe(false);
    const loc = JSON.parse((await env.store.read('Location', 'finess-loc-980600027'))!.json) as Location;
    expect(loc.status).toBe('inactive');

    const back = await env.run({ finess: ET_EXCERPT }, { maxDeactivationShare: 0.1 });
    expect(back.sources[0].counts['finess-et']).toMatchObject({ updated: 1, unchanged: 13 });
    expect((JSON.parse((await env.store.read('Organization', 'finess-et-980600027'))!.json) as Organization).active).toBe(true);
  });

  test('local edits survive: operational name, added contacts, extensions; sync fields follow the file', async () => {
    await env.run({ finess: ET_EXCERPT });
    const stored = JSON.parse((await env.store.read('Organization', 'finess-et-010000024'))!.json) as Organization;
    const edited: any = {
      ...stored,
      alias: ['Hôpital Fleyriat (urgences)'],
      telecom: [...stored.telecom!, { system: 'email', value: 'urgences@ch-bourg.example', use: 'work' }],
      extension: [...(stored.extension ?? []), { url: 'https://example.org/analyst-note', valueString: 'vu' }],
      meta: { ...stored.meta, tag: [...(stored.meta?.tag ?? []), { system: 'https://example.org/t', code: 'x' }] },
    };
    await env.store.transaction((tx) => tx.write([{ kind: 'put', resource: edited }]));

    // Same file: nothing to do, the edit stays.
    const same = await env.run({ finess: ET_EXCERPT });
    expect(same.totals.updated).toBe(0);

    // The phone changes in FINESS: the sync updates its telecom only.
    const changed = realEtLines().map((l) => l.replace(';0474454647;0474454114;', ';0474000000;0474454114;'));
    const report = await env.run({ finess: env.file('changed.csv', changed.join('\n') + '\n') });
    expect(report.sources[0].counts['finess-et']).toMatchObject({ updated: 1, unchanged: 13 });
    const after = JSON.parse((await env.store.read('Organization', 'finess-et-010000024'))!.json) as any;
    expect(after.alias).toEqual(['Hôpital Fleyriat (urgences)']);
    expect(after.telecom.map((t: any) => t.value)).toEqual(['0474000000', '0474454114', 'urgences@ch-bourg.example']);
    expect(after.extension.map((e: any) => e.url)).toContain('https://example.org/analyst-note');
    expect(after.meta.tag.map((t: any) => t.code)).toContain('x');
  });

  test('an existing resource with the same FINESS is adopted, not duplicated', async () => {
    const existing: any = {
      resourceType: 'Organization',
      id: 'demo-fleyriat',
      identifier: [{ system: 'https://finess.esante.gouv.fr', value: '010000024' }],
      name: 'Fleyriat (saisie ARS)',
      alias: ['CH Fleyriat'],
    };
    await env.store.transaction((tx) => tx.write([{ kind: 'put', resource: existing }]));
    await env.run({ finess: ET_EXCERPT });
    const found = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010000024');
    expect(found.map((o) => o.id)).toEqual(['demo-fleyriat']);
    expect(found[0].name).toBe('CH DE FLEYRIAT');
    expect(found[0].alias).toEqual(['CH Fleyriat']);
    const [loc] = await env.find<Location>('Location', 'identifier=https://finess.esante.gouv.fr|010000024');
    expect(loc.managingOrganization?.reference).toBe('Organization/demo-fleyriat');
    const again = await env.run({ finess: ET_EXCERPT });
    expect(again.totals.updated + again.totals.created).toBe(0);
  });

  test('a crash mid-run leaves whole batches; the next run completes it', async () => {
    const store = env.store;
    const real = store.transaction.bind(store);
    let calls = 0;
    (store as any).transaction = (fn: any) => {
      if (++calls === 3) return Promise.reject(new Error('disk full (simulated)'));
      return real(fn);
    };
    const crashed = await env.run({ finess: ET_EXCERPT }, { batchSize: 4 });
    expect(crashed.status).toBe('failed');
    (store as any).transaction = real;
    const created = crashed.totals.created;
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(28);
    const next = await env.run({ finess: ET_EXCERPT }, { batchSize: 4 });
    expect(next.status).toBe('success');
    expect(next.totals.created).toBe(28 - created);
    const all = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|');
    expect(all).toHaveLength(14);
  });
});
