/**
 * SearchPlan execution on MongoDB: the filter (./search-filter.ts), then a page in keyset order.
 *
 * Results are ordered by the plan's sort keys, then `_id`, then `rid` (unique, given at creation, so an update
 * does not move a resource); a cursor holds the key values of the row it stops at (as the SQLite adapter's), so
 * the next page starts right after it whatever was written in between.
 * - Keys the documents carry (default order `rid`, `_id`, `_lastUpdated`): sorted, sought and limited by the
 *   engine (indexes (t, rid), (t, id), (t, lu)).
 * - Keys computed from search values (a parameter's smallest or largest value, the distance to a point): the
 *   matching documents' keys are read (search values only, not the resources), ordered here, and the page's
 *   documents fetched by id. Cost grows with the number of matches; FerretDB 1.x runs no `$reduce` over arrays.
 * Totals are counted by the engine (`estimate` is counted too).
 */
import type { Collection, Filter, Sort } from 'mongodb';
import type { SearchPlan, SearchResult } from '../search-plan';
import { InvalidCursorError } from '../errors';
import { effectiveKeys, encodeCursor as encode, planSignature as signature, type KeysetKey } from '../search-keyset';
import { distanceKm } from '../../indexing/geo';
import type { ResourceDoc } from './documents';
import { toStored } from './documents';
import { and, FilterBuilder, type FilterContext } from './search-filter';
import { lit, MAX_CHAR } from './safe';

type Key = KeysetKey;
type KeyValue = string | number;

interface Cursor {
  q: string;
  d: 'n' | 'p' | 's';
  k: KeyValue[];
}

const NATIVE: Record<string, keyof ResourceDoc> = { rid: 'rid', id: 'id', lastUpdated: 'lu' };



function decode(text: string, sig: string, nKeys: number): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    if (c.q === sig && ['n', 'p', 's'].includes(c.d) && Array.isArray(c.k) && c.k.length === nKeys && c.k.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return c;
    }
  } catch {
    /* fall through */
  }
  throw new InvalidCursorError(text);
}

export interface SearchDeps extends Omit<FilterContext, 'find'> {
  resources: Collection<ResourceDoc>;
}

export async function executeSearch(deps: SearchDeps, plan: SearchPlan): Promise<SearchResult> {
  const { resources } = deps;
  const filters = new FilterBuilder({
    ...deps,
    find: (filter, projection) => resources.find(filter, { projection }).toArray(),
  });
  const sig = signature(plan);
  const keys = effectiveKeys(plan);
  const cursor = plan.cursor ? decode(plan.cursor, sig, keys.length) : undefined;
  const filter = await filters.scoped(plan.resourceTypes, plan.where);
  const result: Partial<SearchResult> = {};
  if (plan.count === 0) return { entries: [], total: await resources.countDocuments(filter) };

  const backwards = cursor?.d === 'p';
  const native = keys.every((k) => k.kind in NATIVE);
  const { rows, keyOf } = native
    ? await nativePage(resources, filter, keys, cursor, plan.count + 1)
    : await computedPage(deps, filter, keys, cursor, plan.count + 1);
  const more = rows.length > plan.count;
  const page = rows.slice(0, plan.count);
  if (backwards) page.reverse();
  result.entries = page.map(toStored);
  if (plan.total !== 'none') result.total = !cursor && !more ? page.length : await resources.countDocuments(filter);
  if (plan.cursor) result.self = plan.cursor;
  if (page.length) {
    const hasNext = backwards ? true : more;
    const hasPrevious = backwards ? more : !!cursor;
    if (hasNext) result.next = encode({ q: sig, d: 'n', k: keyOf(page[page.length - 1]) });
    if (hasPrevious) result.previous = encode({ q: sig, d: 'p', k: keyOf(page[0]) });
    if (cursor && cursor.d !== 's') result.self = encode({ q: sig, d: 's', k: keyOf(page[0]) });
  }
  return result as SearchResult;
}

/** Whether key `i` runs descending on this page ('p' pages walk backwards: every key reversed). */
const descending = (k: Key, backwards: boolean) => k.descending !== backwards;

