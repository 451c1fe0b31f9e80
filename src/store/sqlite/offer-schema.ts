/**
 * The tables of the embedded offer index (its own file, `offer.sqlite`: derived data, rebuilt from the store by
 * `npm run reindex-offer`, so a schema change drops and recreates them instead of migrating).
 *
 * - `offer_docs`: one row per document (the HealthcareService), its JSON and the scalar filter columns.
 * - `offer_codes`: (facet, code, doc) rows of the multi-valued filters and facets; the primary key drives a filter
 *   ("every doc of activity X"), the (doc, facet, code) index counts facets over a set of matches.
 * - `offer_labels`: the label of each (facet, code), the one of the document written last.
 * - `offer_text`: FTS5 over the analysed text (src/indexing/french.ts; tokens stored space-joined, so `unicode61`
 *   only splits them again), columns weighted at query time; contentless, rowid = `offer_docs.doc`.
 * - `offer_positions` + `offer_geo`: one R*Tree entry per location position, with the exact coordinates and the doc
 *   as auxiliary columns; `offer_positions` finds a doc's entries to delete them.
 * - `offer_suggest` + `offer_suggest_text`: the distinct names of type-ahead (units, establishments, communes) with
 *   how many active documents, and how many non-sensitive ones, carry each.
 *
 * Inactive documents have their rows in every table but the type-ahead ones (`offer_suggest*` count active documents
 * only); every query keeps to `offer_docs.active = 1` unless it asks for inactive units too (`includeInactive`, for
 * FHIR `_text`/`_content`). Version 2 added their rows: an index of version 1 is rebuilt.
 * - `offer_facet_counts`: per (facet, code), how many active documents, and how many active non-sensitive ones,
 *   carry it, kept by every write: the whole region's facets (`/offer/facets`, a search with no criterion) are read
 *   from it instead of counting every code row (hundreds of milliseconds at 20,000 units). Version 3 added it.
 */
import type Database from 'better-sqlite3';

/**
 * The tables' version, and the analyser's: its tokens are stored, so a change of either rebuilds the index.
 * Version 5: the analyser adds synonyms at index time (src/indexing/french.ts).
 */
export const OFFER_SCHEMA_VERSION = 5;

const TABLES = ['offer_docs', 'offer_codes', 'offer_facet_counts', 'offer_labels', 'offer_text', 'offer_positions', 'offer_geo', 'offer_suggest', 'offer_suggest_text'];

const DDL = `
CREATE TABLE offer_docs (
  doc INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  json TEXT NOT NULL,
  active INTEGER NOT NULL,
  sensitive INTEGER NOT NULL,
  department TEXT,
  region TEXT,
  age_low REAL,
  age_high REAL,
  free_total INTEGER NOT NULL,
  free_female INTEGER NOT NULL,
  free_male INTEGER NOT NULL,
  free_undetermined INTEGER NOT NULL,
  capacity_updated_at INTEGER,
  last_updated TEXT NOT NULL
);
CREATE INDEX offer_docs_free ON offer_docs (free_total DESC, id) WHERE active = 1;
CREATE INDEX offer_docs_fresh ON offer_docs (capacity_updated_at) WHERE active = 1;
CREATE INDEX offer_docs_active_id ON offer_docs (id) WHERE active = 1;
CREATE TABLE offer_codes (
  facet TEXT NOT NULL,
  code TEXT NOT NULL,
  doc INTEGER NOT NULL,
  PRIMARY KEY (facet, code, doc)
) WITHOUT ROWID;
CREATE INDEX offer_codes_doc ON offer_codes (doc, facet, code);
CREATE TABLE offer_facet_counts (
  facet TEXT NOT NULL,
  code TEXT NOT NULL,
  docs INTEGER NOT NULL,
  visible INTEGER NOT NULL,
  PRIMARY KEY (facet, code)
) WITHOUT ROWID;
CREATE TABLE offer_labels (
  facet TEXT NOT NULL,
  code TEXT NOT NULL,
  label TEXT NOT NULL,
  PRIMARY KEY (facet, code)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE offer_text USING fts5(
  name, labels, organization, place,
  content = '', contentless_delete = 1, tokenize = 'unicode61', prefix = '2 3'
);
CREATE TABLE offer_positions (pos INTEGER PRIMARY KEY, doc INTEGER NOT NULL);
CREATE INDEX offer_positions_doc ON offer_positions (doc);
CREATE VIRTUAL TABLE offer_geo USING rtree(pos, min_lat, max_lat, min_lon, max_lon, +doc, +lat, +lon);
CREATE TABLE offer_suggest (
  entry INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  folded TEXT NOT NULL,
  docs INTEGER NOT NULL,
  public_docs INTEGER NOT NULL,
  UNIQUE (kind, key)
);
CREATE VIRTUAL TABLE offer_suggest_text USING fts5(
  text, content = '', contentless_delete = 1, tokenize = 'unicode61', prefix = '1 2 3'
);
`;

/** Creates the tables, or recreates them when they are of another schema version. True when the index starts empty. */
export function ensureOfferSchema(db: Database.Database): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === OFFER_SCHEMA_VERSION) return false;
  db.transaction(() => {
    for (const table of TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.exec(DDL);
    db.pragma(`user_version = ${OFFER_SCHEMA_VERSION}`);
  })();
  return true;
}

/** Empties every table (before a full rebuild). */
export function clearOfferTables(db: Database.Database): void {
  for (const table of TABLES) {
    // A contentless FTS5 table is emptied by its 'delete-all' command.
    if (table === 'offer_text' || table === 'offer_suggest_text') db.exec(`INSERT INTO ${table} (${table}) VALUES ('delete-all')`);
    else db.exec(`DELETE FROM ${table}`);
  }
}
