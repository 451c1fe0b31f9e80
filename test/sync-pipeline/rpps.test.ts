import fs from 'node:fs';
import path from 'node:path';
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { expectMergedSamplePerson, ET_EXCERPT, FIXTURES, syncEnv } from './helpers';
import type { SyncEnv } from './helpers';

const SAMPLE_52 = fs.readFileSync(path.join(FIXTURES, 'rpps', 'PS_LibreAcces_Personne_activite.52col-era.sample.txt'), 'utf8');
const HEADER_56 = fs.readFileSync(path.join(FIXTURES, 'rpps', 'PS_LibreAcces_Personne_activite.header-56col-2026-10-08.txt'), 'utf8').trim();
const REAL_2026 = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'rpps', 'PS_LibreAcces_Personne_activite.partial-real-rows-2026-10-08.json'), 'utf8')).rows as Record<string, string>[];
const NAMES_56 = HEADER_56.split('|').slice(0, -1);
/** The 2018 files have the first 48 columns of the 52 (no secteur d'activité, no section pharmaciens). */
const NAMES_48 = NAMES_56.slice(0, 48);

/** A data line for a header: values by column name, trailing `|` as in the real files. */
function line(names: string[], values: Record<string, string>): string {
  return names.map((n) => values[n] ?? '').join('|') + '|';
}
function file(names: string[], rows: Record<string, string>[]): string {
  return [names.join('|') + '|', ...rows.map((r) => line(names, r))].join('\n') + '\n';
}

const LAROCHAIX = { "Type d'identifiant PP": '8', 'Identification nationale PP': '810000013994', ...REAL_2026[0] };
const MEDDAH = { "Type d'identifiant PP": '8', 'Identification nationale PP': '810006122583', ...REAL_2026[1] };

