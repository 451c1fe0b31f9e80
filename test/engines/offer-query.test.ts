/**
 * The search-engine offer index without an engine: which engine the environment selects, and the query DSL built
 * from hostile values (they appear only as values of term/terms/prefix/range queries, never as query syntax).
 */
import { offerEngineFromEnv } from '../../src/store/elastic/config';
import { filterClauses, textClauses, tokenClause, MAX_TOKEN } from '../../src/store/elastic/offer-query';
import { synonymRules } from '../../src/store/elastic/offer-mapping';
import type { OfferQuery } from '../../src/store/offer-index';

describe('engine selection', () => {
  it('takes OPENSEARCH_URL or ELASTICSEARCH_URL, and the index name', () => {
    expect(offerEngineFromEnv({})).toBeUndefined();
    expect(offerEngineFromEnv({ OPENSEARCH_URL: ' ' })).toBeUndefined();
    expect(offerEngineFromEnv({ OPENSEARCH_URL: 'http://127.0.0.1:9200' })).toEqual({ kind: 'opensearch', url: 'http://127.0.0.1:9200', name: 'ror-offer' });
    expect(offerEngineFromEnv({ ELASTICSEARCH_URL: 'https://es.example:9200', ROR_OFFER_INDEX: 'ror-offer-ara' })).toEqual({ kind: 'elasticsearch', url: 'https://es.example:9200', name: 'ror-offer-ara' });
  });

  it('refuses both URLs, a URL that is not one, and an index name the engine would refuse', () => {
    expect(() => offerEngineFromEnv({ OPENSEARCH_URL: 'http://a', ELASTICSEARCH_URL: 'http://b' })).toThrow(/not both/);
    expect(() => offerEngineFromEnv({ OPENSEARCH_URL: 'localhost:9200' })).toThrow(/OPENSEARCH_URL must be an http/);
    expect(() => offerEngineFromEnv({ ELASTICSEARCH_URL: 'not a url' })).toThrow(/ELASTICSEARCH_URL must be a URL/);
    expect(() => offerEngineFromEnv({ OPENSEARCH_URL: 'http://a', ROR_OFFER_INDEX: 'Offer/*' })).toThrow(/ROR_OFFER_INDEX/);
  });
});

describe('query DSL', () => {
  /** Every string of a DSL tree that is a key (what the engine reads as syntax). */
  const keys = (x: unknown): string[] =>
    Array.isArray(x) ? x.flatMap(keys) : x && typeof x === 'object' ? Object.entries(x).flatMap(([k, v]) => [k, ...keys(v)]) : [];
  const SYNTAX = new Set(['bool', 'should', 'must', 'must_not', 'filter', 'minimum_should_match', 'term', 'terms', 'prefix', 'range', 'value', 'boost', 'gt', 'gte', 'lte', 'exists', 'field', 'geo_distance', 'distance', 'distance_type', 'positions', 'lat', 'lon', 'match_none',
    'name', 'labels', 'organization', 'place', 'active', 'sensitive', 'activity', 'careMode', 'specialty', 'category', 'department', 'region', 'commune', 'ageLow', 'ageHigh', 'freeFemale', 'freeTotal', 'updatedAt']);
  const HOSTILE = ['*', '\\', '"', '{"$gt":""}', 'OR', '$where', '_source', 'script', 'x'.repeat(1000)];

  it('hostile text and codes only ever become values', () => {
    for (const v of HOSTILE) {
      const q: OfferQuery = {
        text: v, prefix: true, activity: [v], careMode: [v], specialty: [v], category: [v], department: [v], region: [v], commune: [v],
        age: 40, gender: 'female', available: true, updatedSince: 0, near: { lat: 46, lon: 5, radiusKm: 10 },
        hideSensitive: true, sort: 'relevance', limit: 10, facets: [],
      };
      const dsl = [...textClauses(q.text, true), ...filterClauses(q)];
      for (const k of keys(dsl)) expect(SYNTAX.has(k)).toBe(true);
    }
  });

  it('a token longer than any word matches nothing instead of reaching the engine', () => {
    expect(tokenClause('prefix', 'name', 'x'.repeat(MAX_TOKEN + 1))).toEqual({ match_none: {} });
    expect(tokenClause('term', 'name', 'cardio', 10)).toEqual({ term: { name: { value: 'cardio', boost: 10 } } });
  });

  it('the synonym rules come from the table of src/indexing/french.ts', () => {
    const rules = synonymRules();
    expect(rules).toContain('ehpad, établissement d\'hébergement pour personnes âgées dépendantes, maison de retraite');
    expect(rules).toContain('médecine chirurgie obstétrique => mco');
    expect(rules).toContain('hémodialyse => hémodialyse, dialyse');
  });
});
