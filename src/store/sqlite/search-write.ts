/**
 * Writing index rows: replaces every row of one resource, inside the caller's transaction.
 */
import type Database from 'better-sqlite3';
import type { IndexRows } from '../../indexing/extract';
import { pidOf } from './search-pid';
import { GEO_PARAM_EXTENT, GEO_SLOTS } from './search-sql';

// A created resource's rows go in one multi-row INSERT per table, written `INSERT OR FAIL`. A plain multi-row
// INSERT runs in a statement transaction that journals every page it touches (so that a constraint failure can
// undo the statement's earlier rows), which made the sync's import more than twice as long. OR FAIL needs no
// statement journal: a failing statement keeps its earlier rows, and the error rolls back the caller's
// transaction anyway (BENCHMARKS.md, "Measurements behind the code").

/** Rows per multi-row INSERT; more are split (SQLite binds at most 32,766 parameters per statement). */
const MAX_ROWS_PER_INSERT = 32;

/** The row-per-value tables: rows are (rid, pid, ord, grp, ...values); (rid, pid, ord) is the primary key. */
const VALUE_TABLES = {
  strings: { table: 'idx_string', columns: ['norm', 'exact'] },
  tokens: { table: 'idx_token', columns: ['system', 'value', 'text', 'type_system', 'type_code'] },
  refs: { table: 'idx_ref', columns: ['target_type', 'target_id', 'url'] },
  dates: { table: 'idx_date', columns: ['lo', 'hi'] },
  numbers: { table: 'idx_number', columns: ['value', 'lo', 'hi', 'system', 'unit'] },
} as const;
type ValueKind = keyof typeof VALUE_TABLES;
const VALUE_KINDS = Object.keys(VALUE_TABLES) as ValueKind[];

/** A row's (pid, grp, ...values), in its table's column order; SQL NULL for an absent value. */
type Cells = (string | number | null)[];

type Bind<K extends ValueKind> = (args: unknown[], rid: number, pid: number, ord: number, r: IndexRows[K][number]) => void;

/**
 * Appends a row's bind values, in its table's column order (rid, pid, ord, grp, ...values), to `args`: the one
 * place that maps a row to its columns. Pushed in place, with no array per row: this runs for every row of every
 * created resource.
 */
const BIND: { [K in ValueKind]: Bind<K> } = {
  strings: (a, rid, pid, ord, r) => a.push(rid, pid, ord, r.grp, r.norm, r.exact),
  tokens: (a, rid, pid, ord, r) => a.push(rid, pid, ord, r.grp, r.system, r.value, r.text, r.typeSystem, r.typeCode),
  refs: (a, rid, pid, ord, r) => a.push(rid, pid, ord, r.grp, r.type, r.id, r.url),
  dates: (a, rid, pid, ord, r) => a.push(rid, pid, ord, r.grp, r.lo, r.hi),
  numbers: (a, rid, pid, ord, r) => a.push(rid, pid, ord, r.grp, r.value, r.lo, r.hi, r.system, r.unit),
};

/** BIND of one kind, typed for it (TypeScript cannot narrow the mapped type through a generic key). */
const bindOf = <K extends ValueKind>(kind: K) => BIND[kind] as Bind<K>;

/** A row's (pid, grp, ...values), as SQLite returns them (NULL for an absent value): the update diff compares these. */
function cells<K extends ValueKind>(kind: K, pid: number, r: IndexRows[K][number]): Cells {
  const args: unknown[] = [];
  bindOf(kind)(args, 0, pid, 0, r);
  return [args[1], ...args.slice(3)].map((v) => (v ?? null) as string | number | null);
}

interface TableStatements {
  /** (ord, pid, grp, ...values) of one resource's rows. */
  rowsOf: Database.Statement<[number]>;
  insert: Database.Statement;
  /** `INSERT OR FAIL` of n rows (1 ≤ n ≤ MAX_ROWS_PER_INSERT), prepared on first use. */
  insertMany: (n: number) => Database.Statement;
  deleteOne: Database.Statement<[number, number, number]>;
  deleteAll: Database.Statement<[number]>;
}