async function nativePage(resources: Collection<ResourceDoc>, filter: Filter<ResourceDoc>, keys: Key[], cursor: Cursor | undefined, limit: number) {
  const backwards = cursor?.d === 'p';
  const fields = keys.map((k) => NATIVE[k.kind]);
  let where = filter;
  if (cursor) {
    // (k0 > c0) OR (k0 = c0 AND k1 > c1) OR …, each comparison in its key's direction; a self page includes c.
    const alternatives: Filter<ResourceDoc>[] = [];
    for (let i = 0; i < keys.length; i++) {
      const conj: Record<string, unknown> = {};
      for (let j = 0; j < i; j++) conj[fields[j]] = { $eq: lit(cursor.k[j]) };
      conj[fields[i]] = { [descending(keys[i], backwards) ? '$lt' : '$gt']: lit(cursor.k[i]) };
      alternatives.push(conj as Filter<ResourceDoc>);
    }
    if (cursor.d === 's') alternatives.push(Object.fromEntries(fields.map((f, j) => [f, { $eq: lit(cursor.k[j]) }])) as Filter<ResourceDoc>);
    where = and([filter, { $or: alternatives }]);
  }
  const sort: Sort = Object.fromEntries(fields.map((f, i) => [f, descending(keys[i], backwards) ? -1 : 1]));
  const rows = await resources.find(where, { projection: { ix: 0 } }).sort(sort).limit(limit).toArray();
  return { rows, keyOf: (d: ResourceDoc) => fields.map((f) => d[f] as KeyValue) };
}

/** Sort values computed from the search values: every match's keys read, ordered and cut here. */
async function computedPage(deps: SearchDeps, filter: Filter<ResourceDoc>, keys: Key[], cursor: Cursor | undefined, limit: number) {
  const backwards = cursor?.d === 'p';
  const projection: Record<string, 1> = { t: 1, id: 1, rid: 1, lu: 1 };
  for (const k of keys) {
    if (k.kind === 'distance') projection['ix.geo'] = 1;
    if (k.kind === 'param') projection[`ix.${SORT_VALUES[k.index][0]}`] = 1;
  }
  const candidates = await deps.resources.find(filter, { projection }).toArray();
  const keyed = candidates.map((d) => ({ d, k: keys.map((k) => sortValue(deps, d, k)) }));
  const cmp = (a: KeyValue[], b: KeyValue[]) => {
    for (let i = 0; i < keys.length; i++) {
      if (a[i] === b[i]) continue;
      const lt = a[i] < b[i];
      return (lt ? -1 : 1) * (descending(keys[i], backwards) ? -1 : 1);
    }
    return 0;
  };
  let ordered = keyed.sort((a, b) => cmp(a.k, b.k));
  if (cursor) ordered = ordered.filter((x) => (cursor.d === 's' ? cmp(x.k, cursor.k) >= 0 : cmp(x.k, cursor.k) > 0));
  const chosen = ordered.slice(0, limit);
  const docs = await deps.resources.find({ _id: { $in: chosen.map((x) => x.d._id) } }, { projection: { ix: 0 } }).toArray();
  const byId = new Map(docs.map((d) => [d._id, d]));
  const keyById = new Map(chosen.map((x) => [x.d._id, x.k]));
  const rows = chosen.map((x) => byId.get(x.d._id)).filter((d): d is ResourceDoc => d !== undefined);
  return { rows, keyOf: (d: ResourceDoc) => keyById.get(d._id)! };
}

/** Where a parameter's sort value is read: array, field, numeric (as the SQLite adapter's SORT_COLUMNS). */
const SORT_VALUES: Record<string, [arr: string, field: (desc: boolean) => string, numeric: boolean]> = {
  string: ['s', () => 'n', false],
  token: ['k', () => 'v', false],
  uri: ['k', () => 'v', false],
  reference: ['r', () => 'i', false],
  date: ['d', (desc) => (desc ? 'hi' : 'lo'), true],
  number: ['n', () => 'v', true],
  quantity: ['n', () => 'v', true],
  geo: ['geo', () => 'lat', true],
};

/** A key's value on a document: missing values sort last in both directions. */
function sortValue(deps: SearchDeps, d: Partial<ResourceDoc>, k: Key): KeyValue {
  switch (k.kind) {
    case 'rid':
      return d.rid!;
    case 'id':
      return d.id!;
    case 'lastUpdated':
      return d.lu!;
    case 'distance': {
      const code = deps.codes(d.t!, k.code);
      const ds = (d.ix?.geo ?? []).filter((p) => p.c === code).map((p) => distanceKm(p.lat, p.lon, k.lat, k.lon));
      return ds.length ? Math.min(...ds) : k.descending ? -1e308 : 1e308;
    }
    case 'param': {
      const [arr, field, numeric] = SORT_VALUES[k.index];
      const code = deps.codes(d.t!, k.code);
      const elements = ((d.ix as unknown as Record<string, Record<string, unknown>[]> | undefined)?.[arr] ?? []).filter((e) => e.c === code);
      const values = elements.map((e) => e[field(k.descending)]).filter((v): v is KeyValue => v !== null && v !== undefined);
      if (!values.length) return numeric ? (k.descending ? -1e308 : 1e308) : k.descending ? '' : MAX_CHAR;
      return values.reduce((a, b) => ((k.descending ? b > a : b < a) ? b : a));
    }
  }
}
