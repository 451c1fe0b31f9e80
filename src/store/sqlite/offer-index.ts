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
 *
 * Every write raises the file's change counter and is handed, once committed, to the listeners of `onChange`: the
 * search threads' replicas (./offer-replica.ts, src/offer/search-threads) follow the index that way.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { OfferDocument, OfferIndex, OfferQuery, OfferResult, OfferSuggestion } from '../offer-index';
import { clearOfferTables, ensureOfferSchema, NEXT_OFFER_CHANGE, offerChangeCount } from './offer-schema';
import { OfferDocuments } from './offer-documents';
import { analysedEntry } from './offer-rows';
import { OfferEngine, type StoredEntry } from './offer-engine/engine';
import { applyToEngine, loadEngine, searchEngine, suggestFromEngine, type EngineChange, type OfferIndexChange } from './offer-reading';

export type SqliteOfferIndexOptions = ({ dataDir: string; fileName?: string } | { inMemory: true }) & {
  /** From how many documents a term keeps its facet counts and ranked order (offer-engine/term-facet-counts.ts, ranked-terms.ts; tests change it). */
  frequentTermMinDocs?: number;
};

export class SqliteOfferIndex implements OfferIndex {
  private readonly db: Database.Database;
  /** True when the index was created empty on open (new file, or a schema of another version dropped). */
  readonly needsRebuild: boolean;
  private closed = false;
  private readonly stmts;
  private readonly engine: OfferEngine;
  /** How long loading the engine from the stored entries took at open (ms). */
  readonly loadMs: number;
  /** The file, for replicas to open (undefined in memory). */
  readonly file: string | undefined;
  private changeSeq: number;
  private readonly documents: OfferDocuments;
  private readonly listeners = new Set<(change: OfferIndexChange) => void>();

  constructor(options: SqliteOfferIndexOptions) {
    this.engine = new OfferEngine({ frequentTermMinDocs: options.frequentTermMinDocs });
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
    this.file = file === ':memory:' ? undefined : file;
    this.needsRebuild = ensureOfferSchema(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.stmts = {
      old: p('SELECT entry FROM offer_docs WHERE id = ?').pluck(),
      remove: p('DELETE FROM offer_docs WHERE id = ?'),
      upsert: p(`INSERT INTO offer_docs (id, json, entry) VALUES (?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET json = excluded.json, entry = excluded.entry RETURNING doc`).pluck(),
      json: p('SELECT json FROM offer_docs WHERE doc = ?').pluck(),
      insertTerm: p('INSERT OR IGNORE INTO offer_terms (id, term) VALUES (?, ?)'),
      insertCode: p('INSERT OR IGNORE INTO offer_codes (id, facet, code, label) VALUES (?, ?, ?, ?)'),
      setLabel: p('UPDATE offer_codes SET label = ? WHERE id = ?'),
      nextChange: p(NEXT_OFFER_CHANGE).pluck(),
    };
    this.documents = new OfferDocuments((row) => this.stmts.json.get(row) as string | undefined);
    const start = performance.now();
    this.changeSeq = this.needsRebuild ? offerChangeCount(this.db) : loadEngine(this.db, this.engine);
    this.loadMs = performance.now() - start;
  }

  /** Calls `listener` with each write once committed, until the function returned is called. */
  onChange(listener: (change: OfferIndexChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The change counter of the last write (what a replica loaded at the same time has seen). */
  get changeCount(): number {
    return this.changeSeq;
  }

  async apply(changes: { put: OfferDocument[]; remove: string[] }): Promise<void> {
    this.applyNow(changes);
  }

  /** `apply`, synchronously: one transaction, then the engine. */
  applyNow(changes: { put: OfferDocument[]; remove: string[] }): void {
    this.open();
    const s = this.stmts;
    const done: EngineChange[] = [];
    let fresh: ReturnType<OfferEngine['unpersisted']> = { terms: [], codes: [] };
    let seq = 0;
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
      fresh = this.engine.unpersisted();
      for (const [id, term] of fresh.terms) s.insertTerm.run(id, term);
      for (const [id, facet, code, label] of fresh.codes) s.insertCode.run(id, facet, code, label);
      for (const c of done) if (c.kind === 'put') for (const [id, label] of c.labels) s.setLabel.run(label, id);
      seq = this.stmts.nextChange.get() as number;
    })();
    this.engine.persisted();
    applyToEngine(this.engine, this.documents, done);
    this.changed({ seq, kind: 'apply', terms: fresh.terms, codes: fresh.codes, changes: done });
  }

  private changed(change: OfferIndexChange): void {
    this.changeSeq = change.seq;
    for (const listener of this.listeners) listener(change);
  }

  async search(query: OfferQuery): Promise<OfferResult> {
    this.open();
    return searchEngine(this.engine, this.documents, query);
  }

  async suggest(text: string, options: { limit: number; hideSensitive: boolean }): Promise<OfferSuggestion[]> {
    this.open();
    return suggestFromEngine(this.engine, text, options);
  }

  async clear(): Promise<void> {
    this.open();
    let seq = 0;
    this.db.transaction(() => {
      clearOfferTables(this.db);
      seq = this.stmts.nextChange.get() as number;
    })();
    this.engine.clear();
    this.documents.clear();
    this.changed({ seq, kind: 'clear' });
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
