/**
 * Indicator values on the fixed region of ./measures-fixture.ts, through `$evaluate-measure` over HTTP; every
 * expected figure is worked out by hand below. Reference instant AT = 2025-06-15T12:00Z, period [AT − 7 d, AT].
 *
 * Region 84 holds establishments a (dept 01, region from its EJ's tag), b (dept 01, tagged), c (dept 69, region
 * from the department); d is closed, e is in region 27, ej1 is a legal entity (FINEJ): none of those three counts.
 * Active units of region 84: u1 (a, activity 157, zone l1), u2 (a, 226, l2), u3 (c, no zone), u4 (c, 157, l3);
 * u5 is inactive (its zone l4 and 50 beds do not count), u6 is in region 27.
 * Zones: l1 installed 20, available 5 (updated AT − 1 h); l2 installed 10, available 2, closed 3 (AT − 30 h);
 * l3 no capacity.
 */
import request from 'supertest';
import { testServer, TEST_ADMIN, type TestServer } from '../helpers/app';
import { AT, FINESS_A, iso, writeRegion } from './measures-fixture';
import { csvField } from '../../src/quality/measures/csv';

const D = 86_400_000;
let t: TestServer;
const window = `periodStart=${encodeURIComponent(iso(AT - 7 * D))}&periodEnd=${encodeURIComponent(iso(AT))}`;

beforeAll(async () => {
  t = testServer({ measureDefinitions: true });
  await t.server.measuresReady;
  await writeRegion(t, TEST_ADMIN);
});
afterAll(() => t.close());

