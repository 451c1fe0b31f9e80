/**
 * The embedded offer index: the OfferIndex port (src/store/offer-index.ts). Documents are kept durably in their own
 * SQLite file `<dataDir>/offer.sqlite` (WAL, offer-schema.ts), apart from the store's: derived data, rebuilt from
 * the store when lost or when its schema changes (`needsRebuild`). Queries are answered from memory by the offer
 * engine (offer-engine/engine.ts), loaded from the stored entries at open and kept in step by `apply`: SQLite first
 * (one transaction), then the engine, so what a query sees is always what is stored. A hit's document is read back
 * from SQLite by its row id. Text is analysed in JavaScript (src/indexing/french.ts) when a document is written.
 *
 * better-sqlite3 is synchronous: `applyNow` lets a caller that already is in a synchronous write path (the kernel's
 * commit) update the index at once; the port's `apply` is the same in a promise.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { OfferDocument, OfferHit, OfferIndex, OfferQuery, OfferResult, OfferSuggestion } from '../offer-index';
import { OfferQueryError } from '../offer-index';
import { clearOfferTables, ensureOfferSchema } from './offer-schema';
import { analysedEntry, type CodeFacet } from './offer-rows';
import { decodeOfferCursor, encodeOfferCursor } from './offer-query';
import { OfferEngine, type StoredEntry } from './offer-engine/engine';

export type SqliteOfferIndexOptions = { dataDir: string; fileName?: string } | { inMemory: true };

type Change =
  | { kind: 'put'; id: string; row: number; entry: StoredEntry; old?: StoredEntry; labels: [number, string][] }
  | { kind: 'remove'; id: string; old: StoredEntry };

export class SqliteOfferIndex implements OfferIndex {
  private readonly db: Database.Database;
  /** True when the index was created empty on open (new file, or a schema of another version dropped). */
  readonly needsRebuild: boolean;
  private closed = false;
  private readonly stmts;
  private readonly engine = new OfferEngine();
  /** How long loading the engine from the stored entries took at open (ms). */
  readonly loadMs: number;

  constructor(options: SqliteOfferIndexOptions) {
    let file = ':memory:';
    if ('dataDir' in options) {
      fs.mkdirSync(options.dataDir, { recursive: true });
      file = path.join(options.dataDir, options.fileName ?? 'offer.sqlite');
    }
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    // Derived data: a crash may lose the last commits of the index (a rebuild restores them), never corrupt it.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.needsRebuild = ensureOfferSchema(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.stmts = {
      old: p('SELECT entry FROM offer_docs WHERE id = ?').pluck(),
      remove: p('DELETE FROM offer_docs WHERE id = ?'),
      upsert: p(`INSERT INTO offer_docs (id, json, entry) VALUES (?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET json = excluded.json, entry = excluded.entry RETURNING doc`).pluck(),
      json: p('SELECT json FROM offer_docs WHERE doc = ?').pluck(),
      all: p('SELECT doc, id, entry FROM offer_docs ORDER BY doc').raw(),
      terms: p('SELECT id, term FROM offer_terms ORDER BY id').raw(),
      codes: p('SELECT id, facet, code, label FROM offer_codes ORDER BY id').raw(),
      insertTerm: p('INSERT OR IGNORE INTO offer_terms (id, term) VALUES (?, ?)'),
      insertCode: p('INSERT OR IGNORE INTO offer_codes (id, facet, code, label) VALUES (?, ?, ?, ?)'),
      setLabel: p('UPDATE offer_codes SET label = ? WHERE id = ?'),
    };
    const start = performance.now();
    if (!this.needsRebuild) this.load();
    this.loadMs = performance.now() - start;
  }

  /** Fills the engine from the stored entries. */
  private load(): void {
    const s = this.stmts;
    for (const [id, term] of s.terms.iterate() as IterableIterator<[number, string]>) this.engine.restoreTerm(id, term);
    for (const [id, facet, code, label] of s.codes.iterate() as IterableIterator<[number, CodeFacet, string, string]>) {
      this.engine.restoreCode(id, facet, code, label);
    }
    for (const [row, id, entry] of s.all.iterate() as IterableIterator<[number, string, string]>) {
      this.engine.put(id, row, JSON.parse(entry) as StoredEntry);
    }
    this.engine.prepare();
  }

  async apply(changes: { put: OfferDocument[]; remove: string[] }): Promise<void> {
    this.applyNow(changes);
  }

  /** `apply`, synchronously: one transaction, then the engine. */
  applyNow(changes: { put: OfferDocument[]; remove: string[] }): void {
    this.open();
    const s = this.stmts;
    const done: Change[] = [];
    this.db.transaction(() => {
      /** The entry of each id as this apply leaves it so far (null: removed). */
      const current = new Map<string, StoredEntry | null>();
      const oldOf = (id: string): StoredEntry | undefined => {
        if (current.has(id)) return current.get(id) ?? undefined;
        const json = s.old.get(id) as string | undefined;
        return json === undefined ? undefined : (JSON.parse(json) as StoredEntry);
      };
      for (const id of changes.remove) {
        const old = oldOf(id);
        if (!old) continue;
        s.remove.run(id);
        done.push({ kind: 'remove', id, old });
        current.set(id, null);
      }
      for (const doc of changes.put) {
        const old = oldOf(doc.id);
        const { entry, labels } = this.engine.encode(analysedEntry(doc));
        const row = s.upsert.get(doc.id, JSON.stringify(doc), JSON.stringify(entry)) as number;
        done.push({ kind: 'put', id: doc.id, row, entry, old, labels });
        current.set(doc.id, entry);
      }
      // The terms and codes first used here (or by an apply that failed), then the labels written anew.
      const fresh = this.engine.unpersisted();
      for (const [id, term] of fresh.terms) s.insertTerm.run(id, term);
      for (const [id, facet, code, label] of fresh.codes) s.insertCode.run(id, facet, code, label);
      for (const c of done) if (c.kind === 'put') for (const [id, label] of c.labels) s.setLabel.run(label, id);
    })();
    this.engine.persisted();
    for (const c of done) {
      if (c.kind === 'remove') {
        this.engine.remove(c.id, c.old);
      } else {
        this.engine.put(c.id, c.row, c.entry, c.old);
        this.engine.setLabels(c.labels);
      }
    }
  }

  async search(query: OfferQuery): Promise<OfferResult> {
    this.open();
    const offset = decodeOfferCursor(query);
    const r = this.engine.search(query, offset);
    const hits: OfferHit[] = r.hits.map((h) => {
      const document = JSON.parse(this.stmts.json.get(h.row) as string) as OfferDocument;
      const hit: OfferHit = { document, score: h.score };
      if (h.distanceKm !== undefined) hit.distanceKm = h.distanceKm;
      return hit;
    });
    const result: OfferResult = { total: r.total, hits, facets: r.facets };
    if (offset + hits.length < r.total && hits.length > 0) result.next = encodeOfferCursor(query, offset + hits.length);
    return result;
  }

  async suggest(text: string, options: { limit: number; hideSensitive: boolean }): Promise<OfferSuggestion[]> {
    this.open();
    if (!Number.isInteger(options.limit) || options.limit < 0) throw new OfferQueryError(`limit must be a whole number ≥ 0, not ${options.limit}`);
    return this.engine.suggest(text, options.limit, options.hideSensitive);
  }

  async clear(): Promise<void> {
    this.open();
    this.db.transaction(() => clearOfferTables(this.db))();
    this.engine.clear();
  }

  async count(): Promise<number> {
    this.open();
    return this.engine.size;
  }

  /** Sizes of the in-memory engine (for the bench's memory report). */
  stats(): ReturnType<OfferEngine['stats']> & { loadMs: number } {
    return { ...this.engine.stats(), loadMs: this.loadMs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma('optimize');
    } finally {
      this.db.close();
    }
  }

  private open(): void {
    if (this.closed) throw new Error('the offer index is closed');
  }
}
