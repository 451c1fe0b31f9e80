/**
 * Translates the conditions of a SearchPlan into SQL predicates over the index tables (see migration 2).
 * Every predicate is written on an alias of `resources` (`alias.rid IN (SELECT rid FROM idx_… WHERE …)`), so
 * conditions nest freely: chains and `_has` recurse with a fresh alias of `resources`.
 */
import type { Condition, LeafCondition, RangeValue, SortKey } from '../search-plan';
import { uriPrefixes } from '../search-keyset';
import { pidOf } from './search-pid';

/** Upper bound of every string starting with a prefix (U+10FFFF sorts after any other code point). */
export const MAX_CHAR = '\u{10FFFF}';

/** At most this many geo points per resource: the R*Tree id is rid * GEO_SLOTS + ord (migration 8). */
export const GEO_SLOTS = 8;
/** A geo parameter's extent in the R*Tree's third dimension, [n, n + extent] (why not 0: migration 8). */
export const GEO_PARAM_EXTENT = 0.5;

/** Alternatives per parenthesised OR group: see anyOf. */
const OR_FANOUT = 16;

/**
 * `(a OR b OR …)`, or `0` (false) when there is none, nested as a balanced tree of groups of OR_FANOUT: SQLite
 * bounds the depth of an expression (1000), which a flat chain of a thousand alternatives (a long OR-list in a
 * query, a value set's expansion, the targets of a `_revinclude`) exceeds ("Expression tree is too large"). The
 * query planner splits nested ORs like flat ones. Parameters stay in textual order.
 */
export function anyOf(parts: string[]): string {
  if (!parts.length) return '0';
  let level = parts;
  while (level.length > OR_FANOUT) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += OR_FANOUT) next.push(`(${level.slice(i, i + OR_FANOUT).join(' OR ')})`);
    level = next;
  }
  return `(${level.join(' OR ')})`;
}

/** The index rows a default-order page is read from (see pageQuery in search-index.ts). */
export interface Driver {
  table: string;
  /** Forces the index that yields the rows in rid order. */
  indexedBy?: string;
  where: string;
}

/** The code whose index rows a parameter of a type reads (Indexer.indexCode). */
export type IndexCodes = (resourceType: string, code: string) => string;

export class SqlBuilder {
  readonly params: unknown[] = [];
  private n = 0;
  /**
   * The `resources` alias whose conditions are written as a probe per row (`EXISTS (… WHERE t.rid = alias.rid …)`,
   * served by the index tables' primary key (rid, pid, ord)) instead of `alias.rid IN (set)`, a set SQLite builds
   * in full before the first row. Probes cost a few page reads per row examined, whatever the size of the set:
   * what a bounded count (a sample, or rows driven from a small set) needs. Chains and `_has` under a probed
   * alias probe too, through the references of the row (a set there would be rebuilt for every row).
   */
  readonly probes = new Set<string>();

  constructor(private readonly codes: IndexCodes) {}

  p(value: unknown): string {
    this.params.push(value);
    return '?';
  }