async function evaluate(measure: string, subject: string) {
  const res = await request(t.app).get(`/Measure/${measure}/$evaluate-measure?subject=${encodeURIComponent(subject)}&${window}`);
  if (res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
const group = (report: any, code: string) => report.group.find((g: any) => g.code.coding[0].code === code);
const pop = (g: any, code: string) => g.population.find((p: any) => p.code.coding[0].code === code)?.count;
const stratum = (g: any, stratifier: string, value: string) =>
  g.stratifier
    .find((s: any) => s.code.map((c: any) => c.coding[0].code).join('-') === stratifier)
    .stratum.find((s: any) => (s.value ? s.value.coding[0].code : s.component.map((c: any) => c.value.coding[0].code).join('|')) === value);

test('the shipped Measures are served', async () => {
  const res = await request(t.app).get('/Measure?_count=50');
  expect(res.status).toBe(200);
  expect(res.body.entry.map((e: any) => e.resource.id).sort()).toEqual([
    'ror-age-capacite',
    'ror-completude-alimentation',
    'ror-delai-cloture-taches',
    'ror-fraicheur-capacite',
    'ror-situation-lits',
    'ror-taches-ouvertes',
    'ror-unites-jamais-mises-a-jour',
    'ror-usage-api',
  ]);
  // Writing them again at the next start changes nothing.
  const { installMeasureDefinitions } = await import('../../src/quality/measures');
  expect(await installMeasureDefinitions(t.server.kernel, t.store)).toEqual([]);
});

test('feeding completeness, region 84 and department 01', async () => {
  const r = await evaluate('ror-completude-alimentation', 'region/84');
  expect(r.resourceType).toBe('MeasureReport');
  expect(r.subject.identifier).toEqual({ system: 'https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM', value: '84' });
  // Establishments a, b, c; a and c have an active unit: 2/3.
  const est = group(r, 'etablissements-decrits');
  expect([pop(est, 'denominator'), pop(est, 'numerator'), est.measureScore.value]).toEqual([3, 2, 0.6667]);
  expect(pop(stratum(est, 'departement', '01'), 'numerator')).toBe(1); // a of a, b
  expect(stratum(est, 'departement', '01').measureScore.value).toBe(0.5);
  // Units u1..u4; u1, u2, u4 name an existing zone: 3/4.
  const units = group(r, 'unites-avec-zone');
  expect([pop(units, 'denominator'), pop(units, 'numerator'), units.measureScore.value]).toEqual([4, 3, 0.75]);
  // Zones l1, l2, l3; l1 and l2 have capacity: 2/3.
  const zones = group(r, 'zones-avec-capacite');
  expect([pop(zones, 'denominator'), pop(zones, 'numerator'), zones.measureScore.value]).toEqual([3, 2, 0.6667]);

  const d01 = await evaluate('ror-completude-alimentation', 'department/01');
  // Department 01: a and b, only a described: 1/2; u1, u2 both with a zone: 2/2.
  expect(group(d01, 'etablissements-decrits').measureScore.value).toBe(0.5);
  expect(group(d01, 'unites-avec-zone').measureScore.value).toBe(1);
});

test('freshness: share updated within 24 h, median age, units never updated', async () => {
  // Zones with capacity: l1 (1 h old, fresh), l2 (30 h old): 1/2.
  const fresh = group(await evaluate('ror-fraicheur-capacite', 'region/84'), 'capacite-a-jour-24h');
  expect([pop(fresh, 'denominator'), pop(fresh, 'numerator'), fresh.measureScore.value]).toEqual([2, 1, 0.5]);
  // Median of 1 h and 30 h = 15.5 h.
  const age = group(await evaluate('ror-age-capacite', 'region/84'), 'age-capacite');
  expect(age.measureScore).toMatchObject({ value: 15.5, unit: 'h' });
  expect(pop(age, 'measure-population')).toBe(2);
  // u3 (no zone) and u4 (zone l3 without capacity) were never updated: 2 (1 in dept 69 each… both in 69).
  const never = group(await evaluate('ror-unites-jamais-mises-a-jour', 'region/84'), 'unites-jamais-mises-a-jour');
  expect(pop(never, 'initial-population')).toBe(2);
  expect(pop(stratum(never, 'departement', '69'), 'initial-population')).toBe(2);
});

test('bed situation (SANER style), by activity and department', async () => {
  const r = await evaluate('ror-situation-lits', 'region/84');
  // Installed: 20 + 10 + 0 = 30; occupied: l1 20 − 5 = 15, l2 10 − 2 − 3 = 5 → 20; available 5 + 2 = 7.
  expect(pop(group(r, 'numBeds'), 'initial-population')).toBe(30);
  expect(pop(group(r, 'numBedsOcc'), 'initial-population')).toBe(20);
  expect(pop(group(r, 'numBedsAvail'), 'initial-population')).toBe(7);
  // Activity 157: l1 (u1) and l3 (u4): 20 installed, 15 occupied, 5 available; 226: l2: 10, 5, 2.
  expect(pop(stratum(group(r, 'numBeds'), 'activite', '157'), 'initial-population')).toBe(20);
  expect(pop(stratum(group(r, 'numBedsOcc'), 'activite', '226'), 'initial-population')).toBe(5);
  expect(pop(stratum(group(r, 'numBedsAvail'), 'departement', '01'), 'initial-population')).toBe(7);
  expect(pop(stratum(group(r, 'numBeds'), 'departement', '69'), 'initial-population')).toBe(0);
  // The report describes the instant AT.
  expect(Date.parse(r.period.end)).toBe(AT);
});

test('usage from the audit trail, per consumer and day', async () => {
  // In [AT − 7 d, AT]: e1, e2 (13 June), e3 (14 June) by ViaTrajectoire, e4 (14 June) by marie; e5 is the sync,
  // e6 is older than the period.
  const g = group(await evaluate('ror-usage-api', 'region/84'), 'appels-api');
  expect(pop(g, 'initial-population')).toBe(4);
  expect(pop(stratum(g, 'consommateur', 'client:viatrajectoire'), 'initial-population')).toBe(3);
  expect(stratum(g, 'consommateur', 'client:viatrajectoire').value.text).toBe('ViaTrajectoire');
  expect(pop(stratum(g, 'jour', '2025-06-13'), 'initial-population')).toBe(2);
  expect(pop(stratum(g, 'consommateur-jour', 'client:viatrajectoire|2025-06-14'), 'initial-population')).toBe(1);
  // Establishment a: the calls of its own people (e4).
  const own = group(await evaluate('ror-usage-api', 'Organization/a'), 'appels-api');
  expect(pop(own, 'initial-population')).toBe(1);
  // Establishment c: nobody of its own called; the report is stored, its stratifiers without strata.
  const none = group(await evaluate('ror-usage-api', 'Organization/c'), 'appels-api');
  expect(pop(none, 'initial-population')).toBe(0);
  expect(none.stratifier[0].stratum).toBeUndefined();
  // Not by department.
  const res = await request(t.app).get(`/Measure/ror-usage-api/$evaluate-measure?subject=department/01&${window}`);
  expect(res.status).toBe(422);
});

test('quality: open tasks by theme and age, median time to close', async () => {
  // Open at AT in region 84: t1 (01, 3 d), t2 (01, 20 d), t3 (02, 40 d); t6 is in region 27.
  const open = group(await evaluate('ror-taches-ouvertes', 'region/84'), 'taches-ouvertes');
  expect(pop(open, 'initial-population')).toBe(3);
  expect(pop(stratum(open, 'theme', '01'), 'initial-population')).toBe(2);
  for (const bucket of ['0-7j', '8-30j', '31j+']) expect(pop(stratum(open, 'anciennete', bucket), 'initial-population')).toBe(1);
  expect(pop(stratum(open, 'theme-anciennete', '02|31j+'), 'initial-population')).toBe(1);
  // Closed in the period: t4 after 48 h, t5 after 216 h (t7 closed before it): median 132 h.
  const delay = group(await evaluate('ror-delai-cloture-taches', 'region/84'), 'delai-cloture');
  expect(delay.measureScore.value).toBe(132);
  expect(stratum(delay, 'theme', '02').measureScore.value).toBe(48);
  // Establishment a: t1 open; t4 closed after 48 h.
  expect(pop(group(await evaluate('ror-taches-ouvertes', 'Organization/a'), 'taches-ouvertes'), 'initial-population')).toBe(1);
  expect(group(await evaluate('ror-delai-cloture-taches', 'Organization/a'), 'delai-cloture').measureScore.value).toBe(48);
});

test('an establishment subject: its own establishments, units and zones', async () => {
  const r = await evaluate('ror-completude-alimentation', 'Organization/a');
  expect(r.subject).toMatchObject({ reference: 'Organization/a', identifier: { value: FINESS_A } });
  expect(group(r, 'etablissements-decrits').measureScore.value).toBe(1);
  expect(pop(group(r, 'zones-avec-capacite'), 'numerator')).toBe(2);
});

test('reports are stored and read back as a series and as CSV', async () => {
  const first = await evaluate('ror-situation-lits', 'department/01');
  const found = await request(t.app).get(
    `/MeasureReport?measure=${encodeURIComponent('https://ror-fhir-server.example.org/fhir/Measure/ror-situation-lits')}&subject:identifier=${encodeURIComponent(
      'https://mos.esante.gouv.fr/NOS/TRE_G09-DepartementOM/FHIR/TRE-G09-DepartementOM|01',
    )}`,
  );
  expect(found.status).toBe(200);
  expect(found.body.entry.map((e: any) => e.resource.id)).toContain(first.id);

  const series = await request(t.app).get('/Measure/ror-situation-lits/$series?subject=department/01&stratifier=activite');
  expect(series.status).toBe(200);
  expect(series.body.reports).toBe(1);
  const line = series.body.lines.find((l: any) => l.group === 'numBeds' && !l.stratum);
  expect(line.points).toEqual([expect.objectContaining({ at: iso(AT), counts: { 'initial-population': 30 } })]);
  expect(series.body.lines.find((l: any) => l.group === 'numBeds' && l.stratum === '226').points[0].counts['initial-population']).toBe(10);

  const csv = await request(t.app).get(`/MeasureReport/${first.id}/$csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  const text = csv.text;
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const lines = text.slice(1).trim().split('\r\n');
  expect(lines[0]).toBe('mesure;sujet;debut_periode;fin_periode;date_calcul;groupe;stratificateur;strate;population;effectif;score;unite_score');
  expect(lines).toContainEqual(expect.stringMatching(/;numBeds;;;initial-population;30;;$/));

  const completeness = await evaluate('ror-completude-alimentation', 'region/84');
  const ccsv = (await request(t.app).get(`/MeasureReport/${completeness.id}/$csv`)).text;
  expect(ccsv).toContain(';etablissements-decrits;;;numerator;2;0,6667;1\r\n');
  const scsv = await request(t.app).get('/Measure/ror-completude-alimentation/$series?subject=region/84&_format=csv');
  expect(scsv.text).toContain(';etablissements-decrits;;;');
  expect(csvField('a;b')).toBe('"a;b"');
});

test('bad input is a clear 4xx', async () => {
  const cases: [string, number][] = [
    [`/Measure/ror-situation-lits/$evaluate-measure?subject=region/99&${window}`, 400],
    [`/Measure/ror-situation-lits/$evaluate-measure?subject=Organization/a&subject=region/84`, 400],
    [`/Measure/ror-situation-lits/$evaluate-measure?${window}`, 400],
    [`/Measure/ror-situation-lits/$evaluate-measure?subject=region/84&periodStart=yesterday`, 400],
    [`/Measure/ror-situation-lits/$evaluate-measure?subject=region/84&periodStart=2025-06-10&periodEnd=2025-06-01`, 400],
    [`/Measure/ror-situation-lits/$evaluate-measure?subject=region/84&reportType=individual`, 400],
    [`/Measure/ror-situation-lits/$evaluate-measure?subject=region/84&foo=1`, 400],
    [`/Measure/nope/$evaluate-measure?subject=region/84`, 404],
    [`/Measure/ror-situation-lits/$evaluate-measure?subject=Organization/nope`, 404],
    ['/Measure/ror-situation-lits/$series', 400],
    ['/MeasureReport/nope/$csv', 404],
  ];
  for (const [url, status] of cases) {
    const res = await request(t.app).get(url);
    expect([url, res.status]).toEqual([url, status]);
    expect(res.body.resourceType).toBe('OperationOutcome');
  }
  const post = await request(t.app)
    .post('/Measure/ror-taches-ouvertes/$evaluate-measure')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: 'region/84' }, { name: 'periodEnd', valueDateTime: iso(AT) }] }));
  expect(post.status).toBe(201);
  expect(post.body.group[0].population[0].count).toBe(3);
});
