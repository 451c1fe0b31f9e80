/**
 * The rules on units, bed zones, capacity, Locations and practitioners, through real writes over HTTP (and a real
 * sync run for a closed establishment): raised, deduplicated, updated, closed automatically, kept quiet after
 * "keep declared"; staleness through the periodic sweep.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ET_EXCERPT } from '../sync-pipeline/helpers';
import { put } from '../helpers/app';
import { tempDir } from '../helpers/tmp';
import type { Location } from '@medplum/fhirtypes';
import { capacityIncoherences } from '../../src/quality/rules/capacity';
import { businessStatus, input, op, qualityEnv, type QualityEnv } from './helpers';

const ORG = { resourceType: 'Organization', id: 'org-a', identifier: [{ system: 'https://finess.esante.gouv.fr', value: '010000016' }], name: 'Clinique A', active: true };
const site = (extra: object = {}) => ({ resourceType: 'Location', id: 'loc-a', name: 'Zone A', status: 'active', managingOrganization: { reference: 'Organization/org-a' }, ...extra });
const unit = (extra: object = {}) => ({ resourceType: 'HealthcareService', id: 'hs-a', name: 'Médecine', active: true, providedBy: { reference: 'Organization/org-a' }, ...extra });
const setCapacity = (status: string, nb: number) => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'capacityType', valueCode: '01' },
    { name: 'capacityStatus', valueCode: status },
    { name: 'temporalityCapacity', valueCode: '01' },
    { name: 'genderCapacityAvailable', valueCode: '03' },
    { name: 'nbCapacity', valueInteger: nb },
  ],
});

let env: QualityEnv;
beforeEach(async () => {
  env = qualityEnv();
  expect((await put(env.t.app, '/Organization/org-a', ORG)).status).toBe(201);
});
afterEach(() => env.close());

test('a Location without position or commune: raised, deduplicated, updated, closed; kept quiet after keep-declared', async () => {
  expect((await put(env.t.app, '/Location/loc-a', site())).status).toBe(201);
  await env.drain();
  const position = await env.task('loc-no-position', 'Location', 'loc-a');
  expect(position).toMatchObject({ status: 'ready', code: { coding: [{ code: '01' }] }, reasonCode: { coding: [{ code: 'AJO' }] }, owner: { reference: 'Organization/org-a' } });
  expect(position?.meta?.tag).toEqual([{ system: expect.stringMatching(/task-owner-finess$/), code: '010000016' }]);
  expect(await env.task('loc-no-commune', 'Location', 'loc-a')).toMatchObject({ status: 'ready' });
  await env.drain();
  await put(env.t.app, '/Location/loc-a', site({ description: 'même chose' }));
  await env.drain();
  expect(await env.versions('loc-no-position', 'Location', 'loc-a')).toBe(1); // deduplicated
  await put(env.t.app, '/Location/loc-a', site({ name: 'Zone A bis' }));
  await env.drain();
  expect((await env.task('loc-no-position', 'Location', 'loc-a'))?.description).toMatch(/Zone A bis/); // updated
  expect(await env.versions('loc-no-position', 'Location', 'loc-a')).toBe(2);
  // keep-declared on the commune: quiet through later writes
  const commune = await env.task('loc-no-commune', 'Location', 'loc-a');
  expect((await op(env.t, `/Task/${commune!.id}/$keep-declared`, { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'Site mobile' }] })).status).toBe(200);
  await put(env.t.app, '/Location/loc-a', site({ name: 'Zone A ter' }));
  await env.drain();
  expect((await env.task('loc-no-commune', 'Location', 'loc-a'))?.status).toBe('completed');
  expect(businessStatus(await env.task('loc-no-commune', 'Location', 'loc-a'))).toBe('07');
  // the position given: closed automatically
  await put(env.t.app, '/Location/loc-a', site({ name: 'Zone A ter', position: { latitude: 46.2, longitude: 5.2 }, address: { city: 'Bourg' } }));
  await env.drain();
  const closed = await env.task('loc-no-position', 'Location', 'loc-a');
  expect([closed?.status, businessStatus(closed)]).toEqual(['completed', '08']);
});

test('a unit without bed zone, a bed zone without capacity, stale capacity (sweep), incoherent capacity', async () => {
  await put(env.t.app, '/HealthcareService/hs-a', unit());
  await env.drain();
  expect(await env.task('hs-no-bed-zone', 'HealthcareService', 'hs-a')).toMatchObject({ status: 'ready', code: { coding: [{ code: '01' }] } });
  await put(env.t.app, '/Location/loc-a', site({ position: { latitude: 46.2, longitude: 5.2 }, address: { city: 'Bourg' } }));
  await put(env.t.app, '/HealthcareService/hs-a', unit({ location: [{ reference: 'Location/loc-a' }] }));
  await env.drain();
  expect((await env.task('hs-no-bed-zone', 'HealthcareService', 'hs-a'))?.status).toBe('completed');
  // a bed zone now (a unit points to it): capacity never entered
  expect(await env.task('loc-capacity-never', 'Location', 'loc-a')).toMatchObject({ status: 'ready' });

  expect((await op(env.t, '/Location/loc-a/$set-capacity', setCapacity('01', 10))).status).toBe(200);
  expect((await op(env.t, '/Location/loc-a/$set-capacity', setCapacity('02', 12))).status).toBe(200);
  await env.drain();
  expect((await env.task('loc-capacity-never', 'Location', 'loc-a'))?.status).toBe('completed');
  const incoherent = await env.task('loc-capacity-incoherent', 'Location', 'loc-a');
  expect(incoherent).toMatchObject({ status: 'ready', code: { coding: [{ code: '03' }] } });
  expect(input(incoherent, 'errorValue')?.valueString).toMatch(/12 disponible\(s\) pour 10 installé\(s\)/);
  expect((await op(env.t, '/Location/loc-a/$set-capacity', setCapacity('02', 4))).status).toBe(200);
  await env.drain();
  expect((await env.task('loc-capacity-incoherent', 'Location', 'loc-a'))?.status).toBe('completed');

  // time passes: nothing is written, the sweep finds it stale; an update closes it
  expect(await env.task('loc-capacity-stale', 'Location', 'loc-a')).toBeUndefined();
  env.clock.now = new Date(env.clock.now.getTime() + 25 * 3_600_000);
  const swept = await env.t.server.qualityWorker.sweep();
  expect(swept.raised).toBe(1);
  const stale = await env.task('loc-capacity-stale', 'Location', 'loc-a');
  expect(stale).toMatchObject({ status: 'ready', code: { coding: [{ code: '04', display: 'Récence' }] } });
  expect((await env.t.server.qualityWorker.sweep()).raised).toBe(0); // deduplicated
  expect((await op(env.t, '/Location/loc-a/$set-capacity', setCapacity('02', 3))).status).toBe(200);
  await env.drain();
  // the other entry (installed) is still old, but the newest is fresh: closed
  expect((await env.task('loc-capacity-stale', 'Location', 'loc-a'))?.status).toBe('completed');
});

test('incoherent capacity: negative counts and entries that break the ROR combinations (pure rule)', () => {
  const entry = (subs: object[]) => ({ url: 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity', extension: subs });
  const coded = (url: string, system: string, code: string) => ({ url, valueCodeableConcept: { coding: [{ system: `https://mos.esante.gouv.fr/NOS/TRE_${system}/FHIR/TRE-${system}`, code }] } });
  const location = {
    resourceType: 'Location' as const,
    id: 'x',
    extension: [
      entry([coded('capacityType', 'R329-NatureCapacite', '01'), coded('capacityStatus', 'R330-TypeStatutCapacite', '02'), coded('temporalityCapacity', 'R331-TemporaliteCapacite', '01'), { url: 'nbCapacity', valueInteger: -2 }]),
      entry([coded('capacityType', 'R329-NatureCapacite', '01'), coded('capacityStatus', 'R330-TypeStatutCapacite', '02'), coded('temporalityCapacity', 'R331-TemporaliteCapacite', '01'), { url: 'nbCapacity', valueInteger: 1 }, coded('capacityClosingType', 'R333-TypeFermetureCapacite', '01')]),
    ],
  };
  const problems = capacityIncoherences(location as unknown as Location);
  expect(problems.some((p) => /nbCapacity must be 0 or more, got -2/.test(p))).toBe(true);
  expect(problems.some((p) => /type de fermeture/.test(p))).toBe(true);
  expect(capacityIncoherences({ resourceType: 'Location', id: 'y' })).toEqual([]);
});

test('a unit attached to an establishment FINESS closed, through a real sync run', async () => {
  expect((await env.sync({ finess: ET_EXCERPT })).status).toBe('success');
  const et = 'finess-et-970102018';
  await put(env.t.app, '/HealthcareService/hs-pmi', { resourceType: 'HealthcareService', id: 'hs-pmi', name: 'PMI', active: true, providedBy: { reference: `Organization/${et}` } });
  await env.drain();
  expect(await env.task('hs-closed-establishment', 'HealthcareService', 'hs-pmi')).toBeUndefined();
  // the establishment leaves the file: the sync deactivates it, the unit's task is raised
  const lines = fs.readFileSync(ET_EXCERPT, 'utf8').split('\n').filter((l) => l && !l.includes(';970102018;'));
  const file = path.join(tempDir('ror-q-'), 'et.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  expect((await env.sync({ finess: file }, true)).totals.deactivated).toBeGreaterThan(0);
  await env.drain();
  const task = await env.task('hs-closed-establishment', 'HealthcareService', 'hs-pmi');
  expect(task).toMatchObject({ status: 'ready', reasonCode: { coding: [{ code: 'SUP' }] }, owner: { reference: `Organization/${et}` } });
  // the unit deactivated: closed automatically
  await put(env.t.app, '/HealthcareService/hs-pmi', { resourceType: 'HealthcareService', id: 'hs-pmi', name: 'PMI', active: false, providedBy: { reference: `Organization/${et}` } });
  await env.drain();
  expect((await env.task('hs-closed-establishment', 'HealthcareService', 'hs-pmi'))?.status).toBe('completed');
});

test('a role on a site that no longer exists; a practitioner no longer in RPPS still attached to a unit', async () => {
  await put(env.t.app, '/Organization/org-gone', { resourceType: 'Organization', id: 'org-gone', name: 'Site fermé', active: true });
  await put(env.t.app, '/Practitioner/pr-1', { resourceType: 'Practitioner', id: 'pr-1', active: true, name: [{ family: 'Martin', given: ['Anne'] }] });
  await put(env.t.app, '/HealthcareService/hs-a', unit());
  const role = { resourceType: 'PractitionerRole', id: 'role-1', active: true, practitioner: { reference: 'Practitioner/pr-1' }, organization: { reference: 'Organization/org-gone' }, healthcareService: [{ reference: 'HealthcareService/hs-a' }] };
  await put(env.t.app, '/PractitionerRole/role-1', role);
  await env.drain();
  expect(await env.task('role-site-gone', 'PractitionerRole', 'role-1')).toBeUndefined();
  expect(await env.task('role-practitioner-gone', 'PractitionerRole', 'role-1')).toBeUndefined();
  // the site closes and the practitioner leaves RPPS (as the sync writes them): the role is judged again
  await put(env.t.app, '/Organization/org-gone', { resourceType: 'Organization', id: 'org-gone', name: 'Site fermé', active: false });
  await put(env.t.app, '/Practitioner/pr-1', { resourceType: 'Practitioner', id: 'pr-1', active: false, name: [{ family: 'Martin', given: ['Anne'] }] });
  await env.drain();
  expect(await env.task('role-site-gone', 'PractitionerRole', 'role-1')).toMatchObject({ status: 'ready', code: { coding: [{ code: '03' }] } });
  const gone = await env.task('role-practitioner-gone', 'PractitionerRole', 'role-1');
  expect(gone?.description).toMatch(/Anne Martin n'est plus dans le RPPS/);
  // detached from the unit: closed
  await put(env.t.app, '/PractitionerRole/role-1', { ...role, healthcareService: undefined });
  await env.drain();
  expect((await env.task('role-practitioner-gone', 'PractitionerRole', 'role-1'))?.status).toBe('completed');
  expect((await env.task('role-site-gone', 'PractitionerRole', 'role-1'))?.status).toBe('ready');
});