describe('RPPS Personne_activite sync', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('the real 52-column line: Practitioner and PractitionerRole', async () => {
    const report = await env.run({ rpps: env.file('PS_LibreAcces_Personne_activite_52.txt', SAMPLE_52) });
    expect(report.sources[0].rejections).toEqual([]);
    const [p] = await env.find<Practitioner>('Practitioner', 'identifier=urn:oid:1.2.250.1.71.4.2.1|810100271385');
    expect(p.identifier?.map((i) => [i.system, i.value])).toEqual([
      ['urn:oid:1.2.250.1.71.4.2.1', '810100271385'],
      ['https://rpps.esante.gouv.fr', '10100271385'],
    ]);
    expect(p.name).toEqual([{ use: 'official', family: 'LEGER', given: ['ROMAIN'], prefix: ['DR'] }]);
    expect(p.gender).toBe('male');
    expect(p.qualification?.map((q) => q.code.coding?.[0].code)).toEqual(['10', 'C', 'SM53']);
    const [role] = await env.find<PractitionerRole>('PractitionerRole', `practitioner=Practitioner/${p.id}`);
    expect(role.organization).toMatchObject({ identifier: { system: 'https://finess.esante.gouv.fr', value: '250000700' }, display: 'CHI HC SITE RIVES DU DOUBS PONTARLIER' });
    expect(role.organization?.reference).toBeUndefined(); // that establishment is not in the store
    expect(role.extension?.[0].valueCodeableConcept?.coding?.[0].code).toBe('S');
    expect(role.code?.map((c) => c.coding?.[0].code)).toEqual(['10', 'SA01']);
    expect(role.specialty?.map((c) => c.coding?.[0].code)).toEqual(['S', 'SM53']);
    expect(role.telecom?.map((t) => t.value)).toEqual(['0381385454', '0381385480', 'contact@chi-hautecomte.fr']);
  });

  test('56-column file: repeated lines of one person and site merge into one role; one role per site', async () => {
    const rows = [
      { ...LAROCHAIX, 'Identifiant technique de la structure': 'R10000000001', 'Code rôle': 'FON-01', 'Libellé rôle': 'Titulaire' },
      { ...LAROCHAIX, 'Identifiant technique de la structure': 'R10000000001', 'Code savoir-faire': 'CEX01', 'Libellé savoir-faire': 'Compétence X' },
      { ...LAROCHAIX, 'Identifiant technique de la structure': 'F010000024', 'Numéro FINESS site': '010000024', 'Code mode exercice': 'S' },
      { ...MEDDAH, 'Identifiant technique de la structure': 'S81011772100029' },
    ];
    await env.run({ finess: ET_EXCERPT });
    const report = await env.run({ rpps: env.file('PS_LibreAcces_Personne_activite_56.txt', file(NAMES_56, rows)) });
    expect(report.sources[0].rejections).toEqual([]);
    expect(report.sources[0].counts).toMatchObject({ 'rpps-practitioner': { created: 2 }, 'rpps-role': { created: 3 } });
    const roles = await expectMergedSamplePerson(env);
    const cabinet = roles.find((r) => r.identifier?.[0].value?.endsWith('R10000000001'))!;
    expect(cabinet.organization?.display).toBe('CABINET DU DR YVES LAROCHAIX');
    const hospital = roles.find((r) => r.identifier?.[0].value?.endsWith('F010000024'))!;
    expect(hospital.organization?.reference).toBe('Organization/finess-et-010000024');
    const [optician] = await env.find<PractitionerRole>('PractitionerRole', 'practitioner.identifier=https://rpps.esante.gouv.fr|10006122583');
    expect(optician.organization).toEqual({ display: 'ANNE ET VALENTIN', identifier: { system: 'https://sirene.fr', value: '81011772100029' } });
    expect(optician.extension?.[0].valueCodeableConcept?.coding?.[0].code).toBe('S');

    // Idempotent; then the second site disappears (the person stays): its role is deactivated (forced: 1 of 3).
    expect((await env.run({ rpps: env.file('same.txt', file(NAMES_56, rows)) })).totals).toMatchObject({ created: 0, updated: 0 });
    const later = await env.run({ rpps: env.file('later.txt', file(NAMES_56, [rows[0], rows[1], rows[3]])) }, { force: true });
    expect(later.sources[0].counts['rpps-role']).toMatchObject({ deactivated: 1, unchanged: 2 });
    const gone = (await env.find<PractitionerRole>('PractitionerRole', 'identifier=https://ror-fhir-server.example.org/fhir/sid/rpps-activite|810000013994-F010000024'))[0];
    expect(gone.active).toBe(false);
  });

  test('48-column (2018) file maps by header name too', async () => {
    const report = await env.run({ rpps: env.file('PS_LibreAcces_Personne_activite_48.txt', file(NAMES_48, [LAROCHAIX, MEDDAH])) });
    expect(report.sources[0].rejections).toEqual([]);
    expect(report.sources[0].counts['rpps-practitioner']?.created).toBe(2);
    const [p] = await env.find<Practitioner>('Practitioner', 'identifier=urn:oid:1.2.250.1.71.4.2.1|810006122583');
    expect(p.name?.[0]).toMatchObject({ family: 'MEDDAH-LAÏD', given: ['Leila'] });
  });

  test('bad lines are reported with their number and reason', async () => {
    const text = [
      NAMES_56.join('|') + '|',
      line(NAMES_56, LAROCHAIX),
      line(NAMES_56, { ...MEDDAH, 'Identifiant PP': '1000612258' }), // 10 digits
      line(NAMES_56, MEDDAH).slice(0, -3), // three fields short
      line(NAMES_56, MEDDAH),
    ].join('\r\n');
    const report = await env.run({ rpps: env.file('bad.txt', text) });
    expect(report.sources[0].rejections).toEqual([
      { line: 3, reason: "invalid RPPS number '1000612258'" },
      { line: 4, reason: '54 fields, the header has 57' },
    ]);
    expect(report.sources[0].counts['rpps-practitioner']?.created).toBe(2);
  });

  test('a file that is not Personne_activite fails the source with a clear message', async () => {
    const report = await env.run({ rpps: env.file('x.txt', 'a|b|c|\n1|2|3|\n') });
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/missing column/);
  });
});
