/**
 * `_filter` and token `:below` / `:above` over HTTP: each filter gives the ids its plain FHIR equivalent gives
 * (the oracle), and the ids expected of the data; what the server cannot do is a 400 OperationOutcome.
 */
import request from 'supertest';
import { issue, put, testServer, type TestServer } from '../helpers/app';
import { CAPACITY_URL, TRE } from '../helpers/ror';

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

function org(id: string, name: string, active: boolean, city?: string) {
  return { resourceType: 'Organization', id, name, active, ...(city ? { address: [{ city }] } : {}) };
}

function service(id: string, name: string, organization?: string) {
  return { resourceType: 'HealthcareService', id, name, ...(organization ? { providedBy: { reference: `Organization/${organization}` } } : {}) };
}

const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

function capacity(status: string, gender: string) {
  return {
    url: CAPACITY_URL,
    extension: [
      { url: 'capacityType', valueCodeableConcept: cc(TRE.type, '01') },
      { url: 'capacityStatus', valueCodeableConcept: cc(TRE.status, status) },
      { url: 'genderCapacityAvailable', valueCodeableConcept: cc(TRE.gender, gender) },
      { url: 'nbCapacity', valueInteger: 2 },
    ],
  };
}

let s: TestServer;
beforeAll(async () => {
  s = testServer();
  const resources = [
    org('o1', 'CH de Bourg-en-Bresse', true, 'Bourg-en-Bresse'),
    org('o2', 'Clinique Strasbourg', false, 'Strasbourg'),
    org('o3', 'CH Lyon Sud', true, 'Lyon'),
    org('o4', 'Hôpital Nord', true, 'Paris'),
    org('o5', 'Centre Hospitalier', true),
    { resourceType: 'Location', id: 'l1', name: 'Site Paris', address: { city: 'Paris' } },
    { resourceType: 'Location', id: 'l2', name: 'Site Lyon', address: { city: 'Lyon' } },
    { resourceType: 'Location', id: 'l3', name: 'Site Marseille', address: { city: 'Marseille' } },
    { resourceType: 'Location', id: 'l4', name: 'Site paris (casse)', address: { city: 'paris' } },
    { resourceType: 'Location', id: 'l5', name: 'Sans adresse' },
    // capacity entries: male has free male beds and occupied female beds; female the reverse
    { resourceType: 'Location', id: 'male', extension: [capacity('02', '02'), capacity('03', '01')] },
    { resourceType: 'Location', id: 'female', extension: [capacity('02', '01'), capacity('03', '02')] },
    service('h1', 'Urgences', 'o1'),
    service('h2', 'Chirurgie', 'o2'),
    service('h3', 'Cardiologie', 'o3'),
    service('h4', 'Pédiatrie', 'o4'),
    service('h5', 'Sans rattachement'),
    { resourceType: 'Patient', id: 'p1' },
    ...[
      ['c1', 'active', '2019-05-01'],
      ['c2', 'recurrence', '2021-02-01'],
      ['c3', 'relapse', '2022-03-01'],
      ['c4', 'inactive', '2023-04-01'],
      ['c5', 'resolved', '2024-05-01'],
    ].map(([id, status, recorded]) => ({
      resourceType: 'Condition',
      id,
      subject: { reference: 'Patient/p1' },
      clinicalStatus: cc(CLINICAL, status),
      recordedDate: recorded,
    })),
  ];
  for (const r of resources) {
    const res = await put(s.app, `/${r.resourceType}/${r.id}`, r);
    if (res.status >= 300) throw new Error(`${r.resourceType}/${r.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
});
afterAll(() => s.close());

async function ids(query: string): Promise<string[]> {
  const res = await request(s.app).get(`/${query}`);
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body.issue ?? []).toEqual([]);
  return (res.body.entry ?? [])
    .filter((e: any) => e.search?.mode !== 'outcome')
    .map((e: any) => e.resource.id)
    .sort();
}

const f = (expression: string) => `_filter=${encodeURIComponent(expression)}`;

/** The filter gives `expected`, and so does the plain query (the oracle). */
async function matches(type: string, filter: string, plain: string, expected: string[]): Promise<void> {
  expect(await ids(`${type}?${f(filter)}&_count=100`)).toEqual(expected);
  expect(await ids(`${type}?${plain}&_count=100`)).toEqual(expected);
}

test('string co and token eq, ANDed', async () => {
  await matches('Organization', 'name co "bourg" and active eq true', 'name:contains=bourg&active=true', ['o1']);
  await matches('Organization', 'name co "BOURG"', 'name:contains=bourg', ['o1', 'o2']);
});

test('string eq (the whole value, case and accents ignored) ORed', async () => {
  // No plain criterion means this (:exact counts case, the default search is a beginning): expected ids only.
  expect(await ids(`Location?${f('address-city eq "Paris" or address-city eq "Lyon"')}&_count=100`)).toEqual(['l1', 'l2', 'l4']);
  expect(await ids(`Location?${f('address-city eq "PARIS"')}&_count=100`)).toEqual(['l1', 'l4']);
  expect(await ids('Location?address-city:exact=PARIS&_count=100')).toEqual([]);
  expect(await ids(`Location?${f('address-city eq "Pari"')}&_count=100`)).toEqual([]);
  await matches('Location', 'address-city sw "paris"', 'address-city=paris', ['l1', 'l4']);
  await matches('Organization', 'name sw "h"', 'name=h', ['o4']);
  await matches('Organization', 'name co "h"', 'name:contains=h', ['o1', 'o3', 'o4', 'o5']);
});

test('chains, and [filter] on a step', async () => {
  await matches('HealthcareService', 'organization.name sw "CH"', 'organization.name=CH', ['h1', 'h3']);
  await matches('HealthcareService', 'organization[active eq false].name sw "C"', 'organization.active=false&organization.name=C', ['h2']);
  await matches('HealthcareService', 'organization.address-city eq Paris', 'organization.address-city:exact=Paris', ['h4']);
});

test('dates: _lastUpdated and a date parameter, with prefixes as operators', async () => {
  await matches('Organization', '_lastUpdated gt 2020-01-01', '_lastUpdated=gt2020-01-01', ['o1', 'o2', 'o3', 'o4', 'o5']);
  await matches('Organization', '_lastUpdated lt 2020-01-01', '_lastUpdated=lt2020-01-01', []);
  await matches('Condition', 'recorded-date ge 2022-03-01 and recorded-date lt 2024', 'recorded-date=ge2022-03-01&recorded-date=lt2024', ['c3', 'c4']);
  await matches('Condition', 'recorded-date eb 2021 or recorded-date sa 2023', 'recorded-date=eb2021,sa2023', ['c1', 'c5']);
  await matches('Condition', 'recorded-date ne 2022', 'recorded-date=ne2022', ['c1', 'c2', 'c4', 'c5']);
});

test('pr: present or missing', async () => {
  await matches('Organization', 'address-city pr false', 'address-city:missing=true', ['o5']);
  await matches('HealthcareService', 'organization pr true', 'organization:missing=false', ['h1', 'h2', 'h3', 'h4']);
});

test('combined with the query’s other parameters', async () => {
  await matches('Organization', 'address-city eq "Paris" or address-city eq "Lyon"', 'address-city:exact=Paris,Lyon', ['o3', 'o4']);
  expect(await ids(`Organization?active=true&${f('address-city eq "Lyon" or name co "nord"')}`)).toEqual(['o3', 'o4']);
  expect(await ids(`Organization?active=false&${f('address-city eq "Lyon" or name co "nord"')}`)).toEqual([]);
  expect(await ids(`Organization?${f('active eq true')}&${f('name sw "CH"')}`)).toEqual(['o1', 'o3']);
});

test('not (…), and left-to-right evaluation of and / or', async () => {
  const all = await ids('Organization?_count=100');
  const bourg = await ids('Organization?name:contains=bourg');
  expect(await ids(`Organization?${f('not (name co "bourg")')}`)).toEqual(all.filter((id) => !bourg.includes(id)));
  expect(await ids(`Organization?${f('not (name co "bourg")')}`)).toEqual(['o3', 'o4', 'o5']);
  // (name sw CH or name co clinique) and active eq false, not name sw CH or (… and …)
  expect(await ids(`Organization?${f('name sw "CH" or name co "clinique" and active eq false')}`)).toEqual(['o2']);
  expect(await ids(`Organization?${f('name sw "CH" or (name co "clinique" and active eq false)')}`)).toEqual(['o1', 'o2', 'o3']);
  await matches('Organization', 'name ne "Hôpital Nord" and active eq true', 'active=true&_id:not=o4', ['o1', 'o3', 'o5']);
});

test('capacity criteria joined by and hold on one capacity entry, as plain parameters do', async () => {
  await matches(
    'Location',
    `capacity-status eq ${TRE.status}|02 and gender-capacity-available eq ${TRE.gender}|01`,
    `capacity-status=${TRE.status}|02&gender-capacity-available=${TRE.gender}|01`,
    ['female'],
  );
});

test('token :below / :above on a code system with an is-a hierarchy, and _filter ss / sb', async () => {
  await matches('Condition', `clinical-status ss ${CLINICAL}|active`, `clinical-status:below=${CLINICAL}|active`, ['c1', 'c2', 'c3']);
  await matches('Condition', `clinical-status sb ${CLINICAL}|relapse`, `clinical-status:above=${CLINICAL}|relapse`, ['c1', 'c3']);
  await matches('Condition', `clinical-status ss ${CLINICAL}|inactive`, `clinical-status=${CLINICAL}|inactive,${CLINICAL}|resolved,${CLINICAL}|remission`, ['c4', 'c5']);
  const flat = await request(s.app).get(`/Organization?type:below=${encodeURIComponent(`${TRE.status}|02`)}`);
  expect(flat.status).toBe(400);
  expect(issue(flat.body).diagnostics).toBe(`'type:below': code system ${TRE.status} has no hierarchy here`);
  const noSystem = await request(s.app).get('/Condition?clinical-status:above=active');
  expect(noSystem.status).toBe(400);
  expect(issue(noSystem.body).diagnostics).toMatch(/expects system\|code/);
});

test('POST _search takes _filter in its form; paging links keep it', async () => {
  const res = await request(s.app)
    .post('/Organization/_search')
    .type('form')
    .send({ _filter: 'name sw "CH" or name sw "Clinique"', _count: '2' });
  expect(res.status).toBe(200);
  const first = res.body.entry.map((e: any) => e.resource.id);
  const next = res.body.link.find((l: any) => l.relation === 'next')?.url as string;
  expect(next).toContain('_filter=');
  const page2 = await request(s.app).get(next.replace('http://fhir.test', ''));
  expect(page2.status).toBe(200);
  expect([...first, ...page2.body.entry.map((e: any) => e.resource.id)].sort()).toEqual(['o1', 'o2', 'o3']);
});

test('refusals are 400 OperationOutcomes naming the operator or the parameter, and the position', async () => {
  const cases: [string, string, RegExp][] = [
    ['Organization', 'name ew "bourg"', /^_filter: operator 'ew' \(ends with\) is not supported by this server.*, at position 6 /],
    ['Condition', 'recorded-date po 2022', /^_filter: operator 'po' \(periods overlap\) is not supported by this server, at position 15 /],
    ['Organization', 'active co t', /^_filter: operator 'co' does not apply to token parameter 'active'/],
    ['Organization', 'name co "a" and colour eq red', /^_filter: unknown parameter 'colour' for Organization, at position 17 /],
    ['Organization', 'name co "a" and', /^_filter: expected a space after 'and', at the end of the filter$/],
    ['Organization', 'name zz a', /^_filter: unknown operator 'zz'/],
    ['Organization', '(name co a', /^_filter: expected '\)', at the end of the filter$/],
    ['Organization', '_lastUpdated gt soon', /^_filter: search parameter '_lastUpdated': 'gtsoon' is not a valid date, at position 1 /],
    ['HealthcareService', 'name.name eq x', /^_filter: 'name' is a string parameter: only a reference parameter can be followed by '\.'/],
    ['Organization', '', /^_filter: the filter is empty/],
  ];
  for (const [type, expression, message] of cases) {
    const res = await request(s.app).get(`/${type}?${f(expression)}`);
    expect([expression, res.status]).toEqual([expression, 400]);
    const i = issue(res.body);
    expect(i.expression).toEqual(['_filter']);
    expect(i.diagnostics).toMatch(message);
  }
});

test('the CapabilityStatement lists _filter among the parameters of every resource', async () => {
  const res = await request(s.app).get('/metadata');
  expect(res.status).toBe(200);
  expect(res.body.rest[0].searchParam).toEqual(expect.arrayContaining([expect.objectContaining({ name: '_filter', type: 'special' })]));
});
