/**
 * `HealthcareService?_text=` and `_content=` answered from the offer index (src/offer/fhir-text.ts through
 * src/fhir/search/text-match.ts): French text the way people type it, combined with every other parameter, paged
 * and counted by the store, confidentiality kept, inactive units found; other types keep the store's text search.
 */
import request from 'supertest';
import type { Resource } from '@medplum/fhirtypes';
import { loadDemoDataIfEmpty } from '../../src/demo/load-demo';
import { systemActor } from '../../src/kernel/actor';
import { matchTextConditions, type TextMatcher } from '../../src/fhir/search/text-match';
import { FhirError } from '../../src/errors';
import type { SearchPlan } from '../../src/store/search-plan';
import { BASE, FHIR_JSON, testServer, type TestServer } from '../helpers/app';

const SENSITIVE = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice-sensitive-unit';

let s: TestServer;
beforeAll(async () => {
  // The real security defaults: requests without credential are anonymous (public reads, access profile 0).
  s = testServer({ secure: true });
  await loadDemoDataIfEmpty(s.context(systemActor('demo')), { info: () => undefined });
  expect(await s.server.offer.drain()).toBeGreaterThan(0);
});
afterAll(() => s.close());

/** A search as an administrator (the system actor, through the FHIR layer) or, with `anonymous`, over HTTP. */
async function search(query: string): Promise<any> {
  const ctx = s.context(systemActor('test'));
  const at = query.indexOf('?');
  const params = [...new URLSearchParams(query.slice(at + 1))] as [string, string][];
  const res = await ctx.routes.dispatch(ctx, { method: 'GET', path: query.slice(0, at).split('/'), query: params, headers: {} });
  expect(res.status).toBe(200);
  return JSON.parse(res.serializable!.toJson());
}
const anonymous = (query: string) => request(s.app).get(`/${query}`).set('Accept', FHIR_JSON);
const ids = (bundle: any): string[] => (bundle.entry ?? []).filter((e: any) => e.search?.mode !== 'outcome').map((e: any) => e.resource.id).sort();
const names = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.name);

async function unit(name: string): Promise<any> {
  const b = await search(`HealthcareService?name:exact=${encodeURIComponent(name)}`);
  expect(b.entry).toHaveLength(1);
  return b.entry[0].resource;
}

async function update(resource: Resource & { id?: string }): Promise<void> {
  const ctx = s.context(systemActor('test'));
  const res = await ctx.routes.dispatch(ctx, {
    method: 'PUT',
    path: [resource.resourceType, resource.id!],
    query: [],
    headers: {},
    body: { kind: 'resource', value: resource },
  });
  expect([200, 201]).toContain(res.status);
}

test('soins de suite readaptation finds the SSR/SMR unit: accents, stop words and the acronyms forgiven', async () => {
  const b = await search('HealthcareService?_text=soins de suite readaptation&_total=accurate');
  expect(b.resourceType).toBe('Bundle');
  expect(b.type).toBe('searchset');
  expect(names(b)).toEqual(['Soins médicaux et de réadaptation polyvalents']);
  expect(b.total).toBe(1);
  // The store's own text search (a normalized "contains") finds nothing for these words.
  const org = await search('Organization?_content=soins de suite readaptation');
  expect(org.entry ?? []).toEqual([]);
  for (const q of ['SSR', 'smr', 'Réadaptations', "l'urgence", 'URGENCE', 'réanimations polyvalentes']) {
    const r = await search(`HealthcareService?_text=${encodeURIComponent(q)}`);
    expect(r.entry?.length ?? 0).toBeGreaterThan(0);
  }
});

test('_content answers the same, and ORed values are a union', async () => {
  const text = await search('HealthcareService?_text=urgences');
  const content = await search('HealthcareService?_content=urgences');
  expect(ids(content)).toEqual(ids(text));
  expect(names(text)).toEqual(expect.arrayContaining(['Urgences', 'Urgences', "Hébergement temporaire d'urgence"]));
  const both = await search('HealthcareService?_content=urgences,readaptation');
  const smr = await search('HealthcareService?_content=readaptation');
  expect(ids(both)).toEqual([...ids(text), ...ids(smr)].sort());
});

test('combined with organization, active and other parameters (ANDed by the store)', async () => {
  const smr = await unit('Soins médicaux et de réadaptation polyvalents');
  const org = smr.providedBy.reference;
  expect(ids(await search(`HealthcareService?_text=readaptation&organization=${org}`))).toEqual([smr.id]);
  expect(ids(await search('HealthcareService?_text=readaptation&active=true'))).toEqual([smr.id]);
  expect(ids(await search('HealthcareService?_text=readaptation&active=false'))).toEqual([]);
  // Another establishment's units: none of them is about rehabilitation.
  const urgences = await search('HealthcareService?_text=urgences&_total=accurate');
  const other = urgences.entry.map((e: any) => e.resource.providedBy.reference).find((r: string) => r !== org);
  const combined = await search(`HealthcareService?_text=readaptation&organization=${other}&_total=accurate`);
  expect(combined.total).toBe(0);
  // _filter, `not` included, and a _has from Organization.
  const all = await search('HealthcareService?_total=accurate&_count=0');
  const notUrg = await search(`HealthcareService?_filter=${encodeURIComponent('not (_text co "urgences")')}&_total=accurate`);
  expect(notUrg.total).toBe(all.total - urgences.total);
  const orgs = await search('Organization?_has:HealthcareService:organization:_text=readaptation');
  expect(orgs.entry.map((e: any) => `Organization/${e.resource.id}`)).toEqual([org]);
});

