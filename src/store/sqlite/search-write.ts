/**
 * Writing index rows: replaces every row of one resource, inside the caller's transaction.
 */
import type Database from 'better-sqlite3';
import type { IndexRows } from '../../fhir/search/extract';
import { pidOf } from './search-pid';

/** At most this many geo points per resource (R*Tree id = rid * GEO_SLOTS + ord). */
const GEO_SLOTS = 8;

// One INSERT per row, on purpose: a multi-row INSERT (one statement for all the rows of a table) saves calls into
// SQLite, but a statement that can change several rows runs in a statement transaction that journals the pages it
// touches; the sync's national-shaped import took 2.3 times as long with it (scale 0.05: 40 s → 93 s).
class WriteStatements {
  readonly del: Database.Statement[];
  readonly geoOrds: Database.Statement<[number], { ord: number }>;
  readonly delGeo: Database.Statement;
  readonly insString: Database.Statement;
  readonly insToken: Database.Statement;
  readonly insRef: Database.Statement;
  readonly insDate: Database.Statement;
  readonly insNumber: Database.Statement;
  readonly insGeoPoint: Database.Statement;
  readonly insGeo: Database.Statement;
  readonly insText: Database.Statement;
  constructor(db: Database.Database) {
    this.del = ['idx_string', 'idx_token', 'idx_ref', 'idx_date', 'idx_number', 'idx_geo_point', 'idx_text'].map(
      (t) => db.prepare(`DELETE FROM ${t} WHERE rid = ?`),
    );
    this.geoOrds = db.prepare('SELECT ord FROM idx_geo_point WHERE rid = ?');
    this.delGeo = db.prepare('DELETE FROM idx_geo WHERE id = ?');
    this.insString = db.prepare('INSERT INTO idx_string VALUES (?, ?, ?, ?, ?, ?)');
    this.insToken = db.prepare('INSERT INTO idx_token VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.insRef = db.prepare('INSERT INTO idx_ref VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insDate = db.prepare('INSERT INTO idx_date VALUES (?, ?, ?, ?, ?, ?)');
    this.insNumber = db.prepare('INSERT INTO idx_number VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
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
  for (const r of rows.strings) s.insString.run(rid, pid(r.code), ord++, r.grp, r.norm, r.exact);
  for (const r of rows.tokens) {
    s.insToken.run(rid, pid(r.code), ord++, r.grp, r.system, r.value, r.text, r.typeSystem, r.typeCode);
  }
  for (const r of rows.refs) s.insRef.run(rid, pid(r.code), ord++, r.grp, r.type, r.id, r.url);
  for (const r of rows.dates) s.insDate.run(rid, pid(r.code), ord++, r.grp, r.lo, r.hi);
  for (const r of rows.numbers) {
    s.insNumber.run(rid, pid(r.code), ord++, r.grp, r.value, r.lo, r.hi, r.system, r.unit);
  }
  rows.geos.slice(0, GEO_SLOTS).forEach((g, i) => {
    const p = pid(g.code);
    s.insGeoPoint.run(rid, p, i, g.lat, g.lon);
    s.insGeo.run(rid * GEO_SLOTS + i, g.lat, g.lat, g.lon, g.lon, rid, p);
  });
  if (rows.narrative || rows.content) s.insText.run(rid, rows.narrative, rows.content);
}
