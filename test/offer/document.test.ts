/**
 * Offer documents built from the demo region (src/demo): the unit, its establishment and legal entity, its
 * locations and capacity, the French labels of the nomenclatures, department and region.
 */
import { buildOfferDocument, OFFER_SYSTEMS } from '../../src/offer/document';
import { departmentOfFiness, departmentOfPostalCode, regionOfDepartment } from '../../src/offer/territory';
import { systemActor } from '../../src/kernel/actor';
import { offerTestServer, type OfferTestServer } from './helpers/demo';

let t: OfferTestServer;
beforeAll(async () => {
  t = await offerTestServer();
});
afterAll(() => t.s.close());

const build = async (id: string) => buildOfferDocument(await t.s.store.read('HealthcareService', id), t.s.store, t.labels);

test('a hospital unit: establishment, legal status, department and region, position, commune, activities and labels', async () => {
  const doc = await build(await t.unitId('Cardiologie - hospitalisation complète'));
  expect(doc).toMatchObject({
    name: 'Cardiologie - hospitalisation complète',
    active: true,
    sensitive: false,
    organization: {
      name: 'CH DE FLEYRIAT',
      finess: '010000024',
      category: { system: OFFER_SYSTEMS.establishmentCategory, code: '355', label: 'Centre Hospitalier (C.H.)' },
      legalStatus: { code: '1', label: 'Etablissement public de santé' },
      department: '01',
      region: '84',
    },
    activities: [{ system: OFFER_SYSTEMS.activity, code: '013', label: 'Cardiologie générale' }],
    careModes: [{ system: OFFER_SYSTEMS.careMode, code: '28', label: 'Hospitalisation complète (HC)' }],
    specialties: [],
    unitCategories: [
      { system: OFFER_SYSTEMS.unitCategory, code: '149', label: 'Unité hospitalière de cardiologie' },
      { system: OFFER_SYSTEMS.activityField, code: '01', label: 'Médecine, Chirurgie, Obstétrique (MCO)' },
    ],
    ageRange: { low: 18, high: 120 },
  });
  expect(doc!.locations).toEqual([
    expect.objectContaining({ commune: '01451', communeName: 'Viriat', position: { lat: 46.22229, lon: 5.20918 } }),
  ]);
});

test('capacity: free beds of the current temporality by gender, installed beds, the newest update date', async () => {
  const cardio = await build(await t.unitId('Cardiologie - hospitalisation complète'));
  // Current: 2 female + 1 male free; the 24-hour forecast (3 + 2) does not count; 28 installed.
  expect(cardio!.capacity.free).toEqual({ total: 3, female: 2, male: 1, undetermined: 0 });
  expect(cardio!.capacity.installed).toBe(28);
  const location = JSON.parse((await t.s.store.read('Location', cardio!.locations[0].id))!.json);
  const dates = JSON.stringify(location).match(/"capacityUpdateDate","valueDateTime":"[^"]+"/g)!.map((m) => Date.parse(m.split('"')[5]));
  expect(dates.length).toBe(5);
  expect(cardio!.capacity.updatedAt).toBe(new Date(Math.max(...dates)).toISOString());
  // Closed beds (05) are neither free nor installed.
  const geriatrics = await build(await t.unitId('Médecine gériatrique aiguë'));
  expect(geriatrics!.capacity).toMatchObject({ free: { total: 1, female: 1, male: 0, undetermined: 0 }, installed: 24 });
  // Places without gender distinction (03 Indifférencié) are undetermined.
  const ambulatory = await build(await t.unitId('Chirurgie viscérale et digestive ambulatoire'));
  expect(ambulatory!.capacity).toMatchObject({ free: { total: 6, female: 0, male: 0, undetermined: 6 }, installed: 20 });
  // A unit without capacity entries.
  const emergency = await build(await t.unitId('Urgences', 'FLEYRIAT'));
  expect(emergency!.capacity).toEqual({ free: { total: 0, female: 0, male: 0, undetermined: 0 }, installed: 0 });
});

