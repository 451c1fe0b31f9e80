/**
 * Which search engine holds the offer index, from the environment: `OPENSEARCH_URL` (OpenSearch, its own client) or
 * `ELASTICSEARCH_URL` (Elasticsearch, its own client), and `ROR_OFFER_INDEX` the alias' name (default `ror-offer`,
 * for several servers on one cluster). Neither URL: the embedded index. Both: a start-up error, not a guess.
 */
import type { Env } from '../../env';
import type { ElasticOfferIndexOptions } from './offer-index';

export function offerEngineFromEnv(env: Env): ElasticOfferIndexOptions | undefined {
  const os = env.OPENSEARCH_URL?.trim() || undefined;
  const es = env.ELASTICSEARCH_URL?.trim() || undefined;
  if (os && es) throw new Error('set OPENSEARCH_URL or ELASTICSEARCH_URL, not both');
  const url = os ?? es;
  if (!url) return undefined;
  const name = os ? 'OPENSEARCH_URL' : 'ELASTICSEARCH_URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${name} must be a URL such as http://127.0.0.1:9200, got '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${name} must be an http or https URL, got '${url}'`);
  const index = env.ROR_OFFER_INDEX?.trim() || 'ror-offer';
  if (!/^[a-z0-9][a-z0-9_-]{0,100}$/.test(index)) throw new Error(`ROR_OFFER_INDEX must be lower-case letters, digits, - and _, got '${index}'`);
  return { kind: os ? 'opensearch' : 'elasticsearch', url, name: index };
}
