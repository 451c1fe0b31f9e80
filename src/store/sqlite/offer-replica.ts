/**
 * A read-only replica of the embedded offer index, for the search threads (src/offer/search-threads): its own
 * connection to `offer.sqlite` (read-only) and its own engine, loaded from the stored entries in one read transaction,
 * then kept in step by `receive`, fed with the writes the index hands to its `onChange` listeners.
 *
 * The load and the writes may cross (the index keeps writing while a replica loads): the load knows the change
 * counter its transaction saw, and `receive` passes over the writes at or below it, so each write is taken exactly
 * once whatever the timing. A write that skips a number (one lost on its way) means this replica can no longer be
 * trusted: it says so by throwing, and its owner replaces it.
 */
import Database from 'better-sqlite3';
import type { OfferDocument, OfferIndex, OfferQuery, OfferResult, OfferSuggestion } from '../offer-index';
import { OfferEngine } from './offer-engine/engine';
import { OfferDocuments } from './offer-documents';
import { applyToEngine, loadEngine, searchEngine, suggestFromEngine, type OfferIndexChange } from './offer-reading';
import { OFFER_SCHEMA_VERSION } from './offer-schema';

export class OfferReplica implements OfferIndex {
  private readonly db: Database.Database;
  private readonly engine = new OfferEngine();
  private readonly documents: OfferDocuments;
  private seq: number;
  private closed = false;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version !== OFFER_SCHEMA_VERSION) {
      this.db.close();
      throw new Error(`offer index ${file} is of schema ${version}, not ${OFFER_SCHEMA_VERSION}: open it read-write first`);
    }
    const json = this.db.prepare('SELECT json FROM offer_docs WHERE doc = ?').pluck();
    this.documents = new OfferDocuments((row) => json.get(row) as string | undefined);
    this.seq = loadEngine(this.db, this.engine);
  }

  /** The change counter of the last write this replica holds. */
  get changeCount(): number {
    return this.seq;
  }

  /** A write of the index (in the order they were made); one this replica loaded already is passed over. */
  receive(change: OfferIndexChange): void {
    if (change.seq <= this.seq) return;
    if (change.seq !== this.seq + 1) throw new Error(`offer replica: write ${change.seq} received after ${this.seq}; writes in between were lost`);
    if (change.kind === 'clear') {
      this.engine.clear();
      this.documents.clear();
    } else {
      this.engine.restoreNew(change.terms, change.codes);
      applyToEngine(this.engine, this.documents, change.changes);
    }
    this.seq = change.seq;
  }

  async search(query: OfferQuery): Promise<OfferResult> {
    this.open();
    return searchEngine(this.engine, this.documents, query);
  }

  async suggest(text: string, options: { limit: number; hideSensitive: boolean }): Promise<OfferSuggestion[]> {
    this.open();
    return suggestFromEngine(this.engine, text, options);
  }

  async count(): Promise<number> {
    this.open();
    return this.engine.size;
  }

  async apply(_changes: { put: OfferDocument[]; remove: string[] }): Promise<void> {
    throw new Error('an offer replica is read-only: write through the offer index');
  }

  async clear(): Promise<void> {
    throw new Error('an offer replica is read-only: write through the offer index');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private open(): void {
    if (this.closed) throw new Error('the offer replica is closed');
  }
}