test('overseas: Cayenne is in department 973, region 03; an EHPAD has its patient type and category', async () => {
  const ehpad = await build(await t.unitId('Hébergement permanent'));
  expect(ehpad).toMatchObject({
    organization: { department: '973', region: '03', category: { code: '500', label: "Etablissement d'hébergement pour personnes âgées dépendantes" } },
    patientTypes: [{ system: OFFER_SYSTEMS.patientType, code: '01', label: "Personnes âgées en perte d'autonomie (PA) et aidants" }],
    ageRange: { low: 60, high: 120 },
    capacity: { free: { total: 1, female: 1 }, installed: 40 },
  });
  expect(ehpad!.locations[0].position).toEqual({ lat: 4.9372, lon: -52.326 });
});

test('the legal status comes from the legal entity (TRE_R72) when it has one, before the establishment\'s ESPIC status', async () => {
  const doc = await build(await t.unitId('Chirurgie orthopédique et traumatologique'));
  expect(doc!.organization.legalStatus).toEqual({ system: OFFER_SYSTEMS.legalStatus, code: '73', label: 'Société Anonyme (S.A.)' });
});

test('labels come from the nomenclatures, not from the display a writer gave (nor its absence)', async () => {
  const ctx = t.s.context(systemActor('test'));
  const orgId = (await t.s.store.search({ resourceTypes: ['Organization'], where: [], sort: [], count: 1, total: 'none' })).entries[0].id;
  const id = 'unit-without-displays';
  await ctx.kernel.transaction(t.s.store, systemActor('test'), (tx) =>
    tx.put({
      resourceType: 'HealthcareService',
      id,
      name: 'Gériatrie',
      providedBy: { reference: `Organization/${orgId}` },
      specialty: [{ coding: [{ system: OFFER_SYSTEMS.activity, code: '013' }] }],
      characteristic: [{ coding: [{ system: OFFER_SYSTEMS.careMode, code: '28', display: 'HC' }] }, { coding: [{ system: OFFER_SYSTEMS.specialty, code: '01' }] }],
    }),
  );
  const doc = await build(id);
  expect(doc!.activities).toEqual([{ system: OFFER_SYSTEMS.activity, code: '013', label: 'Cardiologie générale' }]);
  expect(doc!.careModes[0].label).toBe('Hospitalisation complète (HC)');
  expect(doc!.specialties).toEqual([{ system: OFFER_SYSTEMS.specialty, code: '01', label: 'Troubles des conduites alimentaires (TCA) (anorexie, boulimie)' }]);
  expect(doc!.locations).toEqual([]);
  expect(doc!.ageRange).toBeUndefined();
});

test('no document for a missing or deleted unit, nor for another type', async () => {
  expect(await buildOfferDocument(undefined, t.s.store, t.labels)).toBeUndefined();
  const org = (await t.s.store.search({ resourceTypes: ['Organization'], where: [], sort: [], count: 1, total: 'none' })).entries[0];
  expect(await buildOfferDocument(org, t.s.store, t.labels)).toBeUndefined();
  expect(await buildOfferDocument({ ...org, resourceType: 'HealthcareService', deleted: true, json: '' }, t.s.store, t.labels)).toBeUndefined();
});

test('department from a postal code or a FINESS number; region from the department (INSEE COG 2024)', () => {
  expect(departmentOfPostalCode('01440')).toBe('01');
  expect(departmentOfPostalCode('20000')).toBe('2A');
  expect(departmentOfPostalCode('20167')).toBe('2A');
  expect(departmentOfPostalCode('20200')).toBe('2B');
  expect(departmentOfPostalCode('20600')).toBe('2B');
  expect(departmentOfPostalCode('97306')).toBe('973');
  expect(departmentOfPostalCode('98800')).toBe('988');
  expect(departmentOfPostalCode('7500')).toBeUndefined();
  expect(departmentOfFiness('010000024')).toBe('01');
  expect(departmentOfFiness('2A0000010')).toBe('2A');
  expect(departmentOfFiness('970302022')).toBe('973');
  expect(departmentOfFiness('9C0000012')).toBe('973');
  expect(departmentOfFiness('12345')).toBeUndefined();
  expect(regionOfDepartment('01')).toBe('84');
  expect(regionOfDepartment('25')).toBe('27');
  expect(regionOfDepartment('75')).toBe('11');
  expect(regionOfDepartment('2B')).toBe('94');
  expect(regionOfDepartment('976')).toBe('06');
  expect(regionOfDepartment('975')).toBe('975');
  expect(regionOfDepartment('99')).toBeUndefined();
});
