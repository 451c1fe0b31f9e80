/**
 * Offer search relevance (issue 14, "Proof"): the queries of test/fixtures/offer/relevance.json, phrased as ARS
 * analysts and bed coordinators type them, run through `GET /offer/search` on the demo region (the composed server)
 * and on a generated region of 4,000 units (scripts/bench/lib/offer-generate.ts, fixed seed); recall@10 per query
 * and overall. The floors are the measured figures rounded down (BENCHMARKS.md "Offer search relevance"); queries
 * marked `knownMiss` document a weakness of the analyser or the ranking: they are measured and count in the overall
 * figure, but are left out of the "no query at 0" rule.
 */
import { loadRelevanceSet, meanRecall, scoreQueries, type QueryScore } from '../../scripts/bench/lib/offer-relevance';
import { demoRegion, generatedRegion, type OfferRegion } from '../../scripts/bench/lib/offer-regions';

const set = loadRelevanceSet();
const scores: Record<'demo' | 'generated', QueryScore[]> = { demo: [], generated: [] };

test('the set has at least 40 queries, with unique ids', () => {
  const all = [...set.demo, ...set.generated];
  expect(all.length).toBeGreaterThanOrEqual(40);
  expect(new Set(all.map((q) => q.id)).size).toBe(all.length);
});

describe.each([
  ['demo', demoRegion],
  ['generated', generatedRegion],
] as const)('%s region', (name, open) => {
  let region: OfferRegion;
  beforeAll(async () => {
    region = await open();
    scores[name] = await scoreQueries(set[name], region.docs, region.search);
  }, 120_000);
  afterAll(() => region?.close());

  test('every query expects at least one unit of the region', () => {
    expect(scores[name].filter((s) => s.expected === 0).map((s) => s.id)).toEqual([]);
  });

  test('no query outside the known misses finds none of its units in its first 10', () => {
    const zero = scores[name].filter((s) => !s.knownMiss && s.recall === 0);
    expect(zero.map((s) => ({ id: s.id, params: s.params, top: s.top, missed: s.missed }))).toEqual([]);
  });
});

test('recall@10 stays above the measured floors', () => {
  const all = [...scores.demo, ...scores.generated];
  const reliable = all.filter((s) => !s.knownMiss);
  // Measured: 0.996 over every query, no known miss left (BENCHMARKS.md, Offer search relevance); 0.87 before q was
  // understood (criteria words, places) and the synonyms of the care offer were indexed.
  expect(meanRecall(all)).toBeGreaterThanOrEqual(0.99);
  expect(meanRecall(reliable)).toBeGreaterThanOrEqual(0.99);
});
