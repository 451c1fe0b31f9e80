/**
 * The Elasticsearch/OpenSearch offer index: the OfferIndex port (src/store/offer-index.ts) on a search engine, for
 * regions that outgrow the embedded index (README "Scaling out"). `OPENSEARCH_URL` or `ELASTICSEARCH_URL` selects it
 * (src/main.ts `openOfferIndex`); engine.ts picks the official client of that engine.
 *
 * Searches read an alias (`<name>`, default `ror-offer`) that points to one concrete index `<name>-<version>-<time>`
 * created with offer-mapping.ts's analysis and mappings. At first use the adapter creates it when missing
 * (`needsRebuild`: it starts empty), and reports `needsRebuild` too when the alias' index has another mapping
 * version: the server then rebuilds behind the alias (`beginRebuild`: a new index, filled from the store while the
 * old one keeps answering and live changes go to both, then one atomic alias swap; src/offer/rebuild.ts).
 *
 * Writes: one bulk request per `apply`, then a refresh (the index refreshes only then), so a batch becomes
 * searchable at once. A failed request (engine down) rejects: the OfferIndexer leaves the messages in the outbox and
 * tries again. Queries: offer-query.ts (no client value becomes query syntax).
 */
import type {
  OfferDocument, OfferHit, OfferIndex, OfferQuery, OfferResult, OfferSuggestion,
} from '../offer-index';
import { OfferQueryError } from '../offer-index';
import { analyzeQuery, foldedWords } from '../../indexing/french';
import { EngineError, openSearchEngine, type EngineKind, type SearchEngine } from './engine';
import { FACET_SEPARATOR, MAPPING_VERSION, OFFER_MAPPINGS, OFFER_SETTINGS, offerSource } from './offer-mapping';
import { tokenClause, checkQuery, decodeCursor, encodeCursor, filterClauses, sortOf, textClauses } from './offer-query';

export interface ElasticOfferIndexOptions {
  kind: EngineKind;
  url: string;
  /** The alias searched (default `ror-offer`); concrete indexes are named after it. */
  name?: string;
}

type Json = Record<string, unknown>;
interface SearchResponse {
  hits: { total: { value: number }; hits: { _source: { document: OfferDocument }; _score: number | null; sort?: unknown[] }[] };
  aggregations?: Record<string, unknown>;
}
interface Bucket { key: string; doc_count: number }

/** Where writes go: the live index, and during a rebuild the new one too. */
interface Target { index: string; skip?: Set<string> }

export class ElasticOfferIndex implements OfferIndex {
  private readonly engine: SearchEngine;
  readonly alias: string;
  private init?: Promise<void>;
  private rebuildNeeded = false;
  /** The index being built behind the alias, with the ids live writes already put in it. */
  private building?: { index: string; live: Set<string> };
  private closed = false;