class WriteStatements {
  readonly tables: Record<ValueKind, TableStatements>;
  readonly geoOrds: Database.Statement<[number], { ord: number }>;
  readonly delGeo: Database.Statement;
  readonly delGeoPoints: Database.Statement;
  readonly delText: Database.Statement;
  readonly insGeoPoint: Database.Statement;
  readonly insGeo: Database.Statement;
  readonly geoParam: Database.Statement<[number], number>;
  readonly insGeoParam: Database.Statement<[number]>;
  readonly insText: Database.Statement;
  constructor(db: Database.Database) {
    this.tables = Object.fromEntries(
      VALUE_KINDS.map((kind) => {
        const { table, columns } = VALUE_TABLES[kind];
        const marks = ['?', '?', '?', '?', ...columns.map(() => '?')].join(', ');
        const many: Database.Statement[] = [];
        const insertMany = (n: number) =>
          (many[n] ??= db.prepare(`INSERT OR FAIL INTO ${table} VALUES ${Array.from({ length: n }, () => `(${marks})`).join(', ')}`));
        return [
          kind,
          {
            rowsOf: db.prepare(`SELECT ord, pid, grp, ${columns.join(', ')} FROM ${table} WHERE rid = ?`).raw(),
            insert: db.prepare(`INSERT INTO ${table} VALUES (${marks})`),
            insertMany,
            deleteOne: db.prepare(`DELETE FROM ${table} WHERE rid = ? AND pid = ? AND ord = ?`),
            deleteAll: db.prepare(`DELETE FROM ${table} WHERE rid = ?`),
          },
        ];
      }),
    ) as Record<ValueKind, TableStatements>;
    this.geoOrds = db.prepare('SELECT ord FROM idx_geo_point WHERE rid = ?');
    this.delGeo = db.prepare('DELETE FROM idx_geo WHERE id = ?');
    this.delGeoPoints = db.prepare('DELETE FROM idx_geo_point WHERE rid = ?');
    this.delText = db.prepare('DELETE FROM idx_text WHERE rid = ?');
    this.insGeoPoint = db.prepare('INSERT INTO idx_geo_point VALUES (?, ?, ?, ?, ?)');
    this.insGeo = db.prepare('INSERT INTO idx_geo VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.geoParam = db.prepare<[number], number>('SELECT n FROM geo_params WHERE pid = ?').pluck();
    this.insGeoParam = db.prepare('INSERT INTO geo_params (pid) VALUES (?)');
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
 * rows yet: its rows are inserted without looking. An updated resource keeps the rows whose values did not change
 * and deletes or inserts only the others (replaceValueRows).
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
    s.delGeoPoints.run(rid);
    s.delText.run(rid);
    if (!rows) {
      for (const kind of VALUE_KINDS) s.tables[kind].deleteAll.run(rid);
      return;
    }
  }
  if (!rows) return;
  const pid = (code: string) => pidOf(resourceType, code);
  if (created) {
    let ord = 0;
    for (const kind of VALUE_KINDS) ord = insertCreated(s.tables[kind], kind, rid, rows[kind], pid, ord);
  } else {
    replaceValueRows(s, rid, rows, pid);
  }
  rows.geos.slice(0, GEO_SLOTS).forEach((g, i) => {
    const p = pid(g.code);
    s.insGeoPoint.run(rid, p, i, g.lat, g.lon);
    const n = geoParamNumber(s, p);
    s.insGeo.run(rid * GEO_SLOTS + i, g.lat, g.lat, g.lon, g.lon, n, n + GEO_PARAM_EXTENT);
  });
  if (rows.narrative || rows.content) s.insText.run(rid, rows.narrative, rows.content);
}

/** Inserts the rows of one kind of a created resource (ords from `ord` on), a multi-row INSERT at a time. */
function insertCreated<K extends ValueKind>(
  t: TableStatements,
  kind: K,
  rid: number,
  rows: IndexRows[K],
  pid: (code: string) => number,
  ord: number,
): number {
  const bind = bindOf(kind);
  for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
    const n = Math.min(MAX_ROWS_PER_INSERT, rows.length - i);
    const args: unknown[] = [];
    for (let j = i; j < i + n; j++) bind(args, rid, pid(rows[j].code), ord++, rows[j]);
    t.insertMany(n).run(args);
  }
  return ord;
}

/**
 * The R*Tree's number for a geo parameter (migration 8), allocated on its first point. Read from the table each
 * time, not cached: a number allocated in a transaction that rolls back must not outlive it.
 */
function geoParamNumber(s: WriteStatements, pid: number): number {
  const n = s.geoParam.get(pid);
  if (n !== undefined) return n;
  return Number(s.insGeoParam.run(pid).lastInsertRowid);
}

/**
 * An update usually changes a value or two (a phone number, a name) out of a dozen index rows. Every row
 * deleted or inserted also changes the table's value index at a random place, i.e. a page read and written
 * somewhere in a large file; rows equal in every column are therefore kept (with their ord, which only makes
 * the primary key unique), and only the difference is written.
 */
function replaceValueRows(s: WriteStatements, rid: number, rows: IndexRows, pid: (code: string) => number): void {
  const olds = VALUE_KINDS.map((kind) => s.tables[kind].rowsOf.all(rid) as [number, ...Cells][]);
  let nextOrd = 0;
  for (const old of olds) for (const r of old) nextOrd = Math.max(nextOrd, r[0] + 1);
  VALUE_KINDS.forEach((kind, k) => {
    const t = s.tables[kind];
    // Old rows by their cells, several ords for rows that repeat.
    const kept = new Map<string, { pid: number; ords: number[] }>();
    for (const [ord, ...c] of olds[k]) {
      const key = JSON.stringify(c);
      const old = kept.get(key);
      if (old) old.ords.push(ord);
      else kept.set(key, { pid: c[0] as number, ords: [ord] });
    }
    const added: Cells[] = [];
    for (const r of rows[kind]) {
      const c = cells(kind, pid(r.code), r);
      const old = kept.get(JSON.stringify(c));
      if (old?.ords.length) old.ords.pop();
      else added.push(c);
    }
    for (const { pid: p, ords } of kept.values()) for (const ord of ords) t.deleteOne.run(rid, p, ord);
    for (const [p, grp, ...values] of added) t.insert.run(rid, p, nextOrd++, grp, ...values);
  });
}
