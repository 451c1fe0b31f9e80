/**
 * The anomaly list's pure logic (web/src/lib/tasks.ts) and the dashboard's trend series (lib/tasks-indicators.ts):
 * filters ⇄ URL, the FHIR search they make, a RORTask read into a row, the French words for refusals.
 */
import type { Bundle, Task } from '@medplum/fhirtypes';
import { ApiError } from '../../web/src/lib/api';
import { actionBody, actionErrorMessage, ageDays, filtersFromQuery, openCountSearch, taskRows, taskSearch, tasksUrl, THEMES } from '../../web/src/lib/tasks';
import { latestReport, trendLines, trendTable, type SeriesAnswer } from '../../web/src/lib/tasks-indicators';

const THEME = 'https://mos.esante.gouv.fr/NOS/TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie';
const NOW = Date.parse('2026-05-20T10:00:00Z');

test('the themes are the JDV_J241 value set of the terminology', () => {
  expect(THEMES.map((t) => `${t.code} ${t.label}`)).toEqual(['01 Complétude', '02 Exhaustivité', '03 Cohérence', '04 Récence', '05 Structuration', '06 Exactitude']);
  expect(THEMES[0]!.system).toBe(THEME);
});

test('filters are read from the URL and written back; unknown values are dropped', () => {
  const f = filtersFromQuery({ statut: 'fermees', theme: '01', etablissement: 'org-a,org-b', age: '30' });
  expect(f).toEqual({ status: 'fermees', theme: '01', owners: ['org-a', 'org-b'], age: '30' });
  expect(tasksUrl(f)).toBe('/ui/taches?statut=fermees&theme=01&etablissement=org-a%2Corg-b&age=30');
  expect(filtersFromQuery({ statut: 'x', theme: '99', etablissement: 'a b', age: '12' })).toEqual({ status: 'ouvertes', theme: '', owners: [], age: '' });
  expect(tasksUrl()).toBe('/ui/taches');
});

test('filters make the FHIR search of Task', () => {
  const url = new URL(`http://x${taskSearch({ status: 'ouvertes', theme: '04', owners: ['org-a'], age: '30' }, NOW)}`);
  expect(url.pathname).toBe('/Task');
  expect(url.searchParams.get('status')).toBe('draft,requested,received,accepted,ready,in-progress,on-hold');
  expect(url.searchParams.get('code')).toBe(`${THEME}|04`);
  expect(url.searchParams.get('owner')).toBe('Organization/org-a');
  expect(url.searchParams.getAll('authored-on')).toEqual(['ge2026-04-20', 'lt2026-05-13']);
  expect(url.searchParams.get('_sort')).toBe('-authored-on');
  const closed = new URL(`http://x${taskSearch({ status: 'fermees', theme: '', owners: [], age: 'plus30' }, NOW)}`);
  expect(closed.searchParams.get('status')).toBe('completed,cancelled,rejected,failed');
  expect(closed.searchParams.getAll('authored-on')).toEqual(['lt2026-04-20']);
  expect(closed.searchParams.has('code')).toBe(false);
  expect(openCountSearch(['a', 'b'])).toContain('owner=Organization%2Fa%2COrganization%2Fb');
  expect(openCountSearch(['a'])).toContain('_summary=count');
});

const task = (over: Partial<Task> = {}): Task => ({
  resourceType: 'Task',
  id: 'q-1',
  status: 'ready',
  intent: 'order',
  code: { coding: [{ system: THEME, code: '06', display: 'Exactitude' }] },
  businessStatus: { coding: [{ code: '02' }] },
  focus: { reference: 'Organization/org-a' },
  owner: { reference: 'Organization/org-a', display: 'CH A' },
  authoredOn: '2026-05-18T10:00:00Z',
  description: 'La raison sociale diffère',
  input: [
    { type: { coding: [{ code: 'ruleErrorId' }] }, valueString: 'org-name-national' },
    { type: { coding: [{ code: 'errorValue' }] }, valueString: 'CH A local' },
    { type: { coding: [{ code: 'proposedValue' }] }, valueString: 'CH A' },
  ],
  ...over,
});

