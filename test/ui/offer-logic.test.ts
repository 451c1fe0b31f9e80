/**
 * Pure logic of the analysts' pages: a unit's availability colour, the dashboard's links, the unit page's reading of
 * FHIR resources (labels, contacts, patientèle, capacity through the server's model) and the capacity history series.
 */
import { availabilityOf, describeFreeBeds } from '../../web/src/lib/offer-availability';
import { freeBedsLink, share, unitsLink } from '../../web/src/lib/offer-dashboard';
import { extendToNow, historyRows, historySeries } from '../../web/src/lib/offer-history';
import { stateFromQuery } from '../../web/src/lib/offer-query';
import { departmentLabel } from '../../web/src/lib/offer-territory';
import { addressLine, capacityRows, contactsOf, describeAgeRange, finessOf, labelsOf, patienteleOf } from '../../web/src/lib/offer-unit';
import { CODE_LISTS, SUPPORTED_CAPACITY_URL } from '../../src/ror/capacity/codes';

const free = (total: number) => ({ total, female: total, male: 0, undetermined: 0 });

test('availability: free beds green, none red, stale amber, unknown grey', () => {
  expect(availabilityOf({ freeBeds: free(2), capacityUpdatedAt: '2026-12-01T10:00:00Z', stale: false })).toBe('free');
  expect(availabilityOf({ freeBeds: free(0), capacityUpdatedAt: '2026-12-01T10:00:00Z', stale: false })).toBe('full');
  expect(availabilityOf({ freeBeds: free(5), capacityUpdatedAt: '2026-01-01T10:00:00Z', stale: true })).toBe('stale');
  expect(availabilityOf({ freeBeds: free(0), stale: true })).toBe('unknown');
  expect(availabilityOf({ installedBeds: 30 })).toBe('unknown');
  expect(describeFreeBeds({ total: 3, female: 2, male: 1, undetermined: 0 })).toBe('3 lits libres (2 F, 1 H)');
  expect(describeFreeBeds(free(0))).toBe('aucun lit libre');
  expect(describeFreeBeds(undefined)).toBe('non communiqué');
});

test('each dashboard figure links to the search listing its units', () => {
  expect(unitsLink({ department: '973' })).toBe('/ui/recherche?department=973');
  expect(stateFromQuery(freeBedsLink({ activity: '172' }).split('?')[1])).toMatchObject({ filters: { activity: ['172'] }, available: true, sort: 'freeBeds' });
  expect(freeBedsLink()).toBe('/ui/recherche?available=true&sort=freeBeds');
  expect(share(1, 4)).toBe(0.25);
  expect(share(1, 0)).toBe(0);
  expect(departmentLabel('973')).toBe('Guyane (973)');
  expect(departmentLabel('2A')).toBe('Corse-du-Sud (2A)');
  expect(departmentLabel('999')).toBe('999');
});

const coded = (field: keyof typeof CODE_LISTS, code: string) => ({ url: field, valueCodeableConcept: { coding: [{ system: CODE_LISTS[field].system, code }] } });
const entry = (status: string, n: number, gender?: string, temporality = '01') => ({
  url: SUPPORTED_CAPACITY_URL,
  extension: [coded('capacityType', '01'), coded('capacityStatus', status), coded('temporalityCapacity', temporality), { url: 'nbCapacity', valueInteger: n }, ...(gender ? [coded('genderCapacityAvailable', gender)] : []), { url: 'capacityUpdateDate', valueDateTime: '2026-12-01T08:00:00+01:00' }],
});

