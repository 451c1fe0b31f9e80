/**
 * "Declared data differs from the last national value", through a real sync run on the FINESS fixture extract and
 * real writes over HTTP: raised, deduplicated, updated, closed automatically, accepted, kept quiet after "keep
 * declared" until the national value changes again.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Organization } from '@medplum/fhirtypes';
import { ET_EXCERPT } from '../sync-pipeline/helpers';
import { put } from '../helpers/app';
import { tempDir } from '../helpers/tmp';
import { businessStatus, input, op, qualityEnv, type QualityEnv } from './helpers';

const ORG = 'finess-et-010000024';
const lines = () => fs.readFileSync(ET_EXCERPT, 'utf8').split('\n').filter(Boolean);
function extract(transform: (fields: string[]) => string[] = (f) => f): string {
  const [header, first, ...rest] = lines();
  const file = path.join(tempDir('ror-q-'), 'et.csv');
  fs.writeFileSync(file, [header, transform(first.split(';')).join(';'), ...rest].join('\n') + '\n');
  return file;
}

let env: QualityEnv;
beforeEach(async () => {
  env = qualityEnv();
  expect((await env.sync({ finess: ET_EXCERPT })).status).toBe('success');
});
afterEach(() => env.close());

async function org(): Promise<Organization> {
  return (await request(env.t.app).get(`/Organization/${ORG}`)).body;
}

test('a sync run raises nothing where the declared data is the national data', async () => {
  const drained = await env.drain();
  expect(drained.messages).toBeGreaterThan(0);
  for (const rule of ['org-name-national', 'org-address-national', 'org-category-national', 'org-legal-status-national', 'org-telecom-national']) {
    expect(await env.task(rule, 'Organization', ORG)).toBeUndefined();
  }
});

test('a name changed away from FINESS: raised once, updated, accepted back; keep-declared keeps the rule quiet until FINESS changes', async () => {
  await env.drain();
  const renamed = { ...(await org()), name: 'CH Fleyriat (site principal)' };
  expect((await put(env.t.app, `/Organization/${ORG}`, renamed)).status).toBe(200);
  await env.drain();
  let task = await env.task('org-name-national', 'Organization', ORG);
  expect(task).toMatchObject({
    status: 'ready',
    intent: 'order',
    focus: { reference: `Organization/${ORG}` },
    owner: { reference: `Organization/${ORG}`, identifier: { value: '010000024' } },
    for: { identifier: { value: '84' }, display: 'Auvergne-Rhône-Alpes' },
    code: { coding: [{ code: '06', display: 'Exactitude' }] },
    reasonCode: { coding: [{ code: 'COR' }] },
  });
  expect(businessStatus(task)).toBe('02');
  expect(input(task, 'errorValue')?.valueString).toBe('CH Fleyriat (site principal)');
  expect(input(task, 'proposedValue')?.valueString).toBe('CH DE FLEYRIAT');
  expect(input(task, 'pathElementError')?.valueExpression?.expression).toBe('Organization.name');
  expect(input(task, 'ruleErrorId')?.valueString).toBe('org-name-national');
  expect(task?.description).toMatch(/raison sociale/);
  // validated as a RORTask when written
  expect(task?.meta?.profile).toEqual(['https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task']);

  // deduplicated: judged again (another write, another drain) → still one task, no new version
  await put(env.t.app, `/Organization/${ORG}`, { ...renamed, alias: ['Fleyriat'] });
  await env.drain();
  expect(await env.versions('org-name-national', 'Organization', ORG)).toBe(1);

  // updated when its content changes
  await put(env.t.app, `/Organization/${ORG}`, { ...(await org()), name: 'CH Fleyriat' });
  await env.drain();
  task = await env.task('org-name-national', 'Organization', ORG);
  expect(input(task, 'errorValue')?.valueString).toBe('CH Fleyriat');
  expect(task?.meta?.versionId).toBe('2');
  expect(task?.authoredOn).toBeDefined();

  // $accept-national: the national name is written back, the task closed
  const accepted = await op(env.t, `/Task/${task!.id}/$accept-national`);
  expect(accepted.status).toBe(200);
  expect(accepted.body.status).toBe('completed');
  expect(businessStatus(accepted.body)).toBe('08');
  expect((await org()).name).toBe('CH DE FLEYRIAT');
  expect((await org()).alias).toEqual(['Fleyriat']); // what is not the sync's is kept
  await env.drain();
  expect((await env.task('org-name-national', 'Organization', ORG))?.status).toBe('completed');

  // raised again (the same task reopened, its history kept), then kept as declared
  await put(env.t.app, `/Organization/${ORG}`, { ...(await org()), name: 'Hôpital Fleyriat' });
  await env.drain();
  task = await env.task('org-name-national', 'Organization', ORG);
  expect(task?.status).toBe('ready');
  expect(Number(task?.meta.versionId)).toBeGreaterThan(3);
  expect((await op(env.t, `/Task/${task!.id}/$keep-declared`, { resourceType: 'Parameters', parameter: [] })).status).toBe(400);
  const kept = await op(env.t, `/Task/${task!.id}/$keep-declared`, { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: "Nom d'usage validé par l'ARS" }] });
  expect(kept.status).toBe(200);
  expect(businessStatus(kept.body)).toBe('07');
  expect(kept.body.statusReason.text).toBe("Nom d'usage validé par l'ARS");

  // quiet while the declared and national values are the same ones
  const versions = await env.versions('org-name-national', 'Organization', ORG);
  await put(env.t.app, `/Organization/${ORG}`, { ...(await org()), alias: ['Fleyriat', 'Hôpital'] });
  await env.drain();
  expect(await env.versions('org-name-national', 'Organization', ORG)).toBe(versions);

  // FINESS changes the name: the sync writes the new national name over the declared one (the sync owns it) →
  // no discrepancy; the establishment changes it again → raised again against the new national value
  expect((await env.sync({ finess: extract((f) => ((f[3] = 'CH FLEYRIAT BOURG'), f)) })).status).toBe('success');
  expect((await org()).name).toBe('CH FLEYRIAT BOURG');
  await env.drain();
  expect((await env.task('org-name-national', 'Organization', ORG))?.status).toBe('completed');
  await put(env.t.app, `/Organization/${ORG}`, { ...(await org()), name: 'Hôpital Fleyriat' });
  await env.drain();
  task = await env.task('org-name-national', 'Organization', ORG);
  expect(task?.status).toBe('ready');
  expect(input(task, 'proposedValue')?.valueString).toBe('CH FLEYRIAT BOURG');
});

test('address, category, legal status and telecom changed away from FINESS, each its own task; closed when put back', async () => {
  await env.drain();
  const national = await org();
  const edited: Organization = {
    ...national,
    address: national.address!.map((a) => ({ ...a, city: 'BOURG-EN-BRESSE' })),
    type: national.type!.map((t) => (t.coding?.[0].code === '355' ? { coding: [{ ...t.coding![0], code: '362', display: 'Centre Hospitalier Spécialisé' }] } : t)),
    telecom: [...national.telecom!.slice(0, 1).map((t) => ({ ...t, value: '0400000000' })), ...national.telecom!.slice(1)],
  };
  expect((await put(env.t.app, `/Organization/${ORG}`, edited)).status).toBe(200);
  await env.drain();
  const address = await env.task('org-address-national', 'Organization', ORG);
  expect(input(address, 'proposedValue')?.valueString).toMatch(/01440 VIRIAT/);
  expect(input(address, 'errorValue')?.valueString).toMatch(/01440 BOURG-EN-BRESSE/);
  const category = await env.task('org-category-national', 'Organization', ORG);
  expect(input(category, 'errorValue')?.valueString).toBe('362 Centre Hospitalier Spécialisé');
  expect(input(category, 'proposedValue')?.valueString).toBe('355 Centre Hospitalier (C.H.)');
  expect(category?.description).toMatch(/355 Centre Hospitalier \(C\.H\.\)/);
  const telecom = await env.task('org-telecom-national', 'Organization', ORG);
  expect(input(telecom, 'errorValue')?.valueString).toMatch(/phone 0400000000/);
  expect(await env.task('org-legal-status-national', 'Organization', ORG)).toBeUndefined();
  expect(await env.task('org-name-national', 'Organization', ORG)).toBeUndefined();

  // a telecom the establishment adds beside FINESS's is not a discrepancy; putting the national values back closes
  const back = { ...national, telecom: [...national.telecom!, { system: 'email', value: 'accueil@ch-fleyriat.fr' }] } as Organization;
  expect((await put(env.t.app, `/Organization/${ORG}`, back)).status).toBe(200);
  await env.drain();
  for (const rule of ['org-address-national', 'org-category-national', 'org-telecom-national']) {
    const t = await env.task(rule, 'Organization', ORG);
    expect([rule, t?.status, businessStatus(t), t?.executionPeriod?.end]).toEqual([rule, 'completed', '08', env.clock.now.toISOString()]);
  }
});

test('an establishment legal entity: a legal status changed away from FINESS (EJ extract)', async () => {
  const ej = path.join(tempDir('ror-q-'), 'ej.csv');
  fs.writeFileSync(ej, "finess;etalab;111;2026-05-12\nstructureej;010780054;CH DE BOURG EN BRESSE;CENTRE HOSPITALIER DE BOURG-EN-BRESSE;;900;RTE;DE PARIS;;;;451;01440 VIRIAT;01;AIN;0474454647;13;Etablissement Public Communal d'Hospitalisation;355;Centre Hospitalier (C.H.);260100045;8610Z;1979-02-13\n");
  expect((await env.sync({ finessEj: ej })).status).toBe('success');
  await env.drain();
  const id = 'finess-ej-010780054';
  const current = (await request(env.t.app).get(`/Organization/${id}`)).body as Organization;
  const changed = { ...current, type: [{ coding: [{ ...current.type![0].coding![0], code: '14', display: 'Etablissement Public Départemental' }] }] };
  expect((await put(env.t.app, `/Organization/${id}`, changed)).status).toBe(200);
  await env.drain();
  const task = await env.task('org-legal-status-national', 'Organization', id);
  expect(input(task, 'errorValue')?.valueString).toBe('14 Etablissement Public Départemental');
  expect(input(task, 'proposedValue')?.valueString).toBe("13 Etablissement Public Communal d'Hospitalisation");
  const accepted = await op(env.t, `/Task/${task!.id}/$accept-national`);
  expect(accepted.status).toBe(200);
  expect(((await request(env.t.app).get(`/Organization/${id}`)).body as Organization).type?.[0].coding?.[0].code).toBe('13');
});