test('a RORTask becomes a row: the data in question with its page, values, labels of the terminology', () => {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: 2,
    entry: [
      { resource: task() },
      {
        resource: task({
          id: 'q-2',
          status: 'in-progress',
          focus: { reference: 'Location/loc-1' },
          code: { coding: [{ system: THEME, code: '01' }] },
          businessStatus: { coding: [{ code: '05' }] },
          input: [{ type: { coding: [{ code: 'ruleErrorId' }] }, valueString: 'loc-no-position' }],
          output: [{ type: { coding: [{ code: 'identifierAnalyst' }] }, valueIdentifier: { value: 'marie' } }],
        }),
      },
      { resource: { resourceType: 'Location', id: 'loc-1', name: 'Zone A' } },
      { resource: task({ id: 'm-3', status: 'completed', focus: { reference: 'HealthcareService/hs-1' }, statusReason: { text: 'juste' }, input: [{ type: { coding: [{ code: 'ruleErrorId' }] }, valueString: 'manual' }] }) },
    ],
    link: [{ relation: 'next', url: 'x' }],
  };
  const { rows, total, more } = taskRows(bundle);
  expect(total).toBe(2);
  expect(more).toBe(true);
  expect(rows.map((r) => r.id)).toEqual(['q-1', 'q-2', 'm-3']);
  expect(rows[0]).toMatchObject({ open: true, national: true, byRule: true, themeLabel: 'Exactitude', businessStatus: 'À traiter', declared: 'CH A local', proposed: 'CH A', focus: { label: 'Établissement org-a', href: '/ui/etablissements/org-a' } });
  // A bed zone links to its establishment's page, named from the included resource.
  expect(rows[1]).toMatchObject({ national: false, byRule: true, themeLabel: 'Complétude', businessStatus: 'Envoyé au destinataire', assignee: 'marie', focus: { label: 'Zone de lits Zone A', href: '/ui/etablissements/org-a' } });
  expect(rows[2]).toMatchObject({ open: false, byRule: false, reason: 'juste', focus: { href: '/ui/unites/hs-1' } });
});

test('refusals are said in French, by status and action', () => {
  expect(actionErrorMessage('keep-declared', new ApiError(403, 'forbidden'))).toMatch(/autre établissement/);
  expect(actionErrorMessage('assign', new ApiError(409, 'is completed'))).toMatch(/n’est plus ouverte/);
  expect(actionErrorMessage('accept-national', new ApiError(422, 'x'))).toMatch(/pas de valeur nationale/);
  expect(actionErrorMessage('report', new ApiError(403, 'x'))).toMatch(/votre établissement/);
  expect(actionErrorMessage('keep-declared', new ApiError(400, 'x'))).toMatch(/pourquoi/);
  expect(actionErrorMessage('assign', new Error('réseau'))).toBe('réseau');
});

test('action bodies are the operations’ Parameters', () => {
  expect(actionBody('accept-national', {})).toBeUndefined();
  expect(actionBody('keep-declared', { reason: 'ok' })).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'ok' }] });
  expect(actionBody('report', { focus: 'Location/a', description: 'faux', theme: '06' })?.parameter).toEqual([
    { name: 'focus', valueReference: { reference: 'Location/a' } },
    { name: 'description', valueString: 'faux' },
    { name: 'theme', valueCode: '06' },
  ]);
  expect(ageDays('2026-05-10T10:00:00Z', NOW)).toBe(10);
  expect(ageDays(undefined, NOW)).toBeUndefined();
});

test('a series answer becomes chart lines (percent or count), a table and the latest report', () => {
  const answer: SeriesAnswer = {
    measure: 'm',
    subject: 'department/01',
    reports: 2,
    truncated: false,
    lines: [
      { group: 'a', label: 'A', points: [{ at: '2026-05-19T00:00:00Z', report: 'MeasureReport/1', score: 0.5, counts: { 'initial-population': 4 } }, { at: '2026-05-20T00:00:00Z', report: 'MeasureReport/2', score: 0.75, counts: { 'initial-population': 4 } }] },
      { group: 'b', points: [{ at: '2026-05-20T00:00:00Z', report: 'MeasureReport/2', counts: { 'initial-population': 7 } }] },
      { group: 'a', stratifier: 'departement', stratum: '01', points: [{ at: '2026-05-20T00:00:00Z', report: 'MeasureReport/2', score: 1, counts: {} }] },
    ],
  };
  const shares = trendLines(answer, 'share');
  expect(shares).toEqual([
    { label: 'A', points: [{ t: Date.parse('2026-05-19T00:00:00Z'), value: 50 }, { t: Date.parse('2026-05-20T00:00:00Z'), value: 75 }] },
    { label: 'b', points: [] },
  ]);
  const counts = trendLines(answer, 'count');
  expect(counts[1]!.points[0]!.value).toBe(7);
  expect(trendTable(counts)).toEqual([
    { at: Date.parse('2026-05-19T00:00:00Z'), values: [4, undefined] },
    { at: Date.parse('2026-05-20T00:00:00Z'), values: [4, 7] },
  ]);
  expect(latestReport(answer)).toBe('MeasureReport/2');
});