  alias(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  pids(types: string[], code: string): string {
    // A parameter that duplicates another reads that one's rows (Indexer.indexCode).
    const list = types.map((t) => pidOf(t, this.codes(t, code)));
    return list.length === 1 ? `= ${this.p(list[0])}` : `IN (${list.map((x) => this.p(x)).join(', ')})`;
  }

  /**
   * `alias` (a `resources` alias) is a live resource of `types` matching every condition. Conditions go most
   * selective first (SQLite drives the query from the first `rid IN (…)` it can use). When some condition yields
   * a candidate set, the resource_type index is disabled (`+alias.resource_type`): otherwise SQLite may walk every
   * resource of the type and probe the sets, the slowest plan for a selective search. With an `_id` condition the
   * (type, id) unique index is the best access path, so it is kept.
   */
  scoped(alias: string, types: string[], conditions: Condition[], noTypeIndex = false): string {
    const where = [...conditions].sort((x, y) => selectivityRank(x) - selectivityRank(y));
    // `_id`, and `_has` when it leads, select by (type, id): the unique (resource_type, id) index must stay usable.
    const hasId = where.some((c) => c.kind === 'id') || where[0]?.kind === 'has';
    const driven = noTypeIndex || (!hasId && where.some((c) => selectivityRank(c) < 9 && !isLastUpdated(c)));
    const typeCol = `${driven ? '+' : ''}${alias}.resource_type`;
    const typeSql = types.length === 1 ? `= ${this.p(types[0])}` : `IN (${types.map((t) => this.p(t)).join(', ')})`;
    return `${typeCol} ${typeSql} AND ${alias}.deleted = 0 AND ${this.all(where, alias, types)}`;
  }

  /**
   * When `c` can be read from an index in rid order (one token code or one reference target, one resource type),
   * the table and row condition to drive a default-order page from: the page then seeks to its cursor and stops
   * after _count rows. Otherwise undefined.
   */
  driver(c: Condition, types: string[], d: string): Driver | undefined {
    if (types.length !== 1) return undefined;
    if ((c.kind === 'token' || c.kind === 'reference-identifier') && c.values.length === 1 && c.values[0].code !== undefined) {
      return { table: 'idx_token', where: this.leafWhere(c, d, types) };
    }
    if (c.kind === 'reference' && c.values.length === 1 && c.values[0].id !== undefined && c.values[0].url === undefined) {
      return { table: 'idx_ref', where: this.leafWhere(c, d, types) };
    }
    if (c.kind === 'same-element') return this.sameElementDriver(c.conditions, types, d);
    return undefined;
  }

  /**
   * Conditions on one repeated element (the ROR orientation query: type, status, temporality, gender and count of
   * one capacity entry) driven from the rows of one of its single-code tokens, in rid order, each row's siblings
   * checked on the same (rid, grp). A default-order page then stops after _count resources instead of building
   * the whole candidate set first: these queries are broad (most bed zones have some free bed), so that matters.
   */
  private sameElementDriver(leaves: LeafCondition[], types: string[], d: string): Driver | undefined {
    const lead = leaves.findIndex((l) => l.kind === 'token' && l.values.length === 1 && l.values[0].code !== undefined);
    if (lead < 0) return undefined;
    // Parameters are positional: build the SQL in the order it is written.
    const leadWhere = this.leafWhere(leaves[lead], d, types);
    const siblings = leaves.filter((_, i) => i !== lead).map((leaf) => {
      const t = this.alias('g');
      return (
        // The sibling's own columns are written `+t.col`, which no index can serve: SQLite then looks the rows
        // up by the primary key (rid, …), a handful per resource, instead of through a value index that it
        // would otherwise pick (it has no statistics) and scan, or materialize, for every lead row.
        `EXISTS (SELECT 1 FROM ${tableOf(leaf)} ${t} WHERE ${t}.rid = ${d}.rid AND +${t}.grp = ${d}.grp ` +
        `AND ${this.leafWhere(leaf, `+${t}`, types)})`
      );
    });
    // idx_token_value is (pid, value, rid, …): the lead rows come in rid order, the default page order.
    return { table: 'idx_token', indexedBy: 'idx_token_value', where: [leadWhere, `${d}.grp > 0`, ...siblings].join(' AND ') };
  }

  /** Predicates joined with AND, on `alias` (a `resources` alias) whose type is one of `types`. */
  all(conditions: Condition[], alias: string, types: string[]): string {
    return conditions.length ? conditions.map((c) => this.cond(c, alias, types)).join(' AND ') : '1';
  }

  cond(c: Condition, alias: string, types: string[]): string {
    switch (c.kind) {
      case 'and':
        return `(${this.all(c.conditions, alias, types)})`;
      case 'or':
        return anyOf(c.conditions.map((x) => this.cond(x, alias, types)));
      case 'not':
        return `NOT ${this.cond(c.condition, alias, types)}`;
      case 'id':
        return c.ids.length ? `${alias}.id IN (${c.ids.map((id) => this.p(id)).join(', ')})` : '0';
      case 'text': {
        const t = this.alias('x');
        const ors = c.values.map((v) => `instr(${t}.${c.field === 'text' ? 'narrative' : 'content'}, ${this.p(v)}) > 0`);
        return this.ridIn(alias, t, `idx_text ${t}`, anyOf(ors));
      }
      case 'chain': {
        // Driven from the targets matching the rest of the chain (CROSS JOIN fixes that loop order), then the
        // references pointing to them through (pid, target_id).
        const ref = this.alias('c');
        const target = this.alias('r');
        if (this.probes.has(alias)) {
          // Probe: this resource's references (primary key), their targets by (type, id), each target probed.
          this.probes.add(target);
          const pid = `${ref}.pid ${this.pids(types, c.code)}`;
          const scope = this.probedScope(target, c.targetTypes, c.where);
          return (
            `EXISTS (SELECT 1 FROM idx_ref ${ref} CROSS JOIN resources ${target} WHERE ${ref}.rid = ${alias}.rid AND ${pid} ` +
            `AND ${target}.resource_type = ${ref}.target_type AND ${target}.id = ${ref}.target_id AND ${scope})`
          );
        }
        const scoped = this.scoped(target, c.targetTypes, c.where);
        return (
          `${alias}.rid IN (SELECT ${ref}.rid FROM resources ${target} CROSS JOIN idx_ref ${ref} ` +
          `WHERE ${scoped} AND ${ref}.pid ${this.pids(types, c.code)} ` +
          `AND ${ref}.target_id = ${target}.id AND ${ref}.target_type = ${target}.resource_type)`
        );
      }
      case 'has': {
        // Driven from the sources matching the inner condition, then their references; the targets are
        // matched on (type, id) through the resources' unique index, with no lookup of each target row.
        const ref = this.alias('h');
        const source = this.alias('r');
        if (this.probes.has(alias)) {
          // Probe: references to this resource (idx_ref_target), their sources by rid, each source probed.
          this.probes.add(source);
          const pid = `${ref}.pid ${this.pids([c.sourceType], c.code)}`;
          const scope = this.probedScope(source, [c.sourceType], c.where);
          return (
            `EXISTS (SELECT 1 FROM idx_ref ${ref} CROSS JOIN resources ${source} WHERE ${pid} AND ${ref}.target_id = ${alias}.id ` +
            `AND ${ref}.target_type = ${alias}.resource_type AND ${source}.rid = ${ref}.rid AND ${scope})`
          );
        }
        const [lead, ...rest] = [...c.where].sort((x, y) => selectivityRank(x) - selectivityRank(y));
        if (lead && isIndexLeaf(lead) && rest.every(isRidOnly)) {
          // The sources are the rids of the leading condition's index rows: rows exist for live resources only
          // (a deletion removes them) and their pid names the source type, so no source row is read (it was one
          // random lookup per source, half the time of a broad `_has`). The other conditions are on those rids.
          const t = this.alias('t');
          const leadWhere = this.leafWhere(lead, t, [c.sourceType]);
          return (
            `(${alias}.resource_type, ${alias}.id) IN (SELECT ${ref}.target_type, ${ref}.target_id FROM ${tableOf(lead)} ${t} ` +
            `CROSS JOIN idx_ref ${ref} WHERE ${leadWhere} AND ${ref}.rid = ${t}.rid AND ${ref}.pid ${this.pids([c.sourceType], c.code)}` +
            `${rest.length ? ` AND ${this.all(rest, ref, [c.sourceType])}` : ''})`
          );
        }
        const scoped = this.scoped(source, [c.sourceType], c.where);
        return (
          `(${alias}.resource_type, ${alias}.id) IN (SELECT ${ref}.target_type, ${ref}.target_id FROM resources ${source} ` +
          `CROSS JOIN idx_ref ${ref} WHERE ${scoped} AND ${ref}.rid = ${source}.rid AND ${ref}.pid ${this.pids([c.sourceType], c.code)})`
        );
      }
      case 'same-element': {
        // All leaves on rows of one element instance: join their rows on (rid, grp). The first leaf drives through
        // its value index; the others are looked up by rid only (their columns written `+t.col`, see
        // sameElementDriver).
        const parts = c.conditions.map((leaf) => ({ leaf, t: this.alias('g') }));
        const from = parts
          .map(({ leaf, t }, i) =>
            i === 0
              ? `${tableOf(leaf)} ${t}`
              : `JOIN ${tableOf(leaf)} ${t} ON ${t}.rid = ${parts[0].t}.rid AND +${t}.grp = ${parts[0].t}.grp`,
          )
          .join(' ');
        const probe = this.probes.has(alias);
        const where = parts.map(({ leaf, t }, i) => this.leafWhere(leaf, i === 0 && !probe ? t : `+${t}`, types)).join(' AND ');
        return this.ridIn(alias, parts[0].t, from, `${parts[0].t}.grp > 0 AND ${where}`);
      }
      case 'missing': {
        // Every version has a lastUpdated, kept in its own column rather than in index rows.
        if (c.code === LAST_UPDATED) return c.missing ? '0' : '1';
        const t = this.alias('m');
        const table = TABLES[c.index];
        const has = this.ridIn(alias, t, `${table} ${t}`, `${t}.pid ${this.pids(types, c.code)}`);
        return c.missing ? `NOT ${has}` : has;
      }
      case 'date':
        if (c.code === LAST_UPDATED) return this.lastUpdated(c.values, alias);
        return this.leafIn(c, alias, types);
      default:
        return this.leafIn(c, alias, types);
    }
  }

  private leafIn(c: LeafCondition, alias: string, types: string[]): string {
    const t = this.alias('t');
    // `near` reads the R*Tree, which has no rid index to probe: it keeps its (bounded, box-sized) set.
    if (c.kind === 'near') return `${alias}.rid IN (SELECT ${geoRid(t)} FROM idx_geo ${t} WHERE ${this.leafWhere(c, t, types)})`;
    // A probe writes the value columns `+t.col`: only the primary key (rid, …) may serve it, never a value index
    // that SQLite (without statistics) could prefer and scan for every row.
    return this.ridIn(alias, t, `${tableOf(c)} ${t}`, this.leafWhere(c, this.probes.has(alias) ? `+${t}` : t, types));
  }

  /** A probed alias is live, of `types`, and matches `conditions` (probes), its row being found by the caller. */
  private probedScope(alias: string, types: string[], conditions: Condition[]): string {
    const typeSql = types.length === 1 ? `= ${this.p(types[0])}` : `IN (${types.map((t) => this.p(t)).join(', ')})`;
    return `${alias}.resource_type ${typeSql} AND ${alias}.deleted = 0 AND ${this.all(conditions, alias, types)}`;
  }

  /** `alias.rid` among the rids of `from` (whose rid column is `t.rid`) under `where`: a set, or a probe. */
  private ridIn(alias: string, t: string, from: string, where: string): string {
    return this.probes.has(alias)
      ? `EXISTS (SELECT 1 FROM ${from} WHERE ${t}.rid = ${alias}.rid AND ${where})`
      : `${alias}.rid IN (SELECT ${t}.rid FROM ${from} WHERE ${where})`;
  }

  /** The WHERE clause selecting matching rows of a leaf's table (aliased `t`). */
  leafWhere(c: LeafCondition, t: string, types: string[]): string {
    if (c.kind === 'near') {
      return `${this.geoParam(types, c.code, t)} AND ${anyOf(
        c.values.map((v) => `(${this.nearBox(v, t)} AND geo_km(${t}.min_lat, ${t}.min_lon, ${this.p(v.lat)}, ${this.p(v.lon)}) <= ${this.p(v.km)})`),
      )}`;
    }
    const pid = `${t}.pid ${this.pids(types, c.code)}`;
    const or = anyOf;
    switch (c.kind) {
      case 'string':
        return `${pid} AND ${or(
          c.values.map((v) => {
            if (c.mode === 'exact') return `${t}.exact = ${this.p(v)}`;
            if (c.mode === 'contains') return `instr(${t}.norm, ${this.p(v)}) > 0`;
            if (c.mode === 'equals') return `${t}.norm = ${this.p(v)}`;
            return `(${t}.norm >= ${this.p(v)} AND ${t}.norm < ${this.p(v + MAX_CHAR)})`;
          }),
        )}`;
      case 'token':
      case 'reference-identifier':
        return `${pid} AND ${or(
          c.values.map((v) => {
            const parts: string[] = [];
            if (v.code !== undefined) parts.push(`${t}.value = ${this.p(v.code)}`);
            if (v.system === null) parts.push(`${t}.system IS NULL`);
            else if (v.system !== undefined) parts.push(`${t}.system = ${this.p(v.system)}`);
            return parts.length ? `(${parts.join(' AND ')})` : `${t}.value IS NOT NULL`;
          }),
        )}`;
      case 'token-text':
        return `${pid} AND ${or(c.values.map((v) => `(${t}.text >= ${this.p(v)} AND ${t}.text < ${this.p(v + MAX_CHAR)})`))}`;
      case 'of-type':
        return `${pid} AND ${or(
          c.values.map(
            (v) =>
              `(${t}.value = ${this.p(v.value)} AND ${t}.type_code = ${this.p(v.code)} AND ${t}.type_system = ${this.p(v.system)})`,
          ),
        )}`;
      case 'uri':
        return `${pid} AND ${or(
          c.values.map((v) => {
            if (c.mode === 'below') return `(${t}.value >= ${this.p(v)} AND ${t}.value < ${this.p(v + MAX_CHAR)})`;
            if (c.mode === 'above') return `${t}.value IN (${uriPrefixes(v).map((x) => this.p(x)).join(', ')})`;
            return `${t}.value = ${this.p(v)}`;
          }),
        )}`;
      case 'reference':
        return `${pid} AND ${or(
          c.values.map((v) => {
            if (v.url !== undefined) return `${t}.url = ${this.p(v.url)}`;
            if (v.type !== undefined) return `(${t}.target_id = ${this.p(v.id)} AND ${t}.target_type = ${this.p(v.type)})`;
            return `${t}.target_id = ${this.p(v.id)}`;
          }),
        )}`;
      case 'date':
        return `${pid} AND ${or(c.values.map((v) => this.dateCompare(v, t)))}`;
      case 'number':
        return `${pid} AND ${or(c.values.map((v) => this.numberCompare(v, t)))}`;
      case 'quantity':
        return `${pid} AND ${or(
          c.values.map((v) => {
            // Parameters are positional: build the parts in the order they appear in the SQL.
            const compare = this.numberCompare(v, t);
            const unit = v.code !== undefined ? ` AND ${t}.unit = ${this.p(v.code)}` : '';
            const system = v.system !== undefined ? ` AND ${t}.system = ${this.p(v.system)}` : '';
            return `(${compare}${unit}${system})`;
          }),
        )}`;
      case 'missing':
        return pid;
    }
  }

  /**
   * The R*Tree rows (`t`, idx_geo) of a geo parameter: its number (geo_params, migration 8) is the tree's third
   * dimension, so the tree filters on it without reading a row elsewhere.
   */
  geoParam(types: string[], code: string, t: string): string {
    return `${t}.min_param ${types.length === 1 ? '=' : 'IN'} (SELECT n FROM geo_params WHERE pid ${this.pids(types, code)})`;
  }

  /** The R*Tree rows (`t`, idx_geo) in the lat/lon box around a `near` value's circle: its candidates. */
  nearBox(v: { lat: number; lon: number; km: number }, t: string): string {
    const dLat = v.km / 111.2;
    const dLon = v.km / (111.2 * Math.max(0.01, Math.cos((v.lat * Math.PI) / 180)));
    return (
      `${t}.min_lat >= ${this.p(v.lat - dLat)} AND ${t}.max_lat <= ${this.p(v.lat + dLat)} ` +
      `AND ${t}.min_lon >= ${this.p(v.lon - dLon)} AND ${t}.max_lon <= ${this.p(v.lon + dLon)}`
    );
  }

  /**
   * `_lastUpdated` on the resources' own column (an instant: a point), so a sync-style query
   * (`_lastUpdated=gt…&_sort=_lastUpdated`) walks the (resource_type, last_updated) index in order.
   */
  private lastUpdated(values: RangeValue[], alias: string): string {
    const col = `${alias}.last_updated`;
    const iso = (ms: number) => this.p(new Date(Math.max(-8.64e15, Math.min(8.64e15, ms))).toISOString());
    const parts = values.map((v) => {
      switch (v.prefix) {
        case 'gt':
        case 'sa':
          return `${col} > ${iso(v.hi)}`;
        case 'lt':
        case 'eb':
          return `${col} < ${iso(v.lo)}`;
        case 'ge':
          return `${col} >= ${iso(v.lo)}`;
        case 'le':
          return `${col} <= ${iso(v.hi)}`;
        default:
          return `(${col} >= ${iso(v.lo)} AND ${col} <= ${iso(v.hi)})`;
      }
    });
    return anyOf(parts);
  }

  /** https://hl7.org/fhir/R4/search.html#prefix — ranges compared as the spec words it. */
  private dateCompare(v: RangeValue, t: string): string {
    const lo = `${t}.lo`;
    const hi = `${t}.hi`;
    switch (v.prefix) {
      case 'gt':
        return `${hi} > ${this.p(v.hi)}`;
      case 'lt':
        return `${lo} < ${this.p(v.lo)}`;
      case 'ge':
        return `(${hi} > ${this.p(v.hi)} OR (${lo} >= ${this.p(v.lo)} AND ${hi} <= ${this.p(v.hi)}))`;
      case 'le':
        return `(${lo} < ${this.p(v.lo)} OR (${lo} >= ${this.p(v.lo)} AND ${hi} <= ${this.p(v.hi)}))`;
      case 'sa':
        return `${lo} > ${this.p(v.hi)}`;
      case 'eb':
        return `${hi} < ${this.p(v.lo)}`;
      case 'ap':
        return `(${lo} <= ${this.p(v.hi)} AND ${hi} >= ${this.p(v.lo)})`;
      default:
        return `(${lo} >= ${this.p(v.lo)} AND ${hi} <= ${this.p(v.hi)})`;
    }
  }

  /** Numbers: the stored value against the search value and its implicit range (precision). */
  private numberCompare(v: RangeValue, t: string): string {
    const x = `${t}.value`;
    switch (v.prefix) {
      case 'gt':
        return `${x} > ${this.p(v.value)}`;
      case 'lt':
        return `${x} < ${this.p(v.value)}`;
      case 'ge':
        return `${x} >= ${this.p(v.value)}`;
      case 'le':
        return `${x} <= ${this.p(v.value)}`;
      case 'sa':
        return `${x} > ${this.p(v.hi)}`;
      case 'eb':
        return `${x} < ${this.p(v.lo)}`;
      default: // eq, ap: within [lo, hi)
        return `(${x} >= ${this.p(v.lo)} AND ${x} < ${this.p(v.hi)})`;
    }
  }

  /** SQL for one sort key's value on `alias` (missing values sort last in both directions). */
  sortExpr(k: SortKey, alias: string, types: string[]): string {
    const agg = k.descending ? 'max' : 'min';
    const missing = (numeric: boolean) =>
      numeric ? (k.descending ? '-1e308' : '1e308') : k.descending ? "''" : this.p(MAX_CHAR);
    switch (k.kind) {
      case 'id':
        return `${alias}.id`;
      case 'lastUpdated':
        return `${alias}.last_updated`;
      case 'distance': {
        const t = this.alias('d');
        return `coalesce((SELECT min(geo_km(${t}.lat, ${t}.lon, ${this.p(k.lat)}, ${this.p(k.lon)})) FROM idx_geo_point ${t} WHERE ${t}.rid = ${alias}.rid AND ${t}.pid ${this.pids(types, k.code)}), 1e308)`;
      }
      case 'param': {
        const t = this.alias('s');
        const [table, col, numeric] = SORT_COLUMNS[k.index](k.descending);
        return `coalesce((SELECT ${agg}(${t}.${col}) FROM ${table} ${t} WHERE ${t}.rid = ${alias}.rid AND ${t}.pid ${this.pids(types, k.code)}), ${missing(numeric)})`;
      }
    }
  }
}

const LAST_UPDATED = '_lastUpdated';

/** A `_lastUpdated` date condition: answered on the resources' own column, never from index rows. */
export function isLastUpdated(c: Condition): boolean {
  return c.kind === 'date' && c.code === LAST_UPDATED;
}

/** A leaf read from index rows (of a parameter of the resource's own type), usable to drive a query. */
function isIndexLeaf(c: Condition): c is LeafCondition {
  switch (c.kind) {
    case 'string':
    case 'token':
    case 'token-text':
    case 'of-type':
    case 'uri':
    case 'reference':
    case 'reference-identifier':
    case 'number':
    case 'quantity':
    case 'near':
      return true;
    case 'date':
      return !isLastUpdated(c);
    default:
      return false;
  }
}

/** A condition written on its alias's `rid` alone (`alias.rid IN …`), so any table with a rid column can carry it. */
function isRidOnly(c: Condition): boolean {
  switch (c.kind) {
    case 'id':
    case 'has':
      return false;
    case 'date':
      return !isLastUpdated(c);
    case 'and':
    case 'or':
      return c.conditions.every(isRidOnly);
    case 'not':
      return isRidOnly(c.condition);
    default:
      return true;
  }
}

/** A rough guess of how few rows a condition leaves (lower = fewer); ≥ 9: not usable to drive a query. */
export function selectivityRank(c: Condition): number {
  switch (c.kind) {
    case 'id':
      return 0;
    case 'token':
    case 'reference':
    case 'reference-identifier':
    case 'of-type':
      return 1;
    case 'uri':
      return 2;
    case 'string':
      return c.mode === 'exact' ? 2 : c.mode === 'starts' ? 3 : 8;
    case 'same-element':
      return 3;
    case 'chain':
      return 4;
    case 'has':
    case 'near':
      return 5;
    case 'date':
    case 'number':
    case 'quantity':
      return 6;
    case 'token-text':
    case 'text':
      return 8;
    case 'missing':
      return c.missing ? 10 : 8;
    case 'not':
      return 10;
    case 'and':
      return Math.min(10, ...c.conditions.map(selectivityRank));
    case 'or':
      return c.conditions.length ? Math.max(...c.conditions.map(selectivityRank)) : 10;
  }
}

const TABLES: Record<string, string> = {
  string: 'idx_string',
  token: 'idx_token',
  uri: 'idx_token',
  reference: 'idx_ref',
  date: 'idx_date',
  number: 'idx_number',
  quantity: 'idx_number',
  geo: 'idx_geo_point',
};

const SORT_COLUMNS: Record<string, (desc: boolean) => [string, string, boolean]> = {
  string: () => ['idx_string', 'norm', false],
  token: () => ['idx_token', 'value', false],
  uri: () => ['idx_token', 'value', false],
  reference: () => ['idx_ref', 'target_id', false],
  date: (desc) => ['idx_date', desc ? 'hi' : 'lo', true],
  number: () => ['idx_number', 'value', true],
  quantity: () => ['idx_number', 'value', true],
  geo: () => ['idx_geo_point', 'lat', true],
};

export function tableOf(c: LeafCondition): string {
  switch (c.kind) {
    case 'string':
      return 'idx_string';
    case 'token':
    case 'token-text':
    case 'of-type':
    case 'uri':
    case 'reference-identifier':
      return 'idx_token';
    case 'reference':
      return 'idx_ref';
    case 'date':
      return 'idx_date';
    case 'number':
    case 'quantity':
      return 'idx_number';
    case 'near':
      return 'idx_geo';
    case 'missing':
      return TABLES[c.index];
  }
}

/** The rid of an R*Tree row `t` (idx_geo), from its id (rid * GEO_SLOTS + ord). */
export function geoRid(t: string): string {
  return `${t}.id / ${GEO_SLOTS}`;
}

