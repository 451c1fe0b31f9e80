/**
 * The SQLite search index: index rows written with each resource version (same transaction), and SearchPlan
 * execution with keyset paging. https://hl7.org/fhir/R4/search.html
 *
 * Paging: results are ordered by the plan's sort keys, then `_id`, then rid (unique); a cursor holds the key
 * values of the row it stops at, so the next page starts right after it whatever was written in between (no
 * duplicates, no gaps) and page 500 costs what page 1 costs when the order follows an index (default order).
 */
import type Database from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import type { Condition, LeafCondition, SearchPlan, SearchResult } from '../search-plan';
import { InvalidCursorError } from '../errors';
import { effectiveKeys, encodeCursor as encode, planSignature as signature } from '../search-keyset';
import type { Indexer } from '../../indexing/indexer';
import { writeIndexRows } from './search-write';
import { toStored, type ResourceRow } from './rows';
import { distanceKm } from '../../indexing/geo';
import { GEO_SLOTS, geoRid, isLastUpdated, selectivityRank, SqlBuilder, tableOf, type IndexCodes } from './search-sql';

/** Index rows and search execution on a connection (the store owns the connections and transactions). */
export interface SqliteSearchIndex {
  /**
   * Replaces the index rows of resource `rid` (no rows when `resource` is undefined: deleted); `created` says the
   * resource is new, so it has no rows to remove.
   */
  indexResource(db: Database.Database, rid: number, resource: Resource | undefined, created?: boolean): void;
  search(db: Database.Database, plan: SearchPlan): SearchResult;
}

/** A search on one connection, and where each parameter's index rows are (Indexer.indexCode). */
interface SearchSession {
  db: Database.Database;
  codes: IndexCodes;
}

type Row = ResourceRow & Record<string, unknown>;

interface Cursor {
  /** Query signature: a cursor only pages the query it came from. */
  q: string;
  /** 'n': rows after `k`; 'p': rows before `k`; 's': rows from `k` on (self link of a page). */
  d: 'n' | 'p' | 's';
  k: unknown[];
}

const MAX_STATEMENTS = 500;
/** Page cache of the connections that run searches, as SQLite's negative `cache_size` (KiB). */
const READER_CACHE_KIB = -524288;
const WRITER_CACHE_KIB = -65536;
const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();
const withFunctions = new WeakSet<Database.Database>();

