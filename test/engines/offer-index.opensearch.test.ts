/**
 * The OfferIndex contract (test/contract/offer-index.contract.ts, unchanged) on a real OpenSearch or Elasticsearch:
 * `OPENSEARCH_URL` or `ELASTICSEARCH_URL` (set by `npm run test:engines`, which starts the engines). Each test gets a
 * fresh index of its own name; every index this file made is dropped at the end. Without an engine URL the suite is
 * reported skipped, by name, with the reason.
 */
import { offerIndexContract } from '../contract/offer-index.contract';
import { ElasticOfferIndex } from '../../src/store/elastic/offer-index';
import { engineUnderTest, skipWithoutEngine } from './engine-env';

const engine = engineUnderTest();

if (!engine) {
  skipWithoutEngine('OfferIndex contract: OpenSearch/Elasticsearch');
} else {
  const opened: ElasticOfferIndex[] = [];
  let n = 0;
  const run = `${process.pid}-${Date.now().toString(36)}`;
  offerIndexContract(`${engine.kind} (${engine.url})`, async () => {
    const index = new ElasticOfferIndex({ kind: engine.kind, url: engine.url, name: `ror-offer-test-${run}-${n++}` });
    opened.push(index);
    await index.ready();
    return index;
  });
  afterAll(async () => {
    const cleaner = new ElasticOfferIndex({ kind: engine.kind, url: engine.url, name: `ror-offer-test-${run}` });
    await cleaner.drop();
    await cleaner.close();
  });
}
