/**
 * The OfferIndex contract (src/store/offer-index.ts), run unchanged by every adapter: the embedded one
 * (test/contract/sqlite/offer-index.test.ts) and the Elasticsearch one. Documents are built here, and the expected
 * answers are computed from them (an oracle in plain code: filters, a haversine distance, facet counts), over a
 * seeded generated corpus as well as hand-written French cases.
 *
 * French text: accents, case, elisions, plurals, stop words, hyphens, type-ahead prefixes. Acronyms: the adapter's
 * analyser must apply the acronym table of src/indexing/french.ts (`SYNONYMS`) at index time, so "ehpad" finds an
 * establishment whose category label is "Etablissement d'hébergement pour personnes âgées dépendantes" with no
 * "EHPAD" anywhere in the document, and "ssr" a unit labelled "Soins de suite et de réadaptation".
 */
import { InvalidCursorError } from '../../src/store/errors';
import {
  OfferQueryError,
  type OfferDocument,
  type OfferFacet,
  type OfferHit,
  type OfferIndex,
  type OfferQuery,
} from '../../src/store/offer-index';
import { seededRandom } from '../helpers/random';

/** Mean Earth radius (km) of the oracle, the one Elasticsearch's arc distance uses. */
const R = 6371.0088;
function haversine(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Draws of a seeded generator (../helpers/random.ts), so a failure reproduces. */
function rng(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    some: <T>(xs: readonly T[], max: number): T[] => {
      const n = Math.floor(next() * (max + 1));
      return [...new Set(Array.from({ length: n }, () => xs[Math.floor(next() * xs.length)]))];
    },
  };
}

const code = (system: string, c: string, label: string) => ({ system, code: c, label });

type DocPatch = Omit<Partial<OfferDocument>, 'organization' | 'capacity'> & {
  organization?: Partial<OfferDocument['organization']>;
  capacity?: Partial<OfferDocument['capacity']>;
};

/** A document with every required member, and `patch` over it. */
export function offerDoc(id: string, patch: DocPatch = {}): OfferDocument {
  const { organization, capacity, ...rest } = patch;
  return {
    id,
    name: `Unité ${id}`,
    aliases: [],
    active: true,
    sensitive: false,
    locations: [],
    activities: [],
    careModes: [],
    specialties: [],
    unitCategories: [],
    patientTypes: [],
    lastUpdated: '2024-05-01T10:00:00.000Z',
    ...rest,
    organization: { id: `org-${id}`, name: `Etablissement ${id}`, ...organization },
    capacity: { free: { total: 0, female: 0, male: 0, undetermined: 0 }, installed: 0, ...capacity },
  };
}

const baseQuery: OfferQuery = { hideSensitive: false, sort: 'relevance', limit: 20, facets: [] };
const query = (q: Partial<OfferQuery>): OfferQuery => ({ ...baseQuery, ...q });

