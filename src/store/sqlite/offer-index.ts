/**
 * The embedded offer index: the OfferIndex port (src/store/offer-index.ts) on SQLite FTS5 + R*Tree, in its own
 * database file `<dataDir>/offer.sqlite` (WAL), apart from the store's: it is derived data, rebuilt from the store
 * when lost or when its schema changes (`needsRebuild`). Tables: offer-schema.ts; what a document writes:
 * offer-rows.ts; the SQL of a query: offer-query.ts. Text is analysed in JavaScript (src/indexing/french.ts) at
 * index and query time, so SQLite only ever sees tokens.
 *
 * better-sqlite3 is synchronous: `applyNow` lets a caller that already is in a synchronous write path (the kernel's
 * commit) update the index at once; the port's `apply` is the same in a promise.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { foldedWords } from '../../indexing/french';
import type {
  OfferDocument, OfferFacet, OfferHit, OfferIndex, OfferQuery, OfferResult, OfferSuggestion,
} from '../offer-index';
import { OfferQueryError } from '../offer-index';
import { clearOfferTables, ensureOfferSchema } from './offer-schema';
import { codeRows, positions, suggestionRows, textRow, type SuggestionRow } from './offer-rows';
import { distanceKm } from '../../indexing/geo';
import { decodeOfferCursor, encodeOfferCursor, ftsExpression, matchSql, orderBy } from './offer-query';

export type SqliteOfferIndexOptions = { dataDir: string; fileName?: string } | { inMemory: true };

const FACETS: readonly OfferFacet[] = ['activity', 'careMode', 'department', 'category', 'specialty', 'region'];

interface MatchRow { doc: number; id: string; free_total: number; rank: number; dist: number | null; total?: number }

export class SqliteOfferIndex implements OfferIndex {
  private readonly db: Database.Database;
  /** True when the index was created empty on open (new file, or a schema of another version dropped). */
  readonly needsRebuild: boolean;
  private closed = false;
  private readonly stmts;
  private readonly statementCache = new Map<string, Database.Statement>();

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
    this.db.pragma('temp_store = MEMORY');
    this.db.function('offer_km', { deterministic: true }, (lat1, lon1, lat2, lon2) =>
      distanceKm(lat1 as number, lon1 as number, lat2 as number, lon2 as number),
    );
    this.needsRebuild = ensureOfferSchema(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.stmts = {
      oldDoc: p('SELECT doc, json, active FROM offer_docs WHERE id = ?'),
      deleteDoc: p('DELETE FROM offer_docs WHERE doc = ?'),
      deleteCodes: p('DELETE FROM offer_codes WHERE doc = ?'),
      deleteText: p('DELETE FROM offer_text WHERE rowid = ?'),
      positionsOf: p('SELECT pos FROM offer_positions WHERE doc = ?').pluck(),
      deleteGeo: p('DELETE FROM offer_geo WHERE pos = ?'),
      deletePositions: p('DELETE FROM offer_positions WHERE doc = ?'),
      insertDoc: p(`INSERT INTO offer_docs (id, json, active, sensitive, department, region, age_low, age_high, free_total,
        free_female, free_male, free_undetermined, capacity_updated_at, last_updated)
        VALUES (@id, @json, @active, @sensitive, @department, @region, @age_low, @age_high, @free_total, @free_female,
        @free_male, @free_undetermined, @capacity_updated_at, @last_updated)`),
      insertCode: p('INSERT OR IGNORE INTO offer_codes (facet, code, doc) VALUES (?, ?, ?)'),
      codesOf: p('SELECT facet, code FROM offer_codes WHERE doc = ?'),
      countFacet: p(`INSERT INTO offer_facet_counts (facet, code, docs, visible) VALUES (@facet, @code, @docs, @visible)
        ON CONFLICT (facet, code) DO UPDATE SET docs = docs + excluded.docs, visible = visible + excluded.visible`),
      dropEmptyFacets: p('DELETE FROM offer_facet_counts WHERE docs <= 0'),
      upsertLabel: p(`INSERT INTO offer_labels (facet, code, label) VALUES (?, ?, ?)
        ON CONFLICT (facet, code) DO UPDATE SET label = excluded.label WHERE label <> excluded.label`),
      insertText: p('INSERT INTO offer_text (rowid, name, labels, organization, place) VALUES (?, ?, ?, ?, ?)'),
      insertPosition: p('INSERT INTO offer_positions (doc) VALUES (?)'),
      insertGeo: p('INSERT INTO offer_geo (pos, min_lat, max_lat, min_lon, max_lon, doc, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      suggestEntry: p('SELECT entry, label, docs, public_docs FROM offer_suggest WHERE kind = ? AND key = ?'),
      insertSuggest: p('INSERT INTO offer_suggest (kind, key, label, folded, docs, public_docs) VALUES (?, ?, ?, ?, ?, ?)'),
      updateSuggestCounts: p('UPDATE offer_suggest SET docs = ?, public_docs = ? WHERE entry = ?'),
      updateSuggestLabel: p('UPDATE offer_suggest SET label = ?, folded = ? WHERE entry = ?'),
      deleteSuggest: p('DELETE FROM offer_suggest WHERE entry = ?'),
      insertSuggestText: p('INSERT INTO offer_suggest_text (rowid, text) VALUES (?, ?)'),
      deleteSuggestText: p('DELETE FROM offer_suggest_text WHERE rowid = ?'),
      json: p('SELECT json FROM offer_docs WHERE doc = ?').pluck(),
      count: p('SELECT count(*) FROM offer_docs').pluck(),
    };
  }

  async apply(changes: { put: OfferDocument[]; remove: string[] }): Promise<void> {
    this.applyNow(changes);
  }

  /** `apply`, synchronously: one transaction. */
  applyNow(changes: { put: OfferDocument[]; remove: string[] }): void {
    this.open();
    this.db.transaction(() => {
      for (const id of changes.remove) this.removeDoc(id);
      for (const doc of changes.put) {
        this.removeDoc(doc.id);
        this.insertDoc(doc);
      }
    })();
  }

  private removeDoc(id: string): void {
    const s = this.stmts;
    const old = s.oldDoc.get(id) as { doc: number; json: string; active: number } | undefined;
    if (!old) return;
    if (old.active) {
      const sensitive = (JSON.parse(old.json) as OfferDocument).sensitive;
      for (const c of s.codesOf.all(old.doc) as { facet: string; code: string }[]) {
        s.countFacet.run({ facet: c.facet, code: c.code, docs: -1, visible: sensitive ? 0 : -1 });
      }
      s.dropEmptyFacets.run();
    }
    s.deleteDoc.run(old.doc);
    s.deleteCodes.run(old.doc);
    s.deleteText.run(old.doc);
    for (const pos of s.positionsOf.all(old.doc) as number[]) s.deleteGeo.run(pos);
    s.deletePositions.run(old.doc);
    if (!old.active) return; // an inactive document has no type-ahead names
    const before = JSON.parse(old.json) as OfferDocument;
    for (const row of suggestionRows(before)) this.countSuggestion(row, -1, before.sensitive ? 0 : -1);
  }

  private insertDoc(doc: OfferDocument): void {
    const s = this.stmts;
    const free = doc.capacity.free;
    const updatedAt = doc.capacity.updatedAt ? Date.parse(doc.capacity.updatedAt) : NaN;
    const { lastInsertRowid } = s.insertDoc.run({
      id: doc.id,
      json: JSON.stringify(doc),
      active: doc.active ? 1 : 0,
      sensitive: doc.sensitive ? 1 : 0,
      department: doc.organization.department ?? null,
      region: doc.organization.region ?? null,
      age_low: finiteOrNull(doc.ageRange?.low),
      age_high: finiteOrNull(doc.ageRange?.high),
      free_total: free.total,
      free_female: free.female,
      free_male: free.male,
      free_undetermined: free.undetermined,
      capacity_updated_at: Number.isFinite(updatedAt) ? updatedAt : null,
      last_updated: doc.lastUpdated,
    });
    const id = Number(lastInsertRowid);
    const counted = new Set<string>();
    for (const row of codeRows(doc)) {
      s.insertCode.run(row.facet, row.code, id);
      if (!doc.active) continue;
      s.upsertLabel.run(row.facet, row.code, row.label);
      const key = `${row.facet}|${row.code}`;
      if (counted.has(key)) continue; // a code twice on one document counts once, as in offer_codes
      counted.add(key);
      s.countFacet.run({ facet: row.facet, code: row.code, docs: 1, visible: doc.sensitive ? 0 : 1 });
    }
    const text = textRow(doc);
    s.insertText.run(id, text.name, text.labels, text.organization, text.place);
    for (const { lat, lon } of positions(doc)) {
      const pos = Number(s.insertPosition.run(id).lastInsertRowid);
      s.insertGeo.run(pos, lat, lat, lon, lon, id, lat, lon);
    }
    if (!doc.active) return;
    for (const row of suggestionRows(doc)) this.countSuggestion(row, 1, doc.sensitive ? 0 : 1);
  }

  /** Adds (or takes back) one document's use of a type-ahead name; a name no active document uses is removed. */
  private countSuggestion(row: SuggestionRow, docs: number, publicDocs: number): void {
    const s = this.stmts;
    const entry = s.suggestEntry.get(row.kind, row.key) as
      | { entry: number; label: string; docs: number; public_docs: number }
      | undefined;
    if (!entry) {
      if (docs <= 0) return;
      const id = Number(s.insertSuggest.run(row.kind, row.key, row.label, foldedWords(row.label), docs, publicDocs).lastInsertRowid);
      s.insertSuggestText.run(id, row.text);
      return;
    }
    const total = entry.docs + docs;
    if (total <= 0) {
      s.deleteSuggest.run(entry.entry);
      s.deleteSuggestText.run(entry.entry);
      return;
    }
    s.updateSuggestCounts.run(total, Math.max(0, entry.public_docs + publicDocs), entry.entry);
    // A name written anew (a renamed establishment) replaces the former one.
    if (docs > 0 && entry.label !== row.label) {
      s.updateSuggestLabel.run(row.label, foldedWords(row.label), entry.entry);
      s.deleteSuggestText.run(entry.entry);
      s.insertSuggestText.run(entry.entry, row.text);
    }
  }

  async search(query: OfferQuery): Promise<OfferResult> {
    this.open();
    const match = matchSql(query);
    const offset = decodeOfferCursor(query);
    let rows: MatchRow[] = [];
    let total: number | undefined;
    if (query.limit > 0) {
      // With text, every match is ranked before the first page anyway: the window count is free. Without, a page
      // stops early (the order follows an index) and the total is a count of its own.
      const windowed = match.hasText;
      rows = this.statement(
        `SELECT doc, id, free_total, rank, dist${windowed ? ', count(*) OVER () AS total' : ''} FROM (${match.sql}) ORDER BY ${orderBy(query)} LIMIT ? OFFSET ?`,
      ).all(...match.params, query.limit, offset) as MatchRow[];
      if (rows.length && windowed) total = rows[0].total;
      else if (rows.length && rows.length < query.limit) total = offset + rows.length;
    }
    // Otherwise (a full page without text, a page past the end, no page asked for) the total is counted on its own.
    total ??= this.statement(`SELECT count(*) FROM (${match.sql})`).pluck().get(...match.params) as number;
    const hits: OfferHit[] = rows.map((r) => {
      const document = JSON.parse(this.stmts.json.get(r.doc) as string) as OfferDocument;
      const hit: OfferHit = { document, score: match.hasText ? -r.rank : 0 };
      if (query.near) hit.distanceKm = r.dist as number;
      return hit;
    });
    const result: OfferResult = { total, hits, facets: this.facets(query, match.sql, match.params) };
    if (offset + rows.length < total && rows.length > 0) result.next = encodeOfferCursor(query, offset + rows.length);
    return result;
  }

  private facets(query: OfferQuery, sql: string, params: unknown[]): OfferResult['facets'] {
    const wanted = [...new Set(query.facets)];
    const out: OfferResult['facets'] = {};
    if (!wanted.length) return out;
    for (const f of wanted) {
      if (!FACETS.includes(f)) throw new OfferQueryError(`unknown facet '${f}'`);
      out[f] = [];
    }
    const counts = isWholeRegion(query)
      ? (this.statement(
          `SELECT facet, code, ${query.hideSensitive ? 'visible' : 'docs'} AS count FROM offer_facet_counts
           WHERE facet IN (${wanted.map(() => '?').join(', ')}) AND ${query.hideSensitive ? 'visible' : 'docs'} > 0`,
        ).all(...wanted) as { facet: OfferFacet; code: string; count: number }[])
      : this.countFacets(wanted, sql, params);
    const labels = this.labelsOf(wanted, counts);
    for (const c of counts) out[c.facet]!.push({ code: c.code, label: labels.get(`${c.facet}|${c.code}`) ?? c.code, count: c.count });
    for (const f of wanted) out[f]!.sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return out;
  }

  /** Facet counts over the matches of a query with criteria. */
  private countFacets(wanted: OfferFacet[], sql: string, params: unknown[]): { facet: OfferFacet; code: string; count: number }[] {
    return this.statement(
      `SELECT c.facet AS facet, c.code AS code, count(*) AS count FROM (${sql}) m JOIN offer_codes c ON c.doc = m.doc
       AND c.facet IN (${wanted.map(() => '?').join(', ')}) GROUP BY c.facet, c.code`,
    ).all(...params, ...wanted) as { facet: OfferFacet; code: string; count: number }[];
  }

  private labelsOf(facets: OfferFacet[], counts: { facet: string; code: string }[]): Map<string, string> {
    const labels = new Map<string, string>();
    if (!counts.length) return labels;
    const rows = this.statement(
      `SELECT facet, code, label FROM offer_labels WHERE facet IN (${facets.map(() => '?').join(', ')})`,
    ).all(...facets) as { facet: string; code: string; label: string }[];
    for (const r of rows) labels.set(`${r.facet}|${r.code}`, r.label);
    return labels;
  }

  async suggest(text: string, options: { limit: number; hideSensitive: boolean }): Promise<OfferSuggestion[]> {
    this.open();
    if (!Number.isInteger(options.limit) || options.limit < 0) throw new OfferQueryError(`limit must be a whole number ≥ 0, not ${options.limit}`);
    const fts = ftsExpression(text, true);
    if (!fts || options.limit === 0) return [];
    const typed = foldedWords(text);
    const rows = this.statement(
      `SELECT s.kind AS kind, s.key AS id, s.label AS label FROM offer_suggest_text t JOIN offer_suggest s ON s.entry = t.rowid
       WHERE offer_suggest_text MATCH ? ${options.hideSensitive ? 'AND s.public_docs > 0' : ''}
       ORDER BY substr(s.folded, 1, ?) = ? DESC, bm25(offer_suggest_text), s.docs DESC, s.label, s.kind, s.key LIMIT ?`,
    ).all(fts, typed.length, typed, options.limit) as OfferSuggestion[];
    return rows.map((r) => ({ kind: r.kind, id: r.id, label: r.label }));
  }

  async clear(): Promise<void> {
    this.open();
    this.db.transaction(() => clearOfferTables(this.db))();
  }

  async count(): Promise<number> {
    this.open();
    return this.stmts.count.get() as number;
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

  /** Prepared statements of the queries' shapes (a few dozen at most: the SQL depends on which filters are set). */
  private statement(sql: string): Database.Statement {
    let stmt = this.statementCache.get(sql);
    if (!stmt) {
      if (this.statementCache.size >= 500) this.statementCache.clear();
      stmt = this.db.prepare(sql);
      this.statementCache.set(sql, stmt);
    }
    return stmt;
  }

  private open(): void {
    if (this.closed) throw new Error('the offer index is closed');
  }
}

function finiteOrNull(n: number | undefined): number | null {
  return n !== undefined && Number.isFinite(n) ? n : null;
}

/** A query without any criterion but the caller's visibility: its facets are the region's counts. */
function isWholeRegion(q: OfferQuery): boolean {
  if (q.text?.trim() || q.near || q.includeInactive || q.age !== undefined || q.gender || q.available || q.updatedSince !== undefined) return false;
  return !(['activity', 'careMode', 'specialty', 'category', 'department', 'region', 'commune'] as const).some((k) => q[k] !== undefined);
}
