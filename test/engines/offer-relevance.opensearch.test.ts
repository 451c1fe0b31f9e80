/**
 * The offer search relevance set (test/fixtures/offer/relevance.json, as test/offer/relevance.test.ts runs it on the
 * embedded index) on the search engine: the demo region through the composed server (src/main.ts picks the engine
 * from OPENSEARCH_URL/ELASTICSEARCH_URL, the OfferIndexer feeds it from the outbox) and the generated region of
 * 4,000 units served by the same offer router. Recall@10 per region is printed, and held to the same rule as on the
 * embedded index: no query outside the known misses finds none of its units.
 */
import express from 'express';
import request from 'supertest';
import { loadRelevanceSet, meanRecall, scoreQueries, type QueryScore } from '../../scripts/bench/lib/offer-relevance';
import { demoRegion, GENERATED_REGION, type OfferRegion } from '../../scripts/bench/lib/offer-regions';
import { generateOfferDocuments } from '../../scripts/bench/lib/offer-generate';
import { offerRouter } from '../../src/offer/http';
import { ElasticOfferIndex } from '../../src/store/elastic/offer-index';
import { engineUnderTest, skipWithoutEngine } from './engine-env';

const engine = engineUnderTest();
const run = `ror-offer-relevance-${process.pid}-${Date.now().toString(36)}`;

async function generatedOnEngine(kind: NonNullable<typeof engine>): Promise<OfferRegion> {
  const docs = generateOfferDocuments(GENERATED_REGION);
  const index = new ElasticOfferIndex({ kind: kind.kind, url: kind.url, name: `${run}-generated` });
  for (let i = 0; i < docs.length; i += 1000) await index.apply({ put: docs.slice(i, i + 1000), remove: [] });
  const app = express();
  app.use((_req, res, next) => {
    res.locals.actor = { kind: 'admin', name: 'relevance' };
    next();
  });
  app.use(offerRouter({ index, staleHours: 24, publicProfile: 0, now: () => GENERATED_REGION.now }));
  return {
    docs,
    search: async (params) => {
      const res = await request(app).get('/offer/search').query({ limit: '10', ...params });
      if (res.status !== 200) throw new Error(`/offer/search ${JSON.stringify(params)}: ${res.status}`);
      return (res.body.results as { healthcareService: { id: string } }[]).map((r) => r.healthcareService.id);
    },
    close: async () => {
      await index.drop();
      await index.close();
    },
  };
}

if (!engine) {
  skipWithoutEngine('Offer search relevance on OpenSearch/Elasticsearch');
} else {
  const set = loadRelevanceSet();
  const scores: Record<string, QueryScore[]> = {};
  describe.each([
    ['demo', async () => {
      process.env.ROR_OFFER_INDEX = `${run}-demo`;
      const region = await demoRegion();
      return {
        ...region,
        close: async () => {
          await region.close();
          const cleaner = new ElasticOfferIndex({ ...engine, name: `${run}-demo` });
          await cleaner.drop();
          await cleaner.close();
        },
      };
    }],
    ['generated', () => generatedOnEngine(engine)],
  ] as const)('%s region on the engine', (name, open) => {
    let region: OfferRegion;
    beforeAll(async () => {
      region = await open();
      scores[name] = await scoreQueries(set[name], region.docs, region.search);
    }, 300_000);
    afterAll(() => region?.close());

    test('no query outside the known misses finds none of its units in its first 10', () => {
      const zero = scores[name].filter((s) => !s.knownMiss && s.recall === 0);
      expect(zero.map((s) => ({ id: s.id, params: s.params, top: s.top, missed: s.missed }))).toEqual([]);
      console.log(`relevance on ${engine.kind}, ${name} region: recall@10 ${meanRecall(scores[name]).toFixed(3)} over ${scores[name].length} queries`);
    });
  });
}