test('the unit page reads labels, contacts, address, patientèle and capacity from the FHIR resources', () => {
  expect(labelsOf([{ coding: [{ code: '28', display: 'Hospitalisation complète (HC)' }] }, { coding: [{ code: '99' }] }])).toEqual([
    { code: '28', label: 'Hospitalisation complète (HC)' },
    { code: '99', label: '99' },
  ]);
  expect(contactsOf({ telecom: [{ system: 'phone', value: '04 74 45 41 41' }, { system: 'email', value: 'a@b.fr' }] })).toEqual([
    { system: 'phone', value: '04 74 45 41 41', label: 'Téléphone', href: 'tel:0474454141' },
    { system: 'email', value: 'a@b.fr', label: 'Courriel', href: 'mailto:a@b.fr' },
  ]);
  expect(addressLine({ line: ['900 route de Paris'], postalCode: '01440', city: 'Viriat' })).toBe('900 route de Paris, 01440 Viriat');
  expect(finessOf({ identifier: [{ system: 'http://finess.sante.gouv.fr', value: '010000024' }] })).toBe('010000024');
  const service = {
    extension: [
      {
        url: 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice-patient-type',
        extension: [
          { url: 'supportedPatientInfo', valueCodeableConcept: { coding: [{ code: '01', display: 'Personnes âgées' }] } },
          { url: 'ageRange', valueRange: { low: { value: 75 } } },
        ],
      },
    ],
  };
  expect(patienteleOf(service)).toEqual({ types: [{ code: '01', label: 'Personnes âgées' }], ageRange: { low: 75 } });
  expect(describeAgeRange({ low: 75 })).toBe('à partir de 75 ans');
  expect(describeAgeRange({ low: 18, high: 120 })).toBe('de 18 à 120 ans');
  expect(describeAgeRange(undefined)).toBe('tous âges');
  const rows = capacityRows({ extension: [entry('02', 3, '01'), entry('01', 30), entry('02', 1, '01', '03')] });
  expect(rows.map((r) => [r.status, r.gender, r.temporality, r.count])).toEqual([
    ['Installé', '—', 'Courant', 30],
    ['Disponible', 'Femme', 'Courant', 3],
    ['Disponible', 'Femme', 'Prévisionnel 24 heures', 1],
  ]);
});

test('capacity history: one series per current entry, removals end a series, a table most recent first', () => {
  const point = (time: string, status: string, n: number | 'removed', gender?: string, temporality = '01') => ({
    name: 'point',
    part: [
      { name: 'time', valueInstant: time },
      { name: 'capacityType', valueCoding: { code: '01' } },
      { name: 'capacityStatus', valueCoding: { code: status } },
      { name: 'temporalityCapacity', valueCoding: { code: temporality } },
      ...(gender ? [{ name: 'genderCapacityAvailable', valueCoding: { code: gender } }] : []),
      n === 'removed' ? { name: 'removed', valueBoolean: true } : { name: 'nbCapacity', valueInteger: n },
    ],
  });
  const answer = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'versions', valueInteger: 3 },
      point('2026-12-01T08:00:00Z', '01', 30),
      point('2026-12-01T08:00:00Z', '02', 3, '01'),
      point('2026-12-01T08:00:00Z', '02', 2, '01', '03'),
      point('2026-12-02T08:00:00Z', '02', 1, '01'),
      point('2026-12-03T08:00:00Z', '02', 'removed', '01'),
    ],
  };
  const series = historySeries(answer);
  expect(series.map((s) => [s.label, s.points.map((p) => p.value)])).toEqual([
    ['Installé', [30]],
    ['Disponible — Femme', [3, 1, null]],
  ]);
  expect(historySeries(answer, { all: true })).toHaveLength(3);
  expect(historyRows(series)[0]).toEqual({ time: '2026-12-03T08:00:00.000Z', series: 'Disponible — Femme', value: null });
  const now = Date.parse('2026-12-07T00:00:00Z');
  const extended = extendToNow(series, now);
  expect(extended[0].points).toEqual([{ t: Date.parse('2026-12-01T08:00:00Z'), value: 30 }, { t: now, value: 30 }]);
  expect(extended[1].points).toHaveLength(3);
});

test('map zones: metropole and each DROM; the zone with most results first; bounds of a zone', async () => {
  const { boundsOf, countByZone, mainZone, zoneOf } = await import('../../web/src/lib/offer-zones');
  const bourg = { lat: 46.2, lon: 5.22 };
  const cayenne = { lat: 4.93, lon: -52.32 };
  expect(zoneOf(bourg.lat, bourg.lon)).toBe('metropole');
  expect(zoneOf(cayenne.lat, cayenne.lon)).toBe('973');
  expect(zoneOf(-21.1, 55.5)).toBe('974');
  expect(zoneOf(0, 0)).toBeUndefined();
  expect(countByZone([bourg, cayenne, cayenne])).toMatchObject({ metropole: 1, '973': 2, '971': 0 });
  expect(mainZone([bourg, cayenne, cayenne])).toBe('973');
  expect(mainZone([])).toBe('metropole');
  const [[s, w], [n, e]] = boundsOf([bourg, cayenne], 'metropole');
  expect(n - s).toBeCloseTo(0.2);
  expect((w + e) / 2).toBeCloseTo(5.22);
});
