/**
 * What the embedded offer index (./offer-index.ts) and its read-only replicas (./offer-replica.ts) do alike: load an
 * engine from the stored entries, and answer a query or a type-ahead from the engine, each hit's document read back
 * from SQLite by its row id, the next page's cursor made from the query.
 */
import type Database from 'better-sqlite3';
import type { OfferHit, OfferQuery, OfferResult, OfferSuggestion } from '../offer-index';
import { OfferQueryError } from '../offer-index';
import type { OfferEngine, StoredEntry } from './offer-engine/engine';
import { decodeOfferCursor, encodeOfferCursor } from './offer-query';
import type { OfferDocuments } from './offer-documents';
import type { CodeFacet } from './offer-rows';
import { offerChangeCount } from './offer-schema';

/**
 * Fills an empty engine from the stored terms, codes and entries, in one read transaction; the change counter that
 * transaction saw (the writes the engine now holds).
 */
export function loadEngine(db: Database.Database, engine: OfferEngine): number {
  const terms = db.prepare('SELECT id, term FROM offer_terms ORDER BY id').raw();
  const codes = db.prepare('SELECT id, facet, code, label FROM offer_codes ORDER BY id').raw();
  const all = db.prepare('SELECT doc, id, entry FROM offer_docs ORDER BY doc').raw();
  let seq = 0;
  db.transaction(() => {
    seq = offerChangeCount(db);
    for (const [id, term] of terms.iterate() as IterableIterator<[number, string]>) engine.restoreTerm(id, term);
    for (const [id, facet, code, label] of codes.iterate() as IterableIterator<[number, CodeFacet, string, string]>) {
      engine.restoreCode(id, facet, code, label);
    }
    for (const [row, id, entry] of all.iterate() as IterableIterator<[number, string, string]>) {
      engine.put(id, row, JSON.parse(entry) as StoredEntry);
    }
  })();
  engine.prepare();
  return seq;
}

/**
 * A query answered by the engine, its hits' documents from `documents`. A replica may answer a moment behind the
 * index: a document removed since has no row any more and is left out of the page.
 */
export function searchEngine(engine: OfferEngine, documents: OfferDocuments, query: OfferQuery): OfferResult {
  const offset = decodeOfferCursor(query);
  const r = engine.search(query, offset);
  const hits: OfferHit[] = [];
  for (const h of r.hits) {
    const document = documents.get(h.id, h.row);
    if (!document) continue;
    const hit: OfferHit = { document, score: h.score };
    if (h.distanceKm !== undefined) hit.distanceKm = h.distanceKm;
    hits.push(hit);
  }
  const result: OfferResult = { total: r.total, hits, facets: r.facets };
  if (offset + hits.length < r.total && hits.length > 0) result.next = encodeOfferCursor(query, offset + hits.length);
  return result;
}

export function suggestFromEngine(engine: OfferEngine, text: string, options: { limit: number; hideSensitive: boolean }): OfferSuggestion[] {
  if (!Number.isInteger(options.limit) || options.limit < 0) throw new OfferQueryError(`limit must be a whole number ≥ 0, not ${options.limit}`);
  return engine.suggest(text, options.limit, options.hideSensitive);
}

/** One document's change as the engine takes it (`labels`: the code labels a put writes anew). */
export type EngineChange =
  | { kind: 'put'; id: string; row: number; entry: StoredEntry; old?: StoredEntry; labels: [number, string][] }
  | { kind: 'remove'; id: string; old: StoredEntry };

/**
 * A committed write of the index, as its replicas receive it: `seq` is the change counter that write set; `apply`
 * carries the terms and codes it stored first (in id order) and its documents' changes, in order.
 */
export type OfferIndexChange =
  | { seq: number; kind: 'apply'; terms: [number, string][]; codes: [number, CodeFacet, string, string][]; changes: EngineChange[] }
  | { seq: number; kind: 'clear' };

/** Documents' changes into an engine, in order; their parsed copies forgotten. */
export function applyToEngine(engine: OfferEngine, documents: OfferDocuments, changes: readonly EngineChange[]): void {
  documents.forget(changes.map((c) => c.id));
  for (const c of changes) {
    if (c.kind === 'remove') {
      engine.remove(c.id, c.old);
    } else {
      engine.put(c.id, c.row, c.entry, c.old);
      engine.setLabels(c.labels);
    }
  }
}
