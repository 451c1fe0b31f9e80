/**
 * The tables of the embedded offer index (its own file, `offer.sqlite`: derived data, rebuilt from the store by
 * `npm run reindex-offer`, so a schema change drops and recreates it instead of migrating).
 *
 * - `offer_docs`: one row per document (the HealthcareService): its JSON (what a hit returns) and its entry
 *   (offer-engine/engine.ts `StoredEntry`: the analysed terms with their weights, codes, positions, type-ahead
 *   names, filter values), from which the in-memory engine is loaded at open without analysing any text again.
 * - `offer_terms`, `offer_codes`: the ids of the entries' terms and (facet, code) pairs, with each code's label (the
 *   one an active document wrote last). Ids are never reused; a clear keeps them.
 * - `offer_changes`: one counter, raised by every write of the index in its transaction: a reader that loads the
 *   index in one read transaction knows which writes it has seen (the search threads' replicas,
 *   ./offer-replica.ts). Added without a version change: `CREATE TABLE IF NOT EXISTS` at every open.
 *
 * Queries never read SQL: they are answered by the engine, which `apply` keeps in step with this table. Versions 1–4
 * held FTS5, R*Tree and code tables that were queried directly (too slow at national scale, BENCHMARKS.md "Offer
 * search"): they are dropped, and the index is rebuilt.
 */
import type Database from 'better-sqlite3';

/**
 * The tables' version, and the analyser's: terms are stored, so a change of either rebuilds the index.
 * Version 5: the analyser adds synonyms at index time (src/indexing/french.ts); version 6: analysed entries for the
 * in-memory engine (./offer-engine) replace FTS5 and the R*Tree.
 */
export const OFFER_SCHEMA_VERSION = 6;

/** Every table any version created, dropped on a version change. */
const TABLES = ['offer_docs', 'offer_terms', 'offer_codes', 'offer_facet_counts', 'offer_labels', 'offer_text', 'offer_positions', 'offer_geo', 'offer_suggest', 'offer_suggest_text'];

const DDL = `
CREATE TABLE offer_docs (
  doc INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  json TEXT NOT NULL,
  entry TEXT NOT NULL
);
CREATE TABLE offer_terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL);
CREATE TABLE offer_codes (id INTEGER PRIMARY KEY, facet TEXT NOT NULL, code TEXT NOT NULL, label TEXT NOT NULL);
`;

const CHANGES_DDL = `
CREATE TABLE IF NOT EXISTS offer_changes (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL);
INSERT OR IGNORE INTO offer_changes (one, seq) VALUES (1, 0);
`;

/** Creates the tables, or recreates them when they are of another schema version. True when the index starts empty. */
export function ensureOfferSchema(db: Database.Database): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === OFFER_SCHEMA_VERSION) {
    db.exec(CHANGES_DDL);
    return false;
  }
  db.transaction(() => {
    for (const table of TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.exec(DDL);
    db.exec(CHANGES_DDL);
    db.pragma(`user_version = ${OFFER_SCHEMA_VERSION}`);
  })();
  return true;
}

/** Raises the change counter (run inside a write's transaction; prepared once by the index): its new value. */
export const NEXT_OFFER_CHANGE = 'UPDATE offer_changes SET seq = seq + 1 RETURNING seq';

/** The change counter: how many writes the index has committed (as this connection sees it). */
export function offerChangeCount(db: Database.Database): number {
  return (db.prepare('SELECT seq FROM offer_changes').pluck().get() as number | undefined) ?? 0;
}

/** Removes every document (before a full rebuild); the ids of terms and codes stay. */
export function clearOfferTables(db: Database.Database): void {
  db.exec('DELETE FROM offer_docs');
}
