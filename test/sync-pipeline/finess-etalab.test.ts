import fs from 'node:fs';
import type { Location, Organization } from '@medplum/fhirtypes';
import { ET_EXCERPT, realEtLines, syncEnv } from './helpers';
import type { SyncEnv } from './helpers';

const EJ_LINE = 'structureej;010780054;CH DE BOURG EN BRESSE;CENTRE HOSPITALIER DE BOURG-EN-BRESSE;;900;RTE;DE PARIS;;;;451;01440 VIRIAT;01;AIN;0474454647;13;Etablissement Public Communal d\'Hospitalisation;355;Centre Hospitalier (C.H.);260100045;8610Z;1979-02-13';

describe('FINESS etalab sync', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('every real line of the excerpt imports: an Organization and a Location per establishment', async () => {
    const report = await env.run({ finess: ET_EXCERPT });
    expect(report.status).toBe('success');
    const src = report.sources[0];
    expect(src.rejections).toEqual([]);
    expect(src.records).toBe(14);
    expect(src.counts['finess-et']?.created).toBe(14);
    expect(src.counts['finess-et-location']?.created).toBe(14);

    const [org] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010000024');
    expect(org.name).toBe('CH DE FLEYRIAT');
    expect(org.identifier).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: 'urn:oid:1.2.250.1.71.4.2.2', value: '1010000024' }),
        expect.objectContaining({ system: 'https://finess.esante.gouv.fr', value: '010000024', type: { coding: [expect.objectContaining({ code: 'FINEG' })] } }),
        expect.objectContaining({ system: 'https://sirene.fr', value: '26010004500012' }),
      ]),
    );
    expect(org.type?.map((t) => t.coding?.[0].code)).toEqual(['355', '1102', '1', '03']);
    expect(org.partOf?.identifier).toEqual({ system: 'https://finess.esante.gouv.fr', value: '010780054' });
    expect(org.address?.[0].postalCode).toBe('01440');
    expect(org.address?.[0].city).toBe('VIRIAT');
    expect(org.telecom?.map((t) => t.value)).toEqual(['0474454647', '0474454114']);

    // Quoted fields with doubled quotes (line 11).
    const [lieu] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|980501506');
    expect(lieu.name).toBe('LIEU DE VIE "MAVOUNA MEMA 1"');

    // Overseas INSEE code: 9D + 411 = 97411.
    const [loc] = await env.find<Location>('Location', 'identifier=https://finess.esante.gouv.fr|970400024');
    expect(loc.extension?.[0].valueCodeableConcept?.coding?.[0].code).toBe('97411');
    expect(loc.managingOrganization?.reference).toMatch(/^Organization\//);
    expect(loc.position).toBeUndefined(); // cs1100502 has no geolocation
  });

  test('legal entities first, then establishments point to them with partOf', async () => {
    const ej = env.file('ej.csv', `finess;etalab;111;2026-05-12\n${EJ_LINE}\n`);
    const report = await env.run({ finessEj: ej, finess: ET_EXCERPT });
    expect(report.sources.map((s) => s.source)).toEqual(['finess-ej', 'finess']);
    const [ejOrg] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010780054');
    expect(ejOrg.identifier?.map((i) => i.value)).toEqual(['1010780054', '010780054', '260100045']);
    expect(ejOrg.type?.[0].coding?.[0]).toMatchObject({ code: '13' });
    const [et] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010000024');
    expect(et.partOf?.reference).toBe(`Organization/${ejOrg.id}`);
  });

  test('the same file twice changes nothing (no new version)', async () => {
    await env.run({ finess: ET_EXCERPT });
    const before = await env.store.read('Organization', 'finess-et-010000024');
    const second = await env.run({ finess: ET_EXCERPT });
    expect(second.totals).toMatchObject({ created: 0, updated: 0, deactivated: 0, unchanged: 28 });
    const after = await env.store.read('Organization', 'finess-et-010000024');
    expect(after?.versionId).toBe(before?.versionId);
  });

  test('UTF-8 and Windows-1252 files give the same resources; CRLF accepted', async () => {
    const text = fs.readFileSync(ET_EXCERPT, 'utf8');
    const cp1252 = Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1'); // every character of the excerpt is in Latin-1
    expect(cp1252.includes(Buffer.from('é', 'utf8'))).toBe(false);
    const report = await env.run({ finess: env.file('cp1252.csv', cp1252) });
    expect(report.sources[0].encoding).toBe('windows-1252');
    expect(report.sources[0].rejections).toEqual([]);
    const [org] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010000024');
    expect(org.type?.[3].coding?.[0].display).toBe('ARS établissements Publics de santé dotation globale');
    expect(org.telecom?.[1].value).toBe('0474454114'); // no trailing \r

    // The UTF-8 file afterwards: identical content, so nothing changes.
    const again = await env.run({ finess: ET_EXCERPT });
    expect(again.sources[0].encoding).toBe('utf-8');
    expect(again.totals.updated).toBe(0);
  });

  test('bad lines are reported with line number and reason and do not stop the run', async () => {
    const lines = realEtLines();
    const bad = [
      lines[0],
      lines[1],
      lines[2].split(';').slice(0, 20).join(';'), // wrong field count
      lines[4].replace('970102059', '970102058'), // bad FINESS check digit
      lines[5].replace('2008-04-14', '2008-02-30'), // impossible date
      lines[6],
    ];
    const bytes = Buffer.concat([Buffer.from(bad.join('\n') + '\n', 'utf8'), Buffer.from('structureet;\xe9\x80;\n', 'latin1'), Buffer.from(lines[7] + '\n')]);
    const report = await env.run({ finess: env.file('bad.csv', bytes) });
    const src = report.sources[0];
    expect(src.rejections.map((r) => r.line)).toEqual([3, 4, 5, 7]);
    expect(src.rejections[0].reason).toMatch(/20 fields/);
    expect(src.rejections[1].reason).toMatch(/invalid FINESS in nofinesset/);
    expect(src.rejections[2].reason).toMatch(/impossible date in dateouv/);
    expect(src.rejections[3].reason).toMatch(/undecodable/);
    expect(src.counts['finess-et']?.created).toBe(3);
  });
});