function prepare(db: Database.Database, sql: string): Database.Statement {
  if (!withFunctions.has(db)) {
    // Searches read many index and resource pages at random: a larger page cache and memory-mapped reads save
    // a system call per page (per connection; the defaults are a 2 MiB cache and no mmap). This build of SQLite
    // caps mmap at 2 GiB (SQLITE_MAX_MMAP_SIZE): in a larger file, pages past it come through the page cache. The
    // read-only connection that serves the searches gets the larger cache (512 MiB: a fifth more `_has` searches
    // a second on the 4.8 GB bench directory, where 256 MiB made no difference, (BENCHMARKS.md, "Measurements behind the code")); the writer,
    // which also runs the sync's lookups, keeps 64 MiB so a sync's memory stays bounded.
    db.pragma(`cache_size = ${db.readonly ? READER_CACHE_KIB : WRITER_CACHE_KIB}`);
    db.pragma('mmap_size = 4294967296');
    db.function('geo_km', { deterministic: true }, (a, b, c, d) => distanceKm(Number(a), Number(b), Number(c), Number(d)));
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

const knownIndexes = new WeakMap<Database.Database, { schema: number; names: Set<string> }>();

/**
 * Whether an index exists on this connection's schema: a hinted index (INDEXED BY) is missing while a bulk load
 * defers it (deferred-indexes.ts), and a hint naming a missing index is an error.
 */
function hasIndex(db: Database.Database, name: string): boolean {
  const schema = db.pragma('schema_version', { simple: true }) as number;
  let known = knownIndexes.get(db);
  if (!known || known.schema !== schema) {
    const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[];
    known = { schema, names: new Set(rows.map((r) => r.name)) };
    knownIndexes.set(db, known);
  }
  return known.names.has(name);
}

/** The search index of a SQLite store: rows extracted by `indexer` on write, plans executed as SQL. */
export function createSqliteSearchIndex(indexer: Indexer): SqliteSearchIndex {
  const codes: IndexCodes = (type, code) => indexer.indexCode(type, code);
  return {
    indexResource(db, rid, resource: Resource | undefined, created = false) {
      const rows = resource ? indexer.rows(resource) : undefined;
      writeIndexRows(db, rid, resource?.resourceType ?? '', rows, created);
    },
    search: (db, plan) => executeSearch({ db, codes }, plan),
  };
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

function executeSearch(s: SearchSession, plan: SearchPlan): SearchResult {
  const sig = signature(plan);
  const keys = effectiveKeys(plan);
  const cursor = plan.cursor ? decode(plan.cursor, sig, keys.length) : undefined;

  const result: Partial<SearchResult> = {};
  // `_total=none` costs nothing; `_count=0` always wants the total (exact unless `estimate` is asked).
  const wantTotal = plan.total !== 'none' || plan.count === 0;
  if (plan.count === 0) {
    result.total = plan.total === 'estimate' ? estimateTotal(s, plan, 0) : exactTotal(s, plan);
    return { ...result, entries: [] };
  }

  // 'p' pages walk backwards: reverse every key, then reverse the rows.
  const backwards = cursor?.d === 'p';
  const { sql, params } = pageQuery(s, plan, keys, cursor);
  const rows = prepare(s.db, sql).all(...params) as Row[];
  const more = rows.length > plan.count;
  const page = rows.slice(0, plan.count);
  if (backwards) page.reverse();
  const keyOf = (row: Row) => keys.map((_, i) => row[`k${i}`]);

  result.entries = page.map(toStored);
  if (wantTotal) {
    // A first page with no next page holds every match: its length is the exact total, for free.
    if (!cursor && !more) result.total = page.length;
    else if (plan.total === 'estimate') result.total = estimateTotal(s, plan, cursor ? 0 : rows.length);
    else result.total = exactTotal(s, plan);
  }
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

function exactTotal(s: SearchSession, plan: SearchPlan): number {
  const b = new SqlBuilder(s.codes);
  const sql = `SELECT count(*) AS n FROM resources r WHERE ${scopeSql(b, plan)}`;
  return (prepare(s.db, sql).get(...b.params) as { n: number }).n;
}

/**
 * `_total=estimate` (https://hl7.org/fhir/R4/search.html#total), at a bounded cost whatever the number of matches:
 *
 * 1. When one AND-ed condition selects at most ESTIMATE_EXACT_UP_TO index rows (read with that LIMIT), the
 *    total is at most that: it is counted exactly, driven from that small set, the other conditions probed per
 *    row (see SqlBuilder.probes). Cost: at most ESTIMATE_EXACT_UP_TO rows, each probed once per condition.
 * 2. Otherwise, per resource type, ESTIMATE_SAMPLE resources read in `id` order (the (resource_type, id) index)
 *    are checked against every condition (probes again), and the share that matches is applied to the number of
 *    resources of the type (an index-only count, kept ESTIMATE_TYPE_COUNT_TTL_MS per connection). A type with
 *    fewer resources than the sample is counted exactly. Server-assigned ids are random UUIDs, so id order is an
 *    unbiased sample; client-assigned ids may correlate with the conditions, and a rare combination of broad
 *    conditions may be missed by the sample (then the estimate is the lower bound known from the first page).
 *
 * `_total=accurate` stays the exact count, whose cost grows with the number of matches (about 0.3 s per million
 * on the benchmark machine).
 */
export const ESTIMATE_EXACT_UP_TO = 1000;
export const ESTIMATE_SAMPLE = 2000;
const ESTIMATE_TYPE_COUNT_TTL_MS = 60_000;
const typeCounts = new WeakMap<Database.Database, Map<string, { n: number; at: number }>>();

/** `atLeast`: matches already seen (first page rows); the estimate never goes below it. */
function estimateTotal(s: SearchSession, plan: SearchPlan, atLeast: number): number {
  const types = plan.resourceTypes;
  const small = [...plan.where]
    .sort((x, y) => selectivityRank(x) - selectivityRank(y))
    .find((c) => setSizeAtMost(s, c, types, ESTIMATE_EXACT_UP_TO));
  if (small) {
    const b = new SqlBuilder(s.codes);
    // The (type, id) index serves an `_id` set; otherwise the small set drives (rowid lookups).
    const typeCol = small.kind === 'id' ? 'r.resource_type' : '+r.resource_type';
    const typeSql = `${typeCol} IN (${types.map((t) => b.p(t)).join(', ')})`;
    const driver = b.cond(small, 'r', types);
    b.probes.add('r');
    const rest = b.all(plan.where.filter((c) => c !== small), 'r', types);
    const sql = `SELECT count(*) AS n FROM resources r WHERE ${typeSql} AND r.deleted = 0 AND ${driver} AND ${rest}`;
    return (prepare(s.db, sql).get(...b.params) as { n: number }).n;
  }
  let total = 0;
  for (const type of types) {
    const population = typeCount(s.db, type);
    if (!population) continue;
    const b = new SqlBuilder(s.codes);
    b.probes.add('s');
    const match = b.all(plan.where, 's', [type]);
    const sql =
      `SELECT count(*) AS n, coalesce(sum(s.deleted = 0 AND ${match}), 0) AS m FROM ` +
      `(SELECT rid, resource_type, id, last_updated, deleted FROM resources WHERE resource_type = ${b.p(type)} ` +
      `ORDER BY id LIMIT ${b.p(ESTIMATE_SAMPLE)}) s`;
    const { n, m } = prepare(s.db, sql).get(...b.params) as { n: number; m: number };
    total += n < ESTIMATE_SAMPLE ? m : n ? (m / n) * population : 0;
  }
  return Math.max(atLeast, Math.round(total));
}

/** Whether condition `c` selects at most `cap` index rows (a LIMIT-ed read); false when that cannot be told cheaply. */
function setSizeAtMost(s: SearchSession, c: Condition, types: string[], cap: number): boolean {
  if (c.kind === 'id') return c.ids.length * types.length <= cap;
  if (c.kind === 'same-element') {
    // Its matches are among the rids of any one of its leaves: the first sized one bounds the set.
    const leaf = c.conditions.find(isSizedLeaf);
    return leaf ? setSizeAtMost(s, leaf, types, cap) : false;
  }
  if (!isSizedLeaf(c)) return false;
  return leafRowsUpTo(s, c, types, cap) <= cap;
}

/** The index rows of leaf condition `c`, counted up to `cap` + 1 (a LIMIT-ed read). */
function leafRowsUpTo(s: SearchSession, c: LeafCondition, types: string[], cap: number): number {
  return countUpTo(s, `${tableOf(c)} t`, (b) => b.leafWhere(c, 't', types), cap + 1);
}

/** The rows of `from` matching `where` (which writes its parameters into the builder), counted up to `limit`. */
function countUpTo(s: SearchSession, from: string, where: (b: SqlBuilder) => string, limit: number): number {
  const b = new SqlBuilder(s.codes);
  const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM ${from} WHERE ${where(b)} LIMIT ${limit})`;
  return (prepare(s.db, sql).get(...b.params) as { n: number }).n;
}

function isSizedLeaf(c: Condition): c is LeafCondition {
  return ['string', 'token', 'token-text', 'of-type', 'uri', 'reference', 'reference-identifier', 'number', 'quantity', 'near'].includes(c.kind) ||
    (c.kind === 'date' && !isLastUpdated(c));
}

/** Resources of a type, deleted ones included (the sample sees those too), from the (resource_type, …) index. */
function typeCount(db: Database.Database, type: string): number {
  let cache = typeCounts.get(db);
  if (!cache) typeCounts.set(db, (cache = new Map()));
  const hit = cache.get(type);
  const now = Date.now();
  if (hit && now - hit.at < ESTIMATE_TYPE_COUNT_TTL_MS) return hit.n;
  const { n } = prepare(db, 'SELECT count(*) AS n FROM resources WHERE resource_type = ?').get(type) as { n: number };
  cache.set(type, { n, at: now });
  return n;
}

/** The resources in scope matching every condition (see SqlBuilder.scoped). */
function scopeSql(b: SqlBuilder, plan: SearchPlan): string {
  return b.scoped('r', plan.resourceTypes, plan.where);
}

/** The SQL of one page: scope, conditions, keyset after/before the cursor, order, limit. */
function pageQuery(s: SearchSession, plan: SearchPlan, keys: ReturnType<typeof effectiveKeys>, cursor: Cursor | undefined) {
  const types = plan.resourceTypes;
  const backwards = cursor?.d === 'p';
  const b = new SqlBuilder(s.codes);
  const ranked = [...plan.where].sort((x, y) => selectivityRank(x) - selectivityRank(y));
  if (!plan.sort.length) {
    // Default order (rid): drive from an index read in rid order when the most selective condition allows it.
    const drv = ranked.length ? b.driver(ranked[0], types, 'd') : undefined;
    if (drv) {
      let sql =
        `SELECT r.rid, r.resource_type, r.id, r.version, r.last_updated, r.deleted, r.json, d.rid AS k0 ` +
        `FROM ${drv.table} d${drv.indexedBy && hasIndex(s.db, drv.indexedBy) ? ` INDEXED BY ${drv.indexedBy}` : ''} CROSS JOIN resources r ` +
        `WHERE ${drv.where} AND r.rid = d.rid ` +
        `AND ${b.scoped('r', types, ranked.slice(1), true)}`;
      if (cursor) sql += ` AND d.rid ${cursor.d === 's' ? '>=' : backwards ? '<' : '>'} ${b.p(cursor.k[0])}`;
      // GROUP BY: one row per resource even when several of its values match.
      sql += ` GROUP BY d.rid ORDER BY d.rid ${backwards ? 'DESC' : 'ASC'} LIMIT ${pageLimit(plan)}`;
      return { sql, params: b.params };
    }
    if (ranked[0]?.kind === 'has') {
      // Led by `_has`: the targets are found by (type, id) in the resources' unique index, which holds their
      // rids. Sort those rids, then read rows (liveness, JSON) from the start of the page on, rather than every
      // target's row before the sort (a broad `_has` has thousands of targets for a page of 10). `LIMIT -1`
      // keeps SQLite from flattening the sorted rids into the outer query.
      const typeSql = types.length === 1 ? `= ${b.p(types[0])}` : `IN (${types.map((t) => b.p(t)).join(', ')})`;
      let rids = `SELECT r.rid AS k0 FROM resources r WHERE r.resource_type ${typeSql} AND ${b.all(ranked, 'r', types)}`;
      if (cursor) rids += ` AND ${keyset(b, keys, cursor, backwards)}`;
      rids += ` ORDER BY ${orderBy(keys, backwards)} LIMIT -1`;
      return { sql: withRows(rids, keys, backwards, pageLimit(plan)), params: b.params };
    }
  }
  const geo = nearDriver(plan);
  if (geo) return { sql: nearPage(s, b, plan, geo, keys, cursor), params: b.params };
  const exprs = keys.map((k) => (k.kind === 'rid' ? 'r.rid' : b.sortExpr(k, 'r', types)));
  const selectKeys = exprs.map((e, i) => `${e} AS k${i}`).join(', ');
  let where = scopeSql(b, plan);
  if (cursor) where += ` AND ${keyset(b, keys, cursor, backwards)}`;
  const sql =
    `SELECT r.rid, r.resource_type, r.id, r.version, r.last_updated, r.deleted, r.json, ${selectKeys} ` +
    `FROM resources r WHERE ${where} ORDER BY ${orderBy(keys, backwards)} LIMIT ${pageLimit(plan)}`;
  return { sql, params: b.params };
}

/**
 * A page's LIMIT (_count + 1: the extra row tells whether there is a next page), written into the SQL as a
 * literal: with `LIMIT ?` SQLite plans a sort whose size it cannot know, and a `near` page was a quarter slower
 * (BENCHMARKS.md, "Measurements behind the code"). Statements are cached per SQL text, so each `_count` in use gets its own.
 */
function pageLimit(plan: SearchPlan): number {
  if (!Number.isSafeInteger(plan.count) || plan.count < 0) throw new Error(`invalid page size ${plan.count}`);
  return plan.count + 1;
}

/** ORDER BY of a page on its key columns k0, k1… (optionally of table `p`); a backwards page reverses every key. */
function orderBy(keys: { descending: boolean }[], backwards: boolean, table = ''): string {
  return keys.map((k, i) => `${table}k${i} ${k.descending !== backwards ? 'DESC' : 'ASC'}`).join(', ');
}

/**
 * The rows of a page whose keys `page` selects (k0, k1…, the last one the rid), in page order: the JSON is read
 * for these rows only, after the sort and the LIMIT. With `liveLimit` (a row count), `page` selects
 * candidates in order that may be deleted: the live ones are kept here, up to that many.
 */
function withRows(page: string, keys: { descending: boolean }[], backwards: boolean, liveLimit?: number): string {
  const cols = keys.map((_, i) => `p.k${i}`).join(', ');
  return (
    `SELECT r.rid, r.resource_type, r.id, r.version, r.last_updated, r.deleted, r.json, ${cols} ` +
    `FROM (${page}) p CROSS JOIN resources r WHERE r.rid = p.k${keys.length - 1}${liveLimit ? ' AND r.deleted = 0' : ''} ` +
    `ORDER BY ${orderBy(keys, backwards, 'p.')}${liveLimit ? ` LIMIT ${liveLimit}` : ''}`
  );
}

/**
 * Nearest first with a `near` condition. The points of the R*Tree box get their distance computed once (the
 * materialized `c`), are sorted on their keys alone, and the JSON is read for the rows of the page only.
 *
 * Without other conditions, only the candidates up to the distance of the (_count + 1)-th one past the cursor
 * have their resource row read (for the `_id` tie-breaker): each point is a live resource of the searched type
 * (index rows exist for live resources only, and their pid names the type), so those candidates hold the page.
 * Points after the cursor's distance are all after the cursor, whatever their `_id`: the bound counts those only.
 */
function nearPage(
  s: SearchSession,
  b: SqlBuilder,
  plan: SearchPlan,
  geo: NonNullable<ReturnType<typeof nearDriver>>,
  keys: ReturnType<typeof effectiveKeys>,
  cursor: Cursor | undefined,
): string {
  const types = plan.resourceTypes;
  const backwards = cursor?.d === 'p';
  const v = geo.condition.values[0];
  const choice = nearChoice(s, geo, types);
  const distance = `geo_km(g.min_lat, g.min_lon, ${b.p(v.lat)}, ${b.p(v.lon)})`;
  // The box's points, or those of the driving condition's rids in the box, found by their R*Tree id: the same rows
  // either way, so distances (from the tree's coordinates) and cursors do not depend on the choice.
  const candidates = choice.driver
    ? `SELECT DISTINCT p.rid, ${distance} AS km FROM ${choice.driver.from} CROSS JOIN idx_geo_point p CROSS JOIN idx_geo g ` +
      `WHERE ${choice.driver.where(b)} AND p.rid = ${choice.driver.rid} AND p.pid ${b.pids(types, geo.condition.code)} ` +
      `AND g.id = p.rid * ${GEO_SLOTS} + p.ord AND ${b.nearBox(v, 'g')}`
    : `SELECT ${geoRid('g')} AS rid, ${distance} AS km FROM idx_geo g ` +
      `WHERE ${b.geoParam(types, geo.condition.code, 'g')} AND ${b.nearBox(v, 'g')}`;
  const exprs = ['c.km', ...keys.slice(1).map((k) => (k.kind === 'rid' ? 'r.rid' : b.sortExpr(k, 'r', types)))];
  const selectKeys = exprs.map((e, i) => `${e} AS k${i}`).join(', ');
  let where = `c.km <= ${b.p(v.km)}`;
  if (!geo.rest.length) {
    const past = cursor ? ` AND km ${backwards ? '<' : '>'} ${b.p(cursor.k[0])}` : '';
    const bound = `(SELECT km FROM c WHERE km <= ${b.p(v.km)}${past} ORDER BY km ${backwards ? 'DESC' : 'ASC'} LIMIT 1 OFFSET ${pageLimit(plan) - 1})`;
    where += backwards ? ` AND c.km >= coalesce(${bound}, -1e308)` : ` AND c.km <= coalesce(${bound}, 1e308)`;
  }
  const { driver, probed } = choice;
  where += ` AND r.rid = c.rid AND ${b.scoped('r', types, geo.rest.filter((c) => c !== driver?.condition && !probed.includes(c)), true)}`;
  if (probed.length) {
    b.probes.add('r');
    where += ` AND ${b.all(probed, 'r', types)}`;
    b.probes.delete('r');
  }
  if (cursor) where += ` AND ${keyset(b, keys, cursor, backwards)}`;
  const page =
    `WITH c AS MATERIALIZED (${candidates}) SELECT ${selectKeys} FROM c CROSS JOIN resources r WHERE ${where} ` +
    `ORDER BY ${orderBy(keys, backwards)} LIMIT ${pageLimit(plan)}`;
  return withRows(page, keys, backwards);
}

/** A `near` box is counted up to this many points; a larger one counts as this large (nearChoice). */
const NEAR_BOX_COUNT_CAP = 20_000;
/** A condition drives a `near` page when its rows are fewer than the box's points divided by this (nearChoice). */
const NEAR_DRIVER_RATIO = 16;

/**
 * How a `near` page with other conditions reads its candidates and checks those conditions.
 *
 * - `driver`: a condition whose index rows are fewer than a sixteenth of the box's points gives the candidates
 *   itself (its rids, their points looked up by id): otherwise `organization=Organization/x` within 100 km
 *   computes the distance of the box's 20,000 points for a handful of sites. A point costs ≈ 0.3 µs from the box
 *   and a few µs by id, hence the ratio (BENCHMARKS.md, "Measurements behind the code").
 * - `probed`: the conditions checked by a probe per candidate rather than as a set. A set is built whole before
 *   the first candidate: `status=active` matches most Locations, and building that set costs far more than
 *   probing the 150 candidates of a 5 km box (BENCHMARKS.md, "Measurements behind the code"). A small set is cheaper than probes, e.g. a
 *   chain to one organization against the 20,000 candidates of a 100 km box. So a condition is probed when its
 *   index rows outnumber twice the candidates; one whose size cannot be told cheaply (a chain, `_has`) stays a set.
 *
 * The counts are LIMIT-ed reads: the smallest condition first (up to NEAR_BOX_COUNT_CAP / NEAR_DRIVER_RATIO rows),
 * then the box up to the size that would make that condition the driver.
 */
function nearChoice(
  s: SearchSession,
  geo: NonNullable<ReturnType<typeof nearDriver>>,
  types: string[],
): { driver?: DriverRows; probed: Condition[] } {
  if (!geo.rest.length) return { probed: [] };
  const driverCap = NEAR_BOX_COUNT_CAP / NEAR_DRIVER_RATIO;
  let smallest: { rows: DriverRows; n: number } | undefined;
  for (const c of geo.rest) {
    const rows = driverRows(s, c, types, driverCap);
    if (!rows) continue;
    const cap = smallest ? Math.min(driverCap, smallest.n) : driverCap;
    const n = countUpTo(s, rows.from, rows.where, cap + 1);
    if (n <= driverCap && (!smallest || n < smallest.n)) smallest = { rows, n };
  }
  const boxCap = smallest ? smallest.n * NEAR_DRIVER_RATIO + 1 : NEAR_BOX_COUNT_CAP;
  const inBox = (b: SqlBuilder) => `${b.geoParam(types, geo.condition.code, 'g')} AND ${b.nearBox(geo.condition.values[0], 'g')}`;
  const box = countUpTo(s, 'idx_geo g', inBox, boxCap);
  if (smallest && box >= boxCap) {
    // Driven by a small set, the candidates are few: every other condition is probed.
    const driver = smallest.rows;
    return { driver, probed: geo.rest.filter((c) => c !== driver.condition) };
  }
  return { probed: geo.rest.filter((c) => (isSizedLeaf(c) || c.kind === 'same-element') && !setSizeAtMost(s, c, types, 2 * box)) };
}

/** Rows giving the rids (`rid`) of the searched type that satisfy `condition` (`from` … `where`): a `near` driver. */
interface DriverRows {
  condition: Condition;
  from: string;
  /** Writes its parameters into `b`, so call it where the SQL is written. */
  where: (b: SqlBuilder) => string;
  rid: string;
}

/**
 * The rows that can drive a `near` page from condition `c`: a leaf's index rows; or, for a chain to one type whose
 * only condition is a leaf matching at most `cap` targets (checked here, so that counting the chain stays
 * bounded), the references to those targets (`organization.identifier=<FINESS>`). Otherwise undefined.
 */
function driverRows(s: SearchSession, c: Condition, types: string[], cap: number): DriverRows | undefined {
  if (isSizedLeaf(c) && c.kind !== 'near') {
    return { condition: c, from: `${tableOf(c)} t`, where: (b) => b.leafWhere(c, 't', types), rid: 't.rid' };
  }
  if (c.kind !== 'chain' || c.targetTypes.length !== 1 || c.where.length !== 1) return undefined;
  const [inner] = c.where;
  if (!isSizedLeaf(inner) || inner.kind === 'near' || leafRowsUpTo(s, inner, c.targetTypes, cap) > cap) return undefined;
  return {
    condition: c,
    // A target's index rows exist while it is live; its (type, id) is what references point to.
    from: `${tableOf(inner)} t CROSS JOIN resources tr CROSS JOIN idx_ref ref`,
    where: (b) =>
      `${b.leafWhere(inner, 't', c.targetTypes)} AND tr.rid = t.rid AND ref.pid ${b.pids(types, c.code)} ` +
      `AND ref.target_id = tr.id AND ref.target_type = tr.resource_type`,
    rid: 'ref.rid',
  };
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
  return { condition, rest: plan.where.filter((c) => c !== condition) };
}

/** EXPLAIN QUERY PLAN of a plan's first page (benches and diagnostics). */
export function explainSearch(db: Database.Database, indexer: Indexer, plan: SearchPlan): string[] {
  const s: SearchSession = { db, codes: (type, code) => indexer.indexCode(type, code) };
  const { sql, params } = pageQuery(s, plan, effectiveKeys(plan), undefined);
  prepare(s.db, sql); // registers the SQL functions on this connection
  return (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
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

