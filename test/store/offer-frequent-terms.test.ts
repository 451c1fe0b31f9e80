/**
 * What a frequent term keeps (src/store/sqlite/offer-engine/term-facet-counts.ts, ranked-terms.ts) answers as its
 * matches would: two embedded indexes fed the same writes, one keeping counts and ranked orders for every term, one
 * for none, answer every one-word search alike (facets, totals, first and next pages, scores), through new units,
 * bed updates, renames, closures, sensitive units, removals and a clear.
 */
import type { OfferDocument, OfferQuery } from '../../src/store/offer-index';
import { SqliteOfferIndex } from '../../src/store/sqlite/offer-index';
import { corpus } from '../contract/offer-index.contract';

const FACETS: OfferQuery['facets'] = ['activity', 'careMode', 'department', 'category', 'specialty', 'region'];
const WORDS = ['service', 'serv', 'neurologie', 'oncologie', 'etablissement', 'numero', 'bourg', 'lyon', 'soins', 'readaptation', 'renove'];

/** Orders the kept index holds (white-box: whether the ranked path was taken at all). */
const rankedSlots = (index: SqliteOfferIndex) => (index as unknown as { engine: { rankedTerms: { size: number } } }).engine.rankedTerms.size;

async function same(kept: SqliteOfferIndex, counted: SqliteOfferIndex): Promise<number> {
  let compared = 0;
  for (const text of WORDS) {
    for (const prefix of [false, true]) {
      for (const hideSensitive of [false, true]) {
        // Twice: a term's order is made when it is searched a second time unchanged.
        for (let time = 0; time < 2; time++) {
          const q: OfferQuery = { text, prefix, hideSensitive, sort: 'relevance', limit: 7, facets: FACETS };
          const a = await counted.search(q);
          expect(await kept.search(q)).toEqual(a);
          if (a.next) expect(await kept.search({ ...q, cursor: a.next })).toEqual(await counted.search({ ...q, cursor: a.next }));
          if (a.total > 0) compared++;
        }
      }
    }
  }
  return compared;
}

test('a term’s kept facet counts and ranked order answer as its matches, through every kind of write', async () => {
  const kept = new SqliteOfferIndex({ inMemory: true, frequentTermMinDocs: 1 });
  const counted = new SqliteOfferIndex({ inMemory: true, frequentTermMinDocs: Number.POSITIVE_INFINITY });
  const both = (changes: { put: OfferDocument[]; remove: string[] }) => Promise.all([kept.apply(changes), counted.apply(changes)]);
  const docs = corpus(21, 400);
  await both({ put: docs, remove: [] });
  expect(await same(kept, counted)).toBeGreaterThan(20);
  expect(rankedSlots(kept)).toBeGreaterThan(0);
  expect(rankedSlots(counted)).toBe(0);
  for (let round = 0; round < 6; round++) {
    const put: OfferDocument[] = [];
    const remove: string[] = [];
    docs.forEach((d, i) => {
      if ((i + round) % 11 === 0) put.push({ ...d, active: !d.active });
      else if ((i + round) % 13 === 0) put.push({ ...d, sensitive: !d.sensitive });
      else if ((i + round) % 17 === 0) put.push({ ...d, name: `${d.name} rénové`, activities: d.activities.slice(1) });
      else if ((i + round) % 19 === 0) put.push({ ...d, capacity: { ...d.capacity, free: { ...d.capacity.free, total: d.capacity.free.total + 1 } } });
      else if ((i + round) % 23 === 0) remove.push(d.id);
      else if ((i + round) % 29 === 0) put.push({ ...d, id: `${d.id}-n${round}`, specialties: [{ system: 'sp', code: `S${round}`, label: `Nouvelle spécialité ${round}` }] });
    });
    await both({ put, remove });
    await same(kept, counted);
  }
  await Promise.all([kept.clear(), counted.clear()]);
  await both({ put: docs.slice(0, 120), remove: [] });
  expect(await same(kept, counted)).toBeGreaterThan(10);
  await Promise.all([kept.close(), counted.close()]);
});
