/**
 * The SQLite search index: index rows written with each resource version (same transaction), and SearchPlan
 * execution with keyset paging. https://hl7.org/fhir/R4/search.html
 *
 * Paging: results are ordered by the plan's sort keys, then `_id`, then rid (unique); a cursor holds the key
 * values of the row it stops at, so the next page starts right after it whatever was written in between (no
 * duplicates, no gaps) and page 500 costs what page 1 costs when the order follows an index (default order).
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { LeafCondition, SearchPlan, SearchResult, SortKey } from '../search-plan';
import { InvalidCursorError } from '../errors';
import type { SqliteSearchIndex } from './sqlite-store';
import { extractIndexRows } from '../../fhir/search/extract';
import { getRegistry, type SearchParamRegistry } from '../../fhir/search/registry';
import { writeIndexRows } from './search-write';
import { toStored, type ResourceRow } from './rows';
import { geoKm, selectivityRank, SqlBuilder } from './search-sql';

type Row = ResourceRow & Record<string, unknown>;

interface Cursor {
  /** Query signature: a cursor only pages the query it came from. */
  q: string;
  /** 'n': rows after `k`; 'p': rows before `k`; 's': rows from `k` on (self link of a page). */
  d: 'n' | 'p' | 's';
  k: unknown[];
}

const MAX_STATEMENTS = 500;
const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();
const withFunctions = new WeakSet<Database.Database>();

function prepare(db: Database.Database, sql: string): Database.Statement {
  if (!withFunctions.has(db)) {
    // Searches read many index and resource pages at random: a larger page cache and memory-mapped reads save
    // a system call per page (per connection; the defaults are a 2 MiB cache and no mmap).
    db.pragma('cache_size = -65536');
    db.pragma('mmap_size = 4294967296');
    db.function('geo_km', { deterministic: true }, (a, b, c, d) => geoKm(Number(a), Number(b), Number(c), Number(d)));
    withFunctions.add(db);
  }
  let cache = prepared.get(db);
  if (!cache) prepared.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) {
    if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

export function createSqliteSearchIndex(registry: SearchParamRegistry = getRegistry()): SqliteSearchIndex {
  return {
    indexResource(db, rid, resource: Resource | undefined, created = false) {
      const rows = resource ? extractIndexRows(registry, resource) : undefined;
      writeIndexRows(db, rid, resource?.resourceType ?? '', rows, created);
    },
    search: (db, plan) => executeSearch(db, plan),
  };
}

/** Sort keys actually applied: the plan's, then `_id` (unless already there), then rid. */
function effectiveKeys(plan: SearchPlan): (SortKey | { kind: 'rid'; descending: false })[] {
  if (!plan.sort.length) return [{ kind: 'rid', descending: false }];
  const keys: (SortKey | { kind: 'rid'; descending: false })[] = [...plan.sort];
  if (!plan.sort.some((k) => k.kind === 'id')) keys.push({ kind: 'id', descending: false });
  keys.push({ kind: 'rid', descending: false });
  return keys;
}

function signature(plan: SearchPlan): string {
  const { cursor: _c, total: _t, count: _n, ...rest } = plan;
  return createHash('sha1').update(JSON.stringify(rest)).digest('base64url').slice(0, 12);
}

function encode(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decode(text: string, sig: string, nKeys: number): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    if (c.q === sig && ['n', 'p', 's'].includes(c.d) && Array.isArray(c.k) && c.k.length === nKeys) return c;
  } catch {
    /* fall through */
  }
  throw new InvalidCursorError(text);
}

function executeSearch(db: Database.Database, plan: SearchPlan): SearchResult {
  const sig = signature(plan);
  const keys = effectiveKeys(plan);
  const cursor = plan.cursor ? decode(plan.cursor, sig, keys.length) : undefined;

  const result: Partial<SearchResult> = {};
  // `estimate` is answered with the exact count (one covering-index pass); `_count=0` always wants the total.
  const wantTotal = plan.total !== 'none' || plan.count === 0;
  if (wantTotal) {
    const b = new SqlBuilder();
    const sql = `SELECT count(*) AS n FROM resources r WHERE ${scopeSql(b, plan)}`;
    result.total = (prepare(db, sql).get(...b.params) as { n: number }).n;
  }
  if (plan.count === 0) return { ...result, entries: [] };

  // 'p' pages walk backwards: reverse every key, then reverse the rows.
  const backwards = cursor?.d === 'p';
  const { sql, params } = pageQuery(plan, keys, cursor);
  const rows = prepare(db, sql).all(...params) as Row[];
  const more = rows.length > plan.count;
  const page = rows.slice(0, plan.count);
  if (backwards) page.reverse();
  const keyOf = (row: Row) => keys.map((_, i) => row[`k${i}`]);

  result.entries = page.map(toStored);
  if (plan.cursor) result.self = plan.cursor;
  if (page.length) {
    const first = page[0];
    const last = page[page.length - 1];
    const hasNext = backwards ? true : more;
    const hasPrevious = backwards ? more : !!cursor;
    if (hasNext) result.next = encode({ q: sig, d: 'n', k: keyOf(last) });
    if (hasPrevious) result.previous = encode({ q: sig, d: 'p', k: keyOf(first) });
    if (cursor && cursor.d !== 's') result.self = encode({ q: sig, d: 's', k: keyOf(first) });
  }
  return result as SearchResult;
}

/** The resources in scope matching every condition (see SqlBuilder.scoped). */
function scopeSql(b: SqlBuilder, plan: SearchPlan): string {
  return b.scoped('r', plan.resourceTypes, plan.where);
}