/** Every hit of a query, page after page (`pageSize` each), checking the pages' totals agree and no id repeats. */
async function everyHit(index: OfferIndex, q: Partial<OfferQuery>, pageSize = 25): Promise<{ hits: OfferHit[]; total: number }> {
  const hits: OfferHit[] = [];
  let cursor: string | undefined;
  let total = -1;
  for (let page = 0; page < 1000; page++) {
    const r = await index.search(query({ ...q, limit: pageSize, cursor }));
    if (total === -1) total = r.total;
    expect(r.total).toBe(total);
    expect(r.hits.length).toBeLessThanOrEqual(pageSize);
    hits.push(...r.hits);
    if (!r.next) break;
    expect(r.hits.length).toBe(pageSize);
    cursor = r.next;
  }
  const ids = hits.map((h) => h.document.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(total);
  return { hits, total };
}

const idsOf = async (index: OfferIndex, q: Partial<OfferQuery>) => (await everyHit(index, q)).hits.map((h) => h.document.id).sort();

// ---------------------------------------------------------------------------------------------------------------
// The generated corpus: units around Bourg-en-Bresse with random codes, ages, beds, freshness, sensitivity, places.

const ACTIVITIES = [
  code('act', 'A1', 'Soins de suite et de réadaptation'),
  code('act', 'A2', 'Médecine'),
  code('act', 'A3', 'Psychiatrie'),
  code('act', 'A4', 'Hébergement permanent'),
  code('act', 'A5', 'Chirurgie'),
];
const CARE_MODES = [code('mode', 'M1', 'Hospitalisation complète'), code('mode', 'M2', 'Hospitalisation de jour'), code('mode', 'M3', 'Consultation')];
const SPECIALTIES = [code('spe', 'S1', 'Gériatrie'), code('spe', 'S2', 'Cardiologie'), code('spe', 'S3', 'Pédiatrie'), code('spe', 'S4', 'Pneumologie')];
const CATEGORIES = [
  code('cat', '355', 'Centre hospitalier'),
  code('cat', '500', "Etablissement d'hébergement pour personnes âgées dépendantes"),
  code('cat', '106', 'Centre hospitalier régional'),
  code('cat', '365', 'Etablissement de soins pluridisciplinaire'),
];
const PLACES = [
  { dep: '01', reg: '84', commune: '01053', name: 'Bourg-en-Bresse' },
  { dep: '01', reg: '84', commune: '01004', name: 'Ambérieu-en-Bugey' },
  { dep: '69', reg: '84', commune: '69123', name: 'Lyon' },
  { dep: '71', reg: '27', commune: '71270', name: 'Mâcon' },
  { dep: '39', reg: '27', commune: '39300', name: 'Lons-le-Saunier' },
];
/** Name words that no label or place holds, each its own stem in any French analyser. */
const NAME_WORDS = ['neurologie', 'orthopedie', 'rhumatologie', 'dermatologie', 'oncologie'];
const CENTER = { lat: 46.2052, lon: 5.2255 };

/** A generated corpus of `size` units (seeded): also what other suites of the offer index feed it with. */
export function corpus(seed: number, size: number): OfferDocument[] {
  const r = rng(seed);
  const docs: OfferDocument[] = [];
  for (let i = 0; i < size; i++) {
    const id = `g${String(i).padStart(4, '0')}`;
    const place = r.pick(PLACES);
    const nLoc = r.pick([0, 1, 1, 1, 2]);
    const locations = Array.from({ length: nLoc }, (_, k) => {
      const p = r.next() < 0.8 ? r.pick(PLACES) : place;
      const positioned = r.next() < 0.9;
      return {
        id: `${id}-loc${k}`,
        commune: p.commune,
        communeName: p.name,
        ...(positioned ? { position: { lat: CENTER.lat + (r.next() - 0.5) * 2, lon: CENTER.lon + (r.next() - 0.5) * 2.8 } } : {}),
      };
    });
    const female = r.pick([0, 0, 1, 3]);
    const male = r.pick([0, 0, 2]);
    const undetermined = r.pick([0, 0, 0, 1]);
    const low = r.pick([undefined, 0, 18, 60]);
    const high = r.pick([undefined, 17, 65, 120]);
    const ageRange = low === undefined && high === undefined && r.next() < 0.5 ? undefined : { low, high: high !== undefined && low !== undefined && high < low ? undefined : high };
    docs.push(
      offerDoc(id, {
        name: `Service de ${r.pick(NAME_WORDS)} ${i}`,
        active: r.next() > 0.08,
        sensitive: r.next() < 0.15,
        organization: {
          id: `org${i % 37}`,
          name: `Etablissement numero ${i % 37}`,
          category: CATEGORIES[i % 37 % CATEGORIES.length],
          department: place.dep,
          region: place.reg,
        },
        locations,
        activities: r.some(ACTIVITIES, 2),
        careModes: r.some(CARE_MODES, 2),
        specialties: r.some(SPECIALTIES, 2),
        ageRange,
        capacity: {
          free: { total: female + male + undetermined, female, male, undetermined },
          installed: 20,
          updatedAt: r.next() < 0.8 ? new Date(Date.UTC(2024, 4, 1) + r.int(0, 72) * 3_600_000).toISOString() : undefined,
        },
      }),
    );
  }
  return docs;
}

/** The documents a query's filters keep (no text, no geo): the oracle of the filters. */
function oracle(docs: OfferDocument[], q: Partial<OfferQuery>): OfferDocument[] {
  const anyOf = (wanted: string[] | undefined, have: (string | undefined)[]) => !wanted || have.some((c) => c !== undefined && wanted.includes(c));
  return docs.filter((d) => {
    if (!d.active) return false;
    if (q.hideSensitive && d.sensitive) return false;
    if (!anyOf(q.activity, d.activities.map((c) => c.code))) return false;
    if (!anyOf(q.careMode, d.careModes.map((c) => c.code))) return false;
    if (!anyOf(q.specialty, d.specialties.map((c) => c.code))) return false;
    if (!anyOf(q.category, [d.organization.category?.code])) return false;
    if (!anyOf(q.department, [d.organization.department])) return false;
    if (!anyOf(q.region, [d.organization.region])) return false;
    if (!anyOf(q.commune, d.locations.map((l) => l.commune))) return false;
    if (q.age !== undefined) {
      const { low, high } = d.ageRange ?? {};
      if ((low !== undefined && low > q.age) || (high !== undefined && high < q.age)) return false;
    }
    if (q.gender && d.capacity.free[q.gender] <= 0) return false;
    if (q.available && d.capacity.free.total <= 0) return false;
    if (q.updatedSince !== undefined && !(d.capacity.updatedAt && Date.parse(d.capacity.updatedAt) >= q.updatedSince)) return false;
    return true;
  });
}

const nearest = (d: OfferDocument, at: { lat: number; lon: number }) =>
  Math.min(...d.locations.flatMap((l) => (l.position ? [haversine(at, l.position)] : [])));

export function offerIndexContract(adapter: string, open: () => Promise<OfferIndex>): void {
  describe(`OfferIndex contract: ${adapter}`, () => {
    let index: OfferIndex;
    beforeEach(async () => {
      index = await open();
    });
    afterEach(async () => {
      await index.close();
    });
    const put = (...docs: OfferDocument[]) => index.apply({ put: docs, remove: [] });
    const textIds = async (text: string, prefix = false, more: Partial<OfferQuery> = {}) => idsOf(index, { text, prefix, ...more });

    describe('documents', () => {
      it('puts, replaces and removes documents; one apply does both atomically', async () => {
        await put(offerDoc('u1', { name: 'Cardiologie interventionnelle' }), offerDoc('u2', { name: 'Pneumologie' }));
        expect(await index.count()).toBe(2);
        expect(await textIds('cardiologie')).toEqual(['u1']);

        await put(offerDoc('u1', { name: 'Oncologie' }));
        expect(await index.count()).toBe(2);
        expect(await textIds('cardiologie')).toEqual([]);
        expect(await textIds('oncologie')).toEqual(['u1']);

        await index.apply({ put: [offerDoc('u3', { name: 'Oncologie pédiatrique' })], remove: ['u1', 'unknown'] });
        expect(await index.count()).toBe(2);
        expect(await textIds('oncologie')).toEqual(['u3']);
        const hit = (await index.search(query({ text: 'oncologie' }))).hits[0];
        expect(hit.document).toEqual(offerDoc('u3', { name: 'Oncologie pédiatrique' }));

        await index.clear();
        expect(await index.count()).toBe(0);
        expect((await index.search(query({}))).total).toBe(0);
        expect(await index.suggest('onco', { limit: 5, hideSensitive: false })).toEqual([]);
      });

      it('never returns an inactive unit: not in hits, totals, facets or suggestions', async () => {
        const cat = CATEGORIES[0];
        await put(
          offerDoc('on', { name: 'Neurologie', organization: { category: cat } }),
          offerDoc('off', { name: 'Neurologie vasculaire', active: false, organization: { id: 'org-off', name: 'Clinique fermée', category: CATEGORIES[1] } }),
        );
        const r = await index.search(query({ text: 'neurologie', facets: ['category'] }));
        expect(r.hits.map((h) => h.document.id)).toEqual(['on']);
        expect(r.total).toBe(1);
        expect(r.facets.category).toEqual([{ code: cat.code, label: cat.label, count: 1 }]);
        expect(await index.suggest('clinique', { limit: 5, hideSensitive: false })).toEqual([]);
        expect(await index.suggest('neurologie vasc', { limit: 5, hideSensitive: false })).toEqual([]);
        // Made active again, it is found.
        await put(offerDoc('off', { name: 'Neurologie vasculaire' }));
        expect(await textIds('neurologie')).toEqual(['off', 'on']);
      });

      it('matches inactive units too when the query asks for them (includeInactive), with every filter', async () => {
        await put(
          offerDoc('on', { name: 'Neurologie', organization: { department: '01' } }),
          offerDoc('off', { name: 'Neurologie vasculaire', active: false, organization: { id: 'org-off', name: 'Clinique fermée', department: '69' } }),
        );
        const ids = async (q: Partial<OfferQuery>) => (await index.search(query(q))).hits.map((h) => h.document.id).sort();
        expect(await ids({ text: 'neurologies', includeInactive: true })).toEqual(['off', 'on']);
        expect(await ids({ text: 'clinique fermee', includeInactive: true })).toEqual(['off']);
        expect(await ids({ text: 'neurologie', includeInactive: true, department: ['69'] })).toEqual(['off']);
        expect(await ids({ text: 'neurologie' })).toEqual(['on']);
        expect((await index.search(query({ includeInactive: true }))).total).toBe(2);
        expect(await index.suggest('clinique', { limit: 5, hideSensitive: false })).toEqual([]);
        // Removed, it is found by no query.
        await index.apply({ put: [], remove: ['off'] });
        expect(await ids({ text: 'neurologie', includeInactive: true })).toEqual(['on']);
      });
    });

    describe('French text', () => {
      beforeEach(async () => {
        await put(
          offerDoc('ssr-name', { name: 'Soins de suite et de réadaptation' }),
          offerDoc('ssr-label', { name: 'Unité Les Tilleuls', activities: [code('act', 'A1', 'Soins de Suite et de Réadaptation')] }),
          offerDoc('ger', { name: 'Court séjour GÉRIATRIQUE', aliases: ['UGA'] }),
          offerDoc('hep', { name: "Unité d'hébergement l'Orée du Bois" }),
          offerDoc('pal', { name: 'Soin palliatif' }),
          offerDoc('hop', { name: 'Hôpitaux de jour', locations: [{ id: 'l1', commune: '01053', communeName: 'Bourg-en-Bresse' }] }),
          offerDoc('ehpad', {
            name: 'Résidence Les Mimosas',
            organization: { name: 'Résidence Les Mimosas', category: code('cat', '500', "Etablissement d'hébergement pour personnes âgées dépendantes") },
          }),
          offerDoc('coeur', { name: 'Chirurgie du cœur' }),
          offerDoc('cardio', { name: 'Cardiologie' }),
          offerDoc('cardio-ped', { name: 'Cardiologie pédiatrique' }),
        );
      });

      it('forgives accents and case', async () => {
        expect(await textIds('geriatrique')).toEqual(['ger']);
        expect(await textIds('GÉRIATRIQUE')).toEqual(['ger']);
        expect(await textIds('gériatrique court séjour')).toEqual(['ger']);
        expect(await textIds('coeur')).toEqual(['coeur']);
        expect(await textIds('cœur')).toEqual(['coeur']);
      });

      it('forgives plurals and the feminine, and removes elisions', async () => {
        expect(await textIds('gériatriques')).toEqual(['ger']);
        expect(await textIds('soins palliatifs')).toEqual(['pal']);
        expect(await textIds('hopital')).toEqual(['hop']);
        expect(await textIds('readaptations')).toEqual(['ssr-label', 'ssr-name']);
        expect(await textIds('hébergement')).toEqual(expect.arrayContaining(['hep']));
        expect(await textIds("l'hébergement")).toEqual(expect.arrayContaining(['hep']));
        expect(await textIds('l’orée')).toEqual(['hep']);
        expect(await textIds('oree')).toEqual(['hep']);
      });

      it('ignores stop words and matches every remaining word, across name and labels', async () => {
        expect(await textIds('soins de suite readaptation')).toEqual(['ssr-label', 'ssr-name']);
        expect(await textIds('soins suite et réadaptation')).toEqual(['ssr-label', 'ssr-name']);
        expect(await textIds('cardiologie')).toEqual(['cardio', 'cardio-ped']);
        expect(await textIds('cardiologie pédiatrique')).toEqual(['cardio-ped']);
        expect(await textIds('cardiologie neurologie')).toEqual([]);
      });

      it('searches aliases, and communes split on hyphens', async () => {
        expect(await textIds('uga')).toEqual(['ger']);
        expect(await textIds('bourg en bresse')).toEqual(['hop']);
        expect(await textIds('Bourg-en-Bresse')).toEqual(['hop']);
      });

      it('finds acronyms through their expansions in the labels, and expansions through acronyms', async () => {
        expect(await textIds('ehpad')).toEqual(['ehpad']);
        expect(await textIds('EHPAD mimosas')).toEqual(['ehpad']);
        expect(await textIds('ssr')).toEqual(['ssr-label', 'ssr-name']);
        expect(await textIds('smr')).toEqual(['ssr-label', 'ssr-name']);
      });

      it('matches the last word as a prefix for type-ahead, only when asked', async () => {
        expect(await textIds('réadap', true)).toEqual(['ssr-label', 'ssr-name']);
        expect(await textIds('réadap', false)).toEqual([]);
        expect(await textIds('soins de suite et de réa', true)).toEqual(['ssr-label', 'ssr-name']);
        expect(await textIds('cardiologie pédi', true)).toEqual(['cardio-ped']);
        expect(await textIds('Bourg-en-B', true)).toEqual(['hop']);
        expect(await textIds('geriatriques', true)).toEqual(['ger']);
        expect(await textIds('hôpitau', true)).toEqual(['hop']);
        // A last word that is a stop word asks for nothing more yet.
        expect(await textIds('soins de', true)).toEqual(['pal', 'ssr-label', 'ssr-name']);
      });

      it('ranks by relevance: a match in the name before one in a label, scores decreasing', async () => {
        const r = await index.search(query({ text: 'réadaptation' }));
        expect(r.hits.map((h) => h.document.id)).toEqual(['ssr-name', 'ssr-label']);
        expect(r.hits[0].score).toBeGreaterThan(r.hits[1].score);
        expect(r.hits[1].score).toBeGreaterThan(0);
        const noText = await index.search(query({}));
        expect(noText.hits.every((h) => h.score === 0)).toBe(true);
      });
    });

    describe('filters, facets and paging over a generated corpus', () => {
      const docs = corpus(20240501, 260);
      beforeEach(async () => {
        await index.apply({ put: docs, remove: [] });
      });
      const expectFilter = async (q: Partial<OfferQuery>) => {
        const expected = oracle(docs, q).map((d) => d.id).sort();
        expect(await idsOf(index, q)).toEqual(expected);
        return expected;
      };

      it('has every document, and every active one matches an empty query', async () => {
        expect(await index.count()).toBe(docs.length);
        const active = await expectFilter({});
        expect(active.length).toBeLessThan(docs.length);
      });

      it.each<[string, Partial<OfferQuery>]>([
        ['activity', { activity: ['A1'] }],
        ['activity (two, ORed)', { activity: ['A2', 'A4'] }],
        ['careMode', { careMode: ['M2'] }],
        ['specialty', { specialty: ['S1', 'S3'] }],
        ['category', { category: ['500'] }],
        ['department', { department: ['01'] }],
        ['region', { region: ['27'] }],
        ['commune (any of the locations)', { commune: ['69123'] }],
        ['an empty list of codes matches nothing', { activity: [] }],
        ['age 17', { age: 17 }],
        ['age 18', { age: 18 }],
        ['age 65', { age: 65 }],
        ['age 90', { age: 90 }],
        ['age 0', { age: 0 }],
        ['gender female', { gender: 'female' }],
        ['gender male', { gender: 'male' }],
        ['gender undetermined', { gender: 'undetermined' }],
        ['available', { available: true }],
        ['not asking for available', { available: false }],
        ['updatedSince', { updatedSince: Date.UTC(2024, 4, 2, 12) }],
        ['hideSensitive', { hideSensitive: true }],
        ['filters ANDed', { activity: ['A1', 'A2'], department: ['01', '69'], available: true, age: 70, hideSensitive: true }],
        ['filters ANDed (2)', { careMode: ['M1'], category: ['355', '106'], gender: 'female', updatedSince: Date.UTC(2024, 4, 1, 12) }],
      ])('filter: %s', async (_name, q) => {
        await expectFilter(q);
      });

      it('keeps the age range containment with open bounds', async () => {
        await index.clear();
        await put(
          offerDoc('adults', { ageRange: { low: 18 } }),
          offerDoc('minors', { ageRange: { high: 17 } }),
          offerDoc('seniors', { ageRange: { low: 60, high: 75 } }),
          offerDoc('all', {}),
          offerDoc('open', { ageRange: {} }),
        );
        expect(await idsOf(index, { age: 17 })).toEqual(['all', 'minors', 'open']);
        expect(await idsOf(index, { age: 18 })).toEqual(['adults', 'all', 'open']);
        expect(await idsOf(index, { age: 75 })).toEqual(['adults', 'all', 'open', 'seniors']);
        expect(await idsOf(index, { age: 76 })).toEqual(['adults', 'all', 'open']);
        expect(await idsOf(index, { age: 60 })).toEqual(['adults', 'all', 'open', 'seniors']);
      });

      it('combines text with filters', async () => {
        for (const word of NAME_WORDS.slice(0, 3)) {
          const q: Partial<OfferQuery> = { text: word, available: true, region: ['84'], hideSensitive: true };
          const expected = oracle(docs, q).filter((d) => d.name.includes(word)).map((d) => d.id).sort();
          expect(expected.length).toBeGreaterThan(0);
          expect(await idsOf(index, q)).toEqual(expected);
        }
      });

      it('the whole region\'s facet counts follow replacements and removals (units deactivated, made sensitive, recoded)', async () => {
        const changed = docs.slice(0, 40).map((d, i) =>
          i % 3 === 0 ? { ...d, active: !d.active } : i % 3 === 1 ? { ...d, sensitive: !d.sensitive } : { ...d, activities: d.activities.slice(1) },
        );
        await index.apply({ put: changed, remove: docs.slice(40, 60).map((d) => d.id) });
        const now = [...changed, ...docs.slice(60)];
        for (const hideSensitive of [false, true]) {
          const r = await index.search(query({ hideSensitive, limit: 0, facets: ['activity', 'department'] }));
          const counts = new Map<string, number>();
          for (const d of oracle(now, { hideSensitive })) for (const code of new Set(d.activities.map((a) => a.code))) counts.set(code, (counts.get(code) ?? 0) + 1);
          const expected = [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => a.code.localeCompare(b.code));
          expect(r.facets.activity!.map(({ code, count }) => ({ code, count })).sort((a, b) => a.code.localeCompare(b.code))).toEqual(expected);
          expect(r.facets.department!.reduce((n, f) => n + f.count, 0)).toBe(oracle(now, { hideSensitive }).filter((d) => d.organization.department).length);
        }
      });

      it('counts facets over every match, not only the page, with the labels of the documents', async () => {
        const facets: OfferFacet[] = ['activity', 'careMode', 'department', 'category', 'specialty', 'region'];
        for (const q of [{}, { hideSensitive: true }, { available: true, hideSensitive: true }, { text: 'neurologie' }, { region: ['84'], age: 30 }] as Partial<OfferQuery>[]) {
          const r = await index.search(query({ ...q, limit: 3, facets }));
          const matches = oracle(docs, q).filter((d) => !q.text || d.name.includes(q.text));
          expect(r.total).toBe(matches.length);
          const expected = (values: (d: OfferDocument) => { code: string; label: string }[]) => {
            const counts = new Map<string, { code: string; label: string; count: number }>();
            for (const d of matches) {
              for (const v of new Map(values(d).map((x) => [x.code, x])).values()) {
                const c = counts.get(v.code) ?? { code: v.code, label: v.label, count: 0 };
                c.count++;
                counts.set(v.code, c);
              }
            }
            return [...counts.values()].sort((a, b) => a.code.localeCompare(b.code));
          };
          const sorted = (xs: { code: string; label: string; count: number }[] | undefined) => [...(xs ?? [])].sort((a, b) => a.code.localeCompare(b.code));
          expect(sorted(r.facets.activity)).toEqual(expected((d) => d.activities));
          expect(sorted(r.facets.careMode)).toEqual(expected((d) => d.careModes));
          expect(sorted(r.facets.specialty)).toEqual(expected((d) => d.specialties));
          expect(sorted(r.facets.category)).toEqual(expected((d) => (d.organization.category ? [d.organization.category] : [])));
          expect(sorted(r.facets.department).map(({ code: c, count }) => ({ code: c, count }))).toEqual(
            expected((d) => [{ code: d.organization.department!, label: '' }]).map(({ code: c, count }) => ({ code: c, count })),
          );
          expect(sorted(r.facets.region).map(({ code: c, count }) => ({ code: c, count }))).toEqual(
            expected((d) => [{ code: d.organization.region!, label: '' }]).map(({ code: c, count }) => ({ code: c, count })),
          );
          // Largest counts first.
          const counts = r.facets.activity!.map((f) => f.count);
          expect(counts).toEqual([...counts].sort((a, b) => b - a));
        }
        // Only the facets asked for.
        expect(Object.keys((await index.search(query({ facets: ['region'] }))).facets)).toEqual(['region']);
      });

      it('pages through every result with the cursor, without duplicates or gaps, in the order of one big page', async () => {
        for (const q of [{}, { text: 'service' }, { sort: 'freeBeds' }, { hideSensitive: true, sort: 'freeBeds', text: 'neurologie' }] as Partial<OfferQuery>[]) {
          const paged = await everyHit(index, q, 7);
          const whole = await index.search(query({ ...q, limit: 1000 }));
          expect(whole.next).toBeUndefined();
          expect(paged.hits.map((h) => h.document.id)).toEqual(whole.hits.map((h) => h.document.id));
          expect(paged.total).toBe(oracle(docs, q).filter((d) => !q.text || d.name.toLowerCase().includes(q.text)).length);
        }
      });

      it('refuses a cursor it did not make, or made for another query', async () => {
        const first = await index.search(query({ limit: 5 }));
        expect(first.next).toBeDefined();
        await expect(index.search(query({ limit: 5, cursor: 'not-a-cursor' }))).rejects.toThrow(InvalidCursorError);
        await expect(index.search(query({ limit: 5, cursor: first.next, available: true }))).rejects.toThrow(InvalidCursorError);
        // The page size may change between pages.
        const second = await index.search(query({ limit: 10, cursor: first.next }));
        expect(second.hits.length).toBe(10);
      });

      it('sorts by free beds, most first', async () => {
        const { hits } = await everyHit(index, { sort: 'freeBeds' });
        const free = hits.map((h) => h.document.capacity.free.total);
        expect(free).toEqual([...free].sort((a, b) => b - a));
      });
    });

    describe('geo', () => {
      const docs = corpus(7, 300);
      beforeEach(async () => {
        await index.apply({ put: docs, remove: [] });
      });

      it.each([
        [CENTER, 10],
        [CENTER, 35],
        [{ lat: 46.5, lon: 4.9 }, 25],
        [{ lat: 45.8, lon: 5.9 }, 60],
        [CENTER, 500],
      ])('finds exactly the units within the radius, with their nearest location’s distance (%o, %d km)', async (at, radiusKm) => {
        const { hits } = await everyHit(index, { near: { ...at, radiusKm }, sort: 'distance' }, 50);
        const got = new Map(hits.map((h) => [h.document.id, h.distanceKm!]));
        const candidates = docs.filter((d) => d.active && d.locations.some((l) => l.position));
        let inside = 0;
        for (const d of candidates) {
          const km = nearest(d, at);
          if (Math.abs(km - radiusKm) < 0.01) continue; // on the edge: either way
          if (km < radiusKm) {
            inside++;
            expect(got.has(d.id)).toBe(true);
            expect(Math.abs(got.get(d.id)! - km)).toBeLessThan(0.01);
          } else {
            expect(got.has(d.id)).toBe(false);
          }
        }
        expect(inside).toBeGreaterThan(0);
        expect([...got.values()].every((km) => km <= radiusKm + 0.01)).toBe(true);
        const distances = hits.map((h) => h.distanceKm!);
        expect(distances).toEqual([...distances].sort((a, b) => a - b));
      });

      it('combines the radius with text, filters and other sorts, each hit with its distance', async () => {
        const near = { ...CENTER, radiusKm: 40 };
        const q: Partial<OfferQuery> = { near, text: 'neurologie', available: true, sort: 'freeBeds' };
        const { hits } = await everyHit(index, q, 5);
        const expected = oracle(docs, q)
          .filter((d) => d.name.includes('neurologie') && d.locations.some((l) => l.position) && nearest(d, CENTER) <= 40)
          .map((d) => d.id)
          .sort();
        expect(hits.map((h) => h.document.id).sort()).toEqual(expected);
        for (const h of hits) expect(Math.abs(h.distanceKm! - nearest(h.document, CENTER))).toBeLessThan(0.01);
        const free = hits.map((h) => h.document.capacity.free.total);
        expect(free).toEqual([...free].sort((a, b) => b - a));
        // No distance without a position.
        expect((await index.search(query({ text: 'neurologie' }))).hits.every((h) => h.distanceKm === undefined)).toBe(true);
      });

      it('crosses the antimeridian', async () => {
        await index.clear();
        const at = { lat: -13.3, lon: 179.9 };
        await put(
          offerDoc('east', { locations: [{ id: 'a', position: { lat: -13.3, lon: -179.8 } }] }),
          offerDoc('west', { locations: [{ id: 'b', position: { lat: -13.2, lon: 179.5 } }] }),
          offerDoc('far', { locations: [{ id: 'c', position: { lat: -13.3, lon: 178.0 } }] }),
        );
        const { hits } = await everyHit(index, { near: { ...at, radiusKm: 60 }, sort: 'distance' });
        expect(hits.map((h) => h.document.id)).toEqual(['east', 'west']);
        expect(Math.abs(hits[0].distanceKm! - haversine(at, { lat: -13.3, lon: -179.8 }))).toBeLessThan(0.01);
      });

      it('refuses a distance sort without a position', async () => {
        await expect(index.search(query({ sort: 'distance' }))).rejects.toThrow(OfferQueryError);
      });
    });

    describe('suggest', () => {
      beforeEach(async () => {
        const org = { id: 'ch-bourg', name: 'Centre hospitalier de Bourg-en-Bresse' };
        const bourg = { id: 'l', commune: '01053', communeName: 'Bourg-en-Bresse' };
        await put(
          offerDoc('u1', { name: 'Cardiologie', organization: org, locations: [bourg] }),
          offerDoc('u2', { name: 'Chirurgie cardiaque', organization: org, locations: [bourg] }),
          offerDoc('u3', { name: 'Carcinologie', organization: org, locations: [{ ...bourg, id: 'm' }] }),
          offerDoc('secret', { name: 'Cardio addictologie', sensitive: true, organization: { id: 'cache', name: 'Caravelle centre de soins' } }),
          offerDoc('u4', { name: 'Soins de suite', organization: { id: 'ehpad-bb', name: 'EHPAD de Bourg' }, locations: [{ id: 'n', commune: '01004', communeName: 'Ambérieu-en-Bugey' }] }),
        );
      });
      const labels = async (text: string, hideSensitive = false, limit = 10) =>
        (await index.suggest(text, { limit, hideSensitive })).map((s) => `${s.kind}:${s.id}:${s.label}`);

      it('suggests unit names, establishments and communes by prefix, each once', async () => {
        expect((await labels('card')).sort()).toEqual(['unit:secret:Cardio addictologie', 'unit:u1:Cardiologie', 'unit:u2:Chirurgie cardiaque'].sort());
        expect(await labels('bourg')).toEqual(
          expect.arrayContaining(['establishment:ch-bourg:Centre hospitalier de Bourg-en-Bresse', 'commune:01053:Bourg-en-Bresse', 'establishment:ehpad-bb:EHPAD de Bourg']),
        );
        expect((await labels('bourg')).length).toBe(3);
        expect(await labels('amberieu en b')).toEqual(['commune:01004:Ambérieu-en-Bugey']);
        expect(await labels('centre hosp')).toEqual(['establishment:ch-bourg:Centre hospitalier de Bourg-en-Bresse']);
        expect(await labels('zzz')).toEqual([]);
        expect(await labels('')).toEqual([]);
      });

      it('ranks a name that starts with the typed text first, and keeps to the limit', async () => {
        expect((await labels('bourg'))[0]).toBe('commune:01053:Bourg-en-Bresse');
        expect(await labels('ca', false, 2)).toHaveLength(2);
      });

      it('leaves out sensitive units, and establishments with no other unit, when asked', async () => {
        expect(await labels('cardio', true)).toEqual(['unit:u1:Cardiologie']);
        expect(await labels('caravelle', true)).toEqual([]);
        expect(await labels('caravelle', false)).toEqual(['establishment:cache:Caravelle centre de soins']);
      });

      it('follows the documents: a removed unit, a renamed establishment', async () => {
        await index.apply({ put: [], remove: ['u1'] });
        expect(await labels('cardiol')).toEqual([]);
        expect(await labels('centre hosp')).toEqual(['establishment:ch-bourg:Centre hospitalier de Bourg-en-Bresse']);
        const renamed = { id: 'ch-bourg', name: 'Hôpital Fleyriat' };
        const bourg = { id: 'l', commune: '01053', communeName: 'Bourg-en-Bresse' };
        await put(
          offerDoc('u2', { name: 'Chirurgie cardiaque', organization: renamed, locations: [bourg] }),
          offerDoc('u3', { name: 'Carcinologie', organization: renamed, locations: [bourg] }),
        );
        expect(await labels('centre hosp')).toEqual([]);
        expect(await labels('fleyr')).toEqual(['establishment:ch-bourg:Hôpital Fleyriat']);
        await index.apply({ put: [], remove: ['u2', 'u3'] });
        expect(await labels('fleyr')).toEqual([]);
        expect(await labels('bourg-en-bresse')).toEqual([]);
      });
    });
  });
}
