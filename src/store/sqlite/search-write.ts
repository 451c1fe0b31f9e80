/**
 * Writing index rows: replaces every row of one resource, inside the caller's transaction.
 */
import type Database from 'better-sqlite3';
import type { IndexRows } from '../../fhir/search/extract';
import { pidOf } from './search-pid';

/** At most this many geo points per resource (R*Tree id = rid * GEO_SLOTS + ord). */
const GEO_SLOTS = 8;

/** Rows of one index table per INSERT statement at most (a statement per row count up to this is prepared). */
const MAX_ROWS_PER_INSERT = 32;

/**
 * INSERT statements of one table, one per number of rows: a resource's rows of a table go in one statement,
 * which costs one call into SQLite instead of one per row.
 */
class MultiRowInsert {
  private readonly byCount: Database.Statement[] = [];
  constructor(
    private readonly db: Database.Database,
    private readonly table: string,
    private readonly columns: number,
  ) {}

  /** Inserts the rows whose values are `values` (`columns` per row, flattened). */
  run(values: unknown[]): void {
    const perStatement = MAX_ROWS_PER_INSERT * this.columns;
    for (let start = 0; start < values.length; start += perStatement) {
      const chunk = start === 0 && values.length <= perStatement ? values : values.slice(start, start + perStatement);
      this.statement(chunk.length / this.columns).run(chunk);
    }
  }

  private statement(rows: number): Database.Statement {
    let stmt = this.byCount[rows];
    if (!stmt) {
      const row = `(${Array(this.columns).fill('?').join(', ')})`;
      stmt = this.db.prepare(`INSERT INTO ${this.table} VALUES ${Array(rows).fill(row).join(', ')}`);
      this.byCount[rows] = stmt;
    }
    return stmt;
  }
}

class WriteStatements {
  readonly del: Database.Statement[];
  readonly geoOrds: Database.Statement<[number], { ord: number }>;
  readonly delGeo: Database.Statement;
  readonly insString: MultiRowInsert;
  readonly insToken: MultiRowInsert;
  readonly insRef: MultiRowInsert;
  readonly insDate: MultiRowInsert;
  readonly insNumber: MultiRowInsert;
  readonly insGeoPoint: Database.Statement;
  readonly insGeo: Database.Statement;
  readonly insText: Database.Statement;
  constructor(db: Database.Database) {
    this.del = ['idx_string', 'idx_token', 'idx_ref', 'idx_date', 'idx_number', 'idx_geo_point', 'idx_text'].map(
      (t) => db.prepare(`DELETE FROM ${t} WHERE rid = ?`),
    );
    this.geoOrds = db.prepare('SELECT ord FROM idx_geo_point WHERE rid = ?');
    this.delGeo = db.prepare('DELETE FROM idx_geo WHERE id = ?');
    this.insString = new MultiRowInsert(db, 'idx_string', 6);
    this.insToken = new MultiRowInsert(db, 'idx_token', 9);
    this.insRef = new MultiRowInsert(db, 'idx_ref', 7);
    this.insDate = new MultiRowInsert(db, 'idx_date', 6);
    this.insNumber = new MultiRowInsert(db, 'idx_number', 9);
    this.insGeoPoint = db.prepare('INSERT INTO idx_geo_point VALUES (?, ?, ?, ?, ?)');
    this.insGeo = db.prepare('INSERT INTO idx_geo VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insText = db.prepare('INSERT INTO idx_text VALUES (?, ?, ?)');
  }
}

const statements = new WeakMap<Database.Database, WriteStatements>();

function stmts(db: Database.Database): WriteStatements {
  let s = statements.get(db);
  if (!s) {
    s = new WriteStatements(db);
    statements.set(db, s);
  }
  return s;
}

/**
 * Replaces the index rows of `rid`; `rows` undefined removes them (deletion). A resource just `created` has no
 * rows yet, so the deletes (one per index table) are skipped.
 */
export function writeIndexRows(
  db: Database.Database,
  rid: number,
  resourceType: string,
  rows: IndexRows | undefined,
  created = false,
) {
  const s = stmts(db);
  if (!created) {
    for (const { ord } of s.geoOrds.all(rid)) s.delGeo.run(rid * GEO_SLOTS + ord);
    for (const d of s.del) d.run(rid);
  }
  if (!rows) return;
  const pid = (code: string) => pidOf(resourceType, code);
  let ord = 0;
  const v: unknown[] = [];
  const flush = (insert: MultiRowInsert) => {
    if (v.length) insert.run(v);
    v.length = 0;
  };
  for (const r of rows.strings) v.push(rid, pid(r.code), ord++, r.grp, r.norm, r.exact);
  flush(s.insString);
  for (const r of rows.tokens) v.push(rid, pid(r.code), ord++, r.grp, r.system, r.value, r.text, r.typeSystem, r.typeCode);
  flush(s.insToken);
  for (const r of rows.refs) v.push(rid, pid(r.code), ord++, r.grp, r.type, r.id, r.url);
  flush(s.insRef);
  for (const r of rows.dates) v.push(rid, pid(r.code), ord++, r.grp, r.lo, r.hi);
  flush(s.insDate);
  for (const r of rows.numbers) v.push(rid, pid(r.code), ord++, r.grp, r.value, r.lo, r.hi, r.system, r.unit);
  flush(s.insNumber);
  rows.geos.slice(0, GEO_SLOTS).forEach((g, i) => {
    const p = pid(g.code);
    s.insGeoPoint.run(rid, p, i, g.lat, g.lon);
    s.insGeo.run(rid * GEO_SLOTS + i, g.lat, g.lat, g.lon, g.lon, rid, p);
  });
  if (rows.narrative || rows.content) s.insText.run(rid, rows.narrative, rows.content);
}