  constructor(private readonly options: ElasticOfferIndexOptions) {
    this.engine = openSearchEngine(options.kind, options.url);
    this.alias = options.name ?? 'ror-offer';
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(this.alias)) throw new Error(`offer index name must be lower-case letters, digits, - and _, not '${this.alias}'`);
  }

  /** Known once `ready()` resolved: true when the index was created empty or is of an older mapping version. */
  get needsRebuild(): boolean {
    return this.rebuildNeeded;
  }

  get kind(): EngineKind {
    return this.options.kind;
  }

  /** Creates the index and its alias when missing; a failure (engine down) is retried by the next call. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the offer index is closed'));
    this.init ??= this.setUp().catch((err: unknown) => {
      this.init = undefined;
      throw err;
    });
    return this.init;
  }

  private async setUp(): Promise<void> {
    const current = await this.aliasIndex();
    if (!current) {
      const index = await this.createIndex();
      try {
        await this.engine.request({ method: 'POST', path: '/_aliases', body: { actions: [{ add: { index, alias: this.alias } }] } });
      } catch (err) {
        // Another instance made the alias first: use its index.
        await this.engine.request({ method: 'DELETE', path: `/${index}` }).catch(() => undefined);
        if (!(await this.aliasIndex())) throw err;
        return;
      }
      this.rebuildNeeded = true;
      return;
    }
    const mapping = await this.engine.request<Record<string, { mappings?: { _meta?: { version?: string } } }>>({ method: 'GET', path: `/${current}/_mapping` });
    this.rebuildNeeded = mapping[current]?.mappings?._meta?.version !== MAPPING_VERSION;
  }

  /** The concrete index behind the alias, if any. */
  private async aliasIndex(): Promise<string | undefined> {
    try {
      const res = await this.engine.request<Record<string, unknown>>({ method: 'GET', path: `/_alias/${this.alias}` });
      return Object.keys(res)[0];
    } catch (err) {
      if (err instanceof EngineError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async createIndex(): Promise<string> {
    const index = `${this.alias}-${MAPPING_VERSION}-${Date.now()}${Math.floor(Math.random() * 1000)}`;
    await this.engine.request({
      method: 'PUT',
      path: `/${index}`,
      body: { settings: { index: OFFER_SETTINGS }, mappings: { ...OFFER_MAPPINGS, _meta: { version: MAPPING_VERSION } } },
    });
    return index;
  }

  async apply(changes: { put: OfferDocument[]; remove: string[] }): Promise<void> {
    await this.ready();
    const targets: Target[] = [{ index: this.alias }];
    if (this.building) {
      targets.push({ index: this.building.index });
      for (const d of changes.put) this.building.live.add(d.id);
      for (const id of changes.remove) this.building.live.add(id);
    }
    for (const t of targets) await this.write(t, changes);
  }

  private async write(target: Target, changes: { put: OfferDocument[]; remove: string[] }): Promise<void> {
    const lines: unknown[] = [];
    const now = Date.now();
    for (const id of changes.remove) if (!target.skip?.has(id)) lines.push({ delete: { _index: target.index, _id: id } });
    for (const doc of changes.put) {
      if (target.skip?.has(doc.id)) continue;
      lines.push({ index: { _index: target.index, _id: doc.id } }, offerSource(doc, now));
    }
    if (lines.length) {
      const res = await this.engine.request<{ errors: boolean; items: Record<string, { status: number; error?: { type: string; reason: string } }>[] }>({
        method: 'POST',
        path: '/_bulk',
        lines,
      });
      if (res.errors) {
        const failed = res.items.map((i) => Object.values(i)[0]).filter((r) => r.error);
        if (failed.length) throw new EngineError(`search engine: ${failed.length} documents not written (${failed[0].error!.type}: ${failed[0].error!.reason})`, failed[0].status);
      }
    }
    await this.engine.request({ method: 'POST', path: `/${target.index}/_refresh` });
  }

  async search(query: OfferQuery): Promise<OfferResult> {
    checkQuery(query);
    await this.ready();
    const text = textClauses(query.text, !!query.prefix);
    const hasText = text.length > 0;
    const { sort, distanceAt, kinds } = sortOf(query, hasText);
    const after = decodeCursor(query, kinds);
    const facets = [...new Set(query.facets)];
    const body: Json = {
      query: { bool: { must: text, filter: filterClauses(query) } },
      sort,
      size: query.limit > 0 ? query.limit + 1 : 0,
      track_total_hits: true,
      track_scores: hasText,
      _source: ['document'],
      aggs: Object.fromEntries(facets.map((f) => [f, { terms: { field: `facets.${f}`, size: 10_000 } }])),
    };
    if (after) body.search_after = after;
    const res = await this.engine.request<SearchResponse>({ method: 'POST', path: `/${this.alias}/_search`, body });
    const page = res.hits.hits.slice(0, query.limit);
    const hits: OfferHit[] = page.map((h) => {
      const hit: OfferHit = { document: h._source.document, score: hasText ? (h._score ?? 0) : 0 };
      if (distanceAt !== undefined) hit.distanceKm = Number(h.sort![distanceAt]);
      return hit;
    });
    const result: OfferResult = { total: res.hits.total.value, hits, facets: {} };
    for (const f of facets) result.facets[f] = facetValues((res.aggregations?.[f] as { buckets: Bucket[] } | undefined)?.buckets ?? []);
    if (res.hits.hits.length > query.limit && page.length > 0) result.next = encodeCursor(query, page[page.length - 1].sort!);
    return result;
  }

  async suggest(text: string, options: { limit: number; hideSensitive: boolean }): Promise<OfferSuggestion[]> {
    if (!Number.isInteger(options.limit) || options.limit < 0) throw new OfferQueryError(`limit must be a whole number ≥ 0, not ${options.limit}`);
    if (typeof text !== 'string') throw new OfferQueryError('text must be a string');
    const analyzed = analyzeQuery(text, true);
    if (options.limit === 0 || (!analyzed.terms.length && !analyzed.prefix)) return [];
    await this.ready();
    const match = (field: string): Json[] => [
      ...analyzed.terms.map((t) => tokenClause('term', field, t)),
      ...(analyzed.prefix ? [tokenClause('prefix', field, analyzed.prefix)] : []),
    ];
    const visible: Json[] = [{ term: { active: true } }, ...(options.hideSensitive ? [{ term: { sensitive: false } }] : [])];
    const wide = Math.min(100, options.limit * 5);
    const search = (body: Json) => this.engine.request<SearchResponse>({ method: 'POST', path: `/${this.alias}/_search`, body });
    const [units, orgs, communes] = await Promise.all([
      search({ query: { bool: { filter: visible, must: match('unitNames') } }, size: wide, _source: ['document.id', 'document.name'], sort: ['_score', { id: 'asc' }] }),
      search({
        query: { bool: { filter: visible, must: match('orgNames') } },
        size: 0,
        aggs: { orgs: { terms: { field: 'orgId', size: wide }, aggs: { latest: { top_hits: { size: 1, sort: [{ indexedAt: 'desc' }], _source: ['document.organization.name'] } } } } },
      }),
      search({
        query: { bool: { filter: [...visible, { nested: { path: 'communes', query: { bool: { must: match('communes.names') } } } }] } },
        size: 0,
        aggs: {
          communes: {
            nested: { path: 'communes' },
            aggs: {
              matching: {
                filter: { bool: { must: match('communes.names') } },
                aggs: { codes: { terms: { field: 'communes.code', size: wide }, aggs: { label: { terms: { field: 'communes.label', size: 1 } } } } },
              },
            },
          },
        },
      }),
    ]);
    const found: (OfferSuggestion & { docs: number })[] = [];
    for (const h of units.hits.hits) found.push({ kind: 'unit', id: h._source.document.id, label: h._source.document.name, docs: 1 });
    const orgBuckets = ((orgs.aggregations?.orgs as { buckets: (Bucket & { latest: { hits: { hits: { _source: { document: OfferDocument } }[] } } })[] })?.buckets ?? []);
    for (const b of orgBuckets) found.push({ kind: 'establishment', id: b.key, label: b.latest.hits.hits[0]?._source.document.organization.name ?? b.key, docs: b.doc_count });
    const communeBuckets = ((communes.aggregations?.communes as { matching: { codes: { buckets: (Bucket & { label: { buckets: Bucket[] } })[] } } })?.matching.codes.buckets ?? []);
    for (const b of communeBuckets) found.push({ kind: 'commune', id: b.key, label: b.label.buckets[0]?.key ?? b.key, docs: b.doc_count });
    const typed = foldedWords(text);
    const startsTyped = (s: { label: string }) => (foldedWords(s.label).startsWith(typed) ? 1 : 0);
    found.sort((a, b) => startsTyped(b) - startsTyped(a) || b.docs - a.docs || cmp(a.label, b.label) || cmp(a.kind, b.kind) || cmp(a.id, b.id));
    return found.slice(0, options.limit).map(({ kind, id, label }) => ({ kind, id, label }));
  }

  /** A new empty index swapped in behind the alias (no per-document deletes), the old one deleted. */
  async clear(): Promise<void> {
    await this.ready();
    await this.swapIn(await this.createIndex());
  }

  /** Points the alias at `index` in one atomic change and deletes the index it pointed to. */
  private async swapIn(index: string): Promise<void> {
    const old = await this.aliasIndex();
    const actions: Json[] = [{ add: { index, alias: this.alias } }];
    if (old) actions.unshift({ remove: { index: old, alias: this.alias } });
    await this.engine.request({ method: 'POST', path: '/_aliases', body: { actions } });
    if (old) await this.engine.request({ method: 'DELETE', path: `/${old}` }).catch(() => undefined);
  }

  async count(): Promise<number> {
    await this.ready();
    const res = await this.engine.request<{ count: number }>({ method: 'POST', path: `/${this.alias}/_count`, body: { query: { match_all: {} } } });
    return res.count;
  }

  /**
   * Starts a rebuild without downtime: a new index of the current mapping that `fill` writes into while searches
   * keep reading the alias; live `apply`s go to both, and a document a live change wrote is not overwritten by the
   * (older) one of the rebuild. `commit` swaps the alias atomically and deletes the old index; `abort` drops the new one.
   */
  async beginRebuild(): Promise<{ fill: OfferIndex; commit(): Promise<void>; abort(): Promise<void> }> {
    await this.ready();
    if (this.building) throw new Error('the offer index is already being rebuilt');
    const index = await this.createIndex();
    const live = new Set<string>();
    this.building = { index, live };
    const fill: OfferIndex = {
      apply: (changes) => this.write({ index, skip: live }, changes),
      search: () => Promise.reject(new Error('a rebuild target is not searched')),
      suggest: () => Promise.reject(new Error('a rebuild target is not searched')),
      clear: async () => undefined,
      count: async () => (await this.engine.request<{ count: number }>({ method: 'GET', path: `/${index}/_count` })).count,
      close: async () => undefined,
    };
    return {
      fill,
      commit: async () => {
        await this.swapIn(index);
        this.building = undefined;
        this.rebuildNeeded = false;
      },
      abort: async () => {
        this.building = undefined;
        await this.engine.request({ method: 'DELETE', path: `/${index}` }).catch(() => undefined);
      },
    };
  }

  /** Deletes the alias and every index of this name (tests and `npm run engines`' clean-up). */
  async drop(): Promise<void> {
    await this.engine.request({ method: 'DELETE', path: `/${this.alias}-*` }).catch((err: unknown) => {
      if (!(err instanceof EngineError && err.status === 404)) throw err;
    });
    this.init = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.engine.close();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Facet buckets (`code␟label` keys) merged by code, the label most documents carry; largest counts first. */
function facetValues(buckets: Bucket[]): { code: string; label: string; count: number }[] {
  const byCode = new Map<string, { code: string; label: string; count: number; labelCount: number }>();
  for (const b of buckets) {
    const at = b.key.indexOf(FACET_SEPARATOR);
    const code = b.key.slice(0, at);
    const label = b.key.slice(at + 1);
    const c = byCode.get(code);
    if (!c) byCode.set(code, { code, label, count: b.doc_count, labelCount: b.doc_count });
    else {
      c.count += b.doc_count;
      if (b.doc_count > c.labelCount) Object.assign(c, { label, labelCount: b.doc_count });
    }
  }
  return [...byCode.values()]
    .map(({ code, label, count }) => ({ code, label, count }))
    .sort((a, b) => b.count - a.count || cmp(a.code, b.code));
}