test('pages with _total=accurate: every match once, in the store order', async () => {
  const one = await search('HealthcareService?_text=urgence&_total=accurate&_count=100');
  expect(one.total).toBeGreaterThanOrEqual(3);
  const seen: string[] = [];
  let page = await search('HealthcareService?_text=urgence&_total=accurate&_count=1');
  for (;;) {
    expect(page.total).toBe(one.total);
    seen.push(...page.entry.map((e: any) => e.resource.id));
    const next = page.link.find((l: any) => l.relation === 'next');
    if (!next) break;
    page = await search(next.url.slice(BASE.length + 1));
  }
  expect(seen).toEqual(one.entry.map((e: any) => e.resource.id));
});

test('an inactive unit is found (FHIR search does not hide inactive resources); a change is seen after the index drain', async () => {
  const unitBefore = await unit('Réanimation polyvalente');
  await update({ ...unitBefore, active: false, name: 'Réanimation polyvalente fermée' });
  // The index follows the writes at its next drain (every 200 ms in a running server).
  expect(ids(await search('HealthcareService?_text=fermee'))).toEqual([]);
  await s.server.offer.drain();
  expect(ids(await search('HealthcareService?_text=fermee'))).toEqual([unitBefore.id]);
  expect(ids(await search('HealthcareService?_text=reanimation&active=false'))).toEqual([unitBefore.id]);
  // Offer search itself still leaves it out.
  const offer = await request(s.app).get('/offer/search?q=reanimation');
  expect(offer.body.total).toBe(0);
  await update({ ...unitBefore });
  await s.server.offer.drain();
});

test('a sensitive unit is found by an administrator, never by an anonymous caller, in entries and totals', async () => {
  const mit = await unit('Maladies infectieuses et tropicales');
  const others = (mit.extension ?? []).filter((e: any) => e.url !== SENSITIVE);
  await update({ ...mit, extension: [...others, { url: SENSITIVE, valueBoolean: true }] });
  await s.server.offer.drain();
  expect(ids(await search('HealthcareService?_text=maladie infectieuse'))).toEqual([mit.id]);
  for (const q of ['HealthcareService?_text=maladie%20infectieuse&_total=accurate', 'HealthcareService?_content=tropicales&_total=accurate']) {
    const res = await anonymous(q);
    expect(res.status).toBe(200);
    expect(res.body.entry ?? []).toEqual([]);
    expect(res.body.total ?? 0).toBe(0);
  }
  const pub = await anonymous('HealthcareService?_text=urgences&_total=accurate');
  expect(pub.status).toBe(200);
  expect(pub.body.total).toBeGreaterThan(0);
  await update({ ...mit });
  await s.server.offer.drain();
});

test('other types, and a text with no searchable word, keep the store text search', async () => {
  const orgs = await search('Organization?_total=accurate&_count=100');
  const name: string = orgs.entry[0].resource.name;
  const word = name.split(/\s+/).find((w) => w.length > 4)!;
  // A normalized substring is found; a plural the French analyser would forgive is not (no analyser there).
  expect((await search(`Organization?_content=${encodeURIComponent(word.toLowerCase())}`)).entry?.length).toBeGreaterThan(0);
  expect((await search(`Organization?_content=${encodeURIComponent(`${word}xs`)}`)).entry ?? []).toEqual([]);
  const stop = await anonymous('HealthcareService?_text=de');
  expect(stop.status).toBe(200);
});

test('the CapabilityStatement lists _text and _content', async () => {
  const res = await anonymous('metadata');
  expect(res.status).toBe(200);
  // Parameters of every type, listed at the rest level beside _filter (the registry has no expression for them).
  const names = res.body.rest[0].searchParam.map((p: any) => p.name);
  expect(names).toEqual(expect.arrayContaining(['_filter', '_text', '_content']));
});

describe('matchTextConditions', () => {
  const plan = (where: SearchPlan['where'], types = ['HealthcareService']): SearchPlan => ({ resourceTypes: types, where, sort: [], count: 10, total: 'none' });
  const matcher = (answers: Record<string, string[] | undefined>): TextMatcher => ({
    resourceType: 'HealthcareService',
    matchIds: async (text) => answers[text],
  });

  test('replaces text conditions on the type by sorted ids, keeps the others and unanswered values', async () => {
    const m = matcher({ a: ['3', '1'], b: ['2'] });
    const out = await matchTextConditions(plan([{ kind: 'text', field: 'text', values: ['a', 'b', 'de'] }]), m);
    expect(out.where).toEqual([{ kind: 'or', conditions: [{ kind: 'id', ids: ['1', '2', '3'] }, { kind: 'text', field: 'text', values: ['de'] }] }]);
    const other = plan([{ kind: 'text', field: 'content', values: ['a'] }], ['Organization']);
    expect(await matchTextConditions(other, m)).toEqual(other);
  });

  test('refuses a text matching more than the bound with a 400 too-costly', async () => {
    const m = matcher({ soins: ['1', '2', '3'] });
    const err = await matchTextConditions(plan([{ kind: 'text', field: 'content', values: ['soins'] }]), m, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).status).toBe(400);
    expect((err as FhirError).outcome.issue[0].code).toBe('too-costly');
  });
});