/** The SQL of one page: scope, conditions, keyset after/before the cursor, order, limit. */
function pageQuery(plan: SearchPlan, keys: ReturnType<typeof effectiveKeys>, cursor: Cursor | undefined) {
  const types = plan.resourceTypes;
  const backwards = cursor?.d === 'p';
  const b = new SqlBuilder();
  if (!plan.sort.length) {
    // Default order (rid): drive from an index read in rid order when the most selective condition allows it.
    const where = [...plan.where].sort((x, y) => selectivityRank(x) - selectivityRank(y));
    const drv = where.length ? b.driver(where[0], types, 'd') : undefined;
    if (drv) {
      let sql =
        `SELECT r.rid, r.resource_type, r.id, r.version, r.last_updated, r.deleted, r.json, d.rid AS k0 ` +
        `FROM ${drv.table} d${drv.indexedBy ? ` INDEXED BY ${drv.indexedBy}` : ''} CROSS JOIN resources r ` +
        `WHERE ${drv.where} AND r.rid = d.rid ` +
        `AND ${b.scoped('r', types, where.slice(1), true)}`;
      if (cursor) sql += ` AND d.rid ${cursor.d === 's' ? '>=' : backwards ? '<' : '>'} ${b.p(cursor.k[0])}`;
      // GROUP BY: one row per resource even when several of its values match.
      sql += ` GROUP BY d.rid ORDER BY d.rid ${backwards ? 'DESC' : 'ASC'} LIMIT ${b.p(plan.count + 1)}`;
      return { sql, params: b.params };
    }
  }
  const geo = nearDriver(plan);
  if (geo) {
    // Nearest first with a `near` condition: read the points from the R*Tree box and sort on their own
    // coordinates, rather than building the candidate list and looking every point up again for the sort.
    const exprs = [`geo_km(g.min_lat, g.min_lon, ${b.p(geo.lat)}, ${b.p(geo.lon)})`, ...keys.slice(1).map((k) => (k.kind === 'rid' ? 'r.rid' : b.sortExpr(k, 'r', types)))];
    const selectKeys = exprs.map((e, i) => `${e} AS k${i}`).join(', ');
    let where = `${b.leafWhere(geo.condition, 'g', types)} AND r.rid = g.rid AND ${b.scoped('r', types, geo.rest, true)}`;
    if (cursor) where += ` AND ${keyset(b, keys, cursor, backwards)}`;
    const order = keys.map((k, i) => `k${i} ${k.descending !== backwards ? 'DESC' : 'ASC'}`).join(', ');
    const sql =
      `SELECT r.rid, r.resource_type, r.id, r.version, r.last_updated, r.deleted, r.json, ${selectKeys} ` +
      `FROM idx_geo g CROSS JOIN resources r WHERE ${where} ORDER BY ${order} LIMIT ${b.p(plan.count + 1)}`;
    return { sql, params: b.params };
  }
  const exprs = keys.map((k) => (k.kind === 'rid' ? 'r.rid' : b.sortExpr(k, 'r', types)));
  const selectKeys = exprs.map((e, i) => `${e} AS k${i}`).join(', ');
  let where = scopeSql(b, plan);
  if (cursor) where += ` AND ${keyset(b, keys, cursor, backwards)}`;
  const order = keys.map((k, i) => `k${i} ${k.descending !== backwards ? 'DESC' : 'ASC'}`).join(', ');
  const sql =
    `SELECT r.rid, r.resource_type, r.id, r.version, r.last_updated, r.deleted, r.json, ${selectKeys} ` +
    `FROM resources r WHERE ${where} ORDER BY ${order} LIMIT ${b.p(plan.count + 1)}`;
  return { sql, params: b.params };
}

/**
 * When the plan sorts by distance to the point of its single-valued `near` condition (one type), that condition
 * and the others. Resources have at most one point per parameter (Location.position is 0..1).
 */
function nearDriver(plan: SearchPlan) {
  const k = plan.sort[0];
  if (k?.kind !== 'distance' || k.descending || plan.resourceTypes.length !== 1) return undefined;
  const condition = plan.where.find(
    (c): c is Extract<LeafCondition, { kind: 'near' }> =>
      c.kind === 'near' && c.code === k.code && c.values.length === 1 && c.values[0].lat === k.lat && c.values[0].lon === k.lon,
  );
  if (!condition) return undefined;
  return { condition, lat: k.lat, lon: k.lon, rest: plan.where.filter((c) => c !== condition) };
}

/** EXPLAIN QUERY PLAN of a plan's first page (benches and diagnostics). */
export function explainSearch(db: Database.Database, plan: SearchPlan): string[] {
  const { sql, params } = pageQuery(plan, effectiveKeys(plan), undefined);
  prepare(db, sql); // registers the SQL functions on this connection
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

/**
 * Rows strictly after (or, backwards, strictly before; for 's', from) the cursor's key values in the sort order:
 * (k0 > v0) OR (k0 = v0 AND k1 > v1) OR … — with > and < swapped per key direction.
 */
function keyset(b: SqlBuilder, keys: { descending: boolean }[], cursor: Cursor, backwards: boolean): string {
  const exprNames = keys.map((_, i) => `k${i}`);
  const ors: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const eqs = exprNames.slice(0, i).map((e, j) => `${e} = ${b.p(cursor.k[j])}`);
    const after = keys[i].descending !== backwards ? '<' : '>';
    eqs.push(`${exprNames[i]} ${after} ${b.p(cursor.k[i])}`);
    ors.push(`(${eqs.join(' AND ')})`);
  }
  if (cursor.d === 's') ors.push(`(${exprNames.map((e, j) => `${e} = ${b.p(cursor.k[j])}`).join(' AND ')})`);
  return `(${ors.join(' OR ')})`;
}

