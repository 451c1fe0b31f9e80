/**
 * The facet counts a frequent term keeps (src/store/sqlite/offer-engine/term-facet-counts.ts) are the counts of its
 * matches: two embedded indexes fed the same writes, one keeping counts for every term, one for none, answer every
 * one-word search alike (facets, totals, pages), through new units, bed updates, renames, closures, sensitive
 * units, removals and a clear.
 */
import type { OfferDocument, OfferQuery } from '../../src/store/offer-index';
import { SqliteOfferIndex } from '../../src/store/sqlite/offer-index';
import { corpus } from '../contract/offer-index.contract';

const FACETS: OfferQuery['facets'] = ['activity', 'careMode', 'department', 'category', 'specialty', 'region'];
const WORDS = ['service', 'serv', 'neurologie', 'oncologie', 'etablissement', 'numero', 'bourg', 'lyon', 'soins', 'readaptation', 'renove'];

async function same(kept: SqliteOfferIndex, counted: SqliteOfferIndex): Promise<number> {
  let compared = 0;
  for (const text of WORDS) {
    for (const prefix of [false, true]) {
      for (const hideSensitive of [false, true]) {
        const q: OfferQuery = { text, prefix, hideSensitive, sort: 'relevance', limit: 7, facets: FACETS };
        const a = await counted.search(q);
        expect(await kept.search(q)).toEqual(a);
        if (a.total > 0) compared++;
      }
    }
  }
  return compared;
}

test('a term’s kept facet counts equal the counts of its matches, through every kind of write', async () => {
  const kept = new SqliteOfferIndex({ inMemory: true, termFacetCountsMinDocs: 1 });
  const counted = new SqliteOfferIndex({ inMemory: true, termFacetCountsMinDocs: Number.POSITIVE_INFINITY });
  const both = (changes: { put: OfferDocument[]; remove: string[] }) => Promise.all([kept.apply(changes), counted.apply(changes)]);
  const docs = corpus(21, 400);
  await both({ put: docs, remove: [] });
  expect(await same(kept, counted)).toBeGreaterThan(20);
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
