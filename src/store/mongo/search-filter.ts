/**
 * Translates the conditions of a SearchPlan into MongoDB filters on the `resources` collection. Leaf conditions are
 * `$elemMatch`es on the search value arrays (documents.ts); a value's alternatives are flat conjunctions, ORed
 * outside the `$elemMatch` (an element matches one of them), which every engine of the wire protocol runs.
 *
 * What one filter cannot say runs as a staged lookup first, its result becoming a set of ids in the filter:
 * - chains: the targets matching the rest of the chain, then `ix.r` elements pointing to them;
 * - `_has`: the sources matching the inner conditions, their references read, the targets selected by (type, id);
 * - `same-element` (composites, ROR capacity entries): candidates having each leaf anywhere, then the element
 *   instances (`g`) compared in the adapter;
 * - `near` without a 2dsphere index: candidates in the bounding box, then the exact distance (the kernel's
 *   distanceKm); with a 2dsphere index, `$geoWithin` a `$centerSphere` of the same Earth radius.
 * Every value goes through ./safe.ts.
 */
import type { Filter } from 'mongodb';
import type { Condition, LeafCondition, RangeValue } from '../search-plan';
import { uriPrefixes } from '../search-keyset';
import { distanceKm, EARTH_RADIUS_KM } from '../../indexing/geo';
import type { ResourceDoc, SearchValues } from './documents';
import { containing, eq, lit, oneOf, startsWith } from './safe';

type F = Filter<ResourceDoc>;
/** A flat conjunction on the fields of one array element. */
type Elem = Record<string, unknown>;

export const NOTHING: F = { _id: { $in: [] } };
const LAST_UPDATED = '_lastUpdated';

export interface FilterContext {
  /** The code whose search values a parameter of a type reads (Indexer.indexCode). */
  codes(resourceType: string, code: string): string;
  /** A staged lookup: the documents matching `filter`, with the fields of `projection` only. */
  find(filter: F, projection: Record<string, 0 | 1>): Promise<Partial<ResourceDoc>[]>;
  /** The engine has 2dsphere indexes and `$geoWithin` (not FerretDB 1.x). */
  geoIndex: boolean;
  /** The engine runs `$elemMatch` with conditions on the elements' fields (not FerretDB 1.x). */
  elemMatch: boolean;
}

type Arr = keyof Omit<SearchValues, 'tx' | 'ct'>;

/** Live resources of `types` (every type when empty). */
export function scope(types: string[]): F {
  if (!types.length) return { del: eq(false) } as F;
  return { t: types.length === 1 ? eq(types[0]) : oneOf(types), del: eq(false) } as F;
}

export class FilterBuilder {
  constructor(private readonly ctx: FilterContext) {}

  /** Every condition holds, on resources of `types`, scope included. */
  async scoped(types: string[], conditions: Condition[]): Promise<F> {
    return and([scope(types), await this.all(conditions, types)]);
  }

  async all(conditions: Condition[], types: string[]): Promise<F> {
    return and(await Promise.all(conditions.map((c) => this.cond(c, types))));
  }

  async cond(c: Condition, types: string[]): Promise<F> {
    switch (c.kind) {
      case 'and':
        return this.all(c.conditions, types);
      case 'or': {
        const parts = await Promise.all(c.conditions.map((x) => this.cond(x, types)));
        return parts.length ? { $or: parts } : NOTHING;
      }
      case 'not':
        return { $nor: [await this.cond(c.condition, types)] };
      case 'id':
        return c.ids.length ? ({ id: oneOf(c.ids) } as F) : NOTHING;
      case 'text': {
        const field = c.field === 'text' ? 'ix.tx' : 'ix.ct';
        return or(c.values.map((v) => ({ [field]: containing(v) }) as F));
      }
      case 'chain':
        return this.chain(c, types);
      case 'has':
        return this.has(c, types);
      case 'same-element':
        return this.sameElement(c.conditions, types);
      case 'missing': {
        if (c.code === LAST_UPDATED) return c.missing ? NOTHING : {};
        const arr = ARRAYS[c.index];
        const has = this.perType(types, c.code, (code) => ({ [`ix.${arr}.c`]: eq(code) }) as F);
        return c.missing ? { $nor: [has] } : has;
      }
      case 'date':
        if (c.code === LAST_UPDATED) return or(c.values.map(lastUpdated));
        return this.leaf(c, types);
      case 'near':
        return this.near(c, types);
      default:
        return this.leaf(c, types);
    }
  }


  /**
   * A leaf: some element of its array, of its code, matches one of its values' alternatives. With `$elemMatch` on
   * fields, one filter; otherwise a staged lookup: the documents whose array paths meet each comparison (on any
   * elements: a necessary condition), then the element-wise match here, giving ids.
   */
  private leaf(c: LeafCondition, types: string[], extra: Elem = {}): Promise<F> {
    return this.elements(arrayOf(c), types, c.code, elementAlternatives(c), extra);
  }

  /** Some element of `arr`, of parameter `param`, matches `extra` and one of `alts` (see leaf). */
  private async elements(arr: Arr, types: string[], param: string, alts: Elem[], extra: Elem = {}): Promise<F> {
    if (this.ctx.elemMatch) {
      return this.perType(types, param, (code) => or(alts.map((alt) => ({ [`ix.${arr}`]: { $elemMatch: { c: eq(code), ...extra, ...alt } } }) as F)));
    }
    const paths = (conj: Elem) =>
      Object.fromEntries(Object.entries(conj).filter(([, op]) => !('$ne' in (op as object))).map(([field, op]) => [`ix.${arr}.${field}`, op]));
    const candidates = this.perType(types, param, (code) => or(alts.map((alt) => ({ [`ix.${arr}.c`]: eq(code), ...paths(extra), ...paths(alt) }) as F)));
    const docs = await this.ctx.find(and([scope(types), candidates]), { _id: 1, t: 1, [`ix.${arr}`]: 1 });
    const ids = docs
      .filter((d) => {
        const code = types.length ? this.ctx.codes(d.t!, param) : param;
        const elements = (d.ix?.[arr] ?? []) as unknown as Record<string, unknown>[];
        return elements.some((e) => e.c === code && matches(e, extra) && alts.some((a) => matches(e, a)));
      })
      .map((d) => d._id!);
    return ids.length ? ({ _id: oneOf(ids) } as F) : NOTHING;
  }

  /**
   * `fn(code)` for the index code of `code` in each type: one filter when every type reads the same code (the
   * scope already names the types), otherwise one per group of types.
   */
  private perType(types: string[], code: string, fn: (code: string) => F): F {
    if (!types.length) return fn(code);
    const groups = new Map<string, string[]>();
    for (const t of types) {
      const c = this.ctx.codes(t, code);
      groups.set(c, [...(groups.get(c) ?? []), t]);
    }
    if (groups.size === 1) return fn([...groups.keys()][0]);
    return { $or: [...groups].map(([c, ts]) => ({ $and: [{ t: oneOf(ts) }, fn(c)] }) as F) };
  }

  private async chain(c: Extract<Condition, { kind: 'chain' }>, types: string[]): Promise<F> {
    const targets = await this.ctx.find(await this.scoped(c.targetTypes, c.where), { t: 1, id: 1 });
    if (!targets.length) return NOTHING;
    const byType = group(targets.map((d) => [d.t!, d.id!]));
    return this.elements('r', types, c.code, [...byType].map(([t, ids]) => ({ t: eq(t), i: oneOf(ids) })));
  }

  private async has(c: Extract<Condition, { kind: 'has' }>, types: string[]): Promise<F> {
    const sources = await this.ctx.find(await this.scoped([c.sourceType], c.where), { 'ix.r': 1 });
    const code = this.ctx.codes(c.sourceType, c.code);
    const pairs: [string, string][] = [];
    for (const s of sources) {
      for (const r of s.ix?.r ?? []) if (r.c === code && r.t && r.i && (!types.length || types.includes(r.t))) pairs.push([r.t, r.i]);
    }
    if (!pairs.length) return NOTHING;
    return or([...group(pairs)].map(([t, ids]) => ({ t: eq(t), id: oneOf(ids) }) as F));
  }

  /** Candidates with every leaf somewhere (grouped elements), then one element instance `g` matching them all. */
  private async sameElement(leaves: LeafCondition[], types: string[]): Promise<F> {
    const candidates = and([scope(types), ...(await Promise.all(leaves.map((l) => this.leaf(l, types, { g: { $gt: 0 } }))))]);
    const docs = await this.ctx.find(candidates, { _id: 1, t: 1, ix: 1 });
    const ids = docs
      .filter((d) => {
        let common: Set<number> | undefined;
        for (const leaf of leaves) {
          const code = this.ctx.codes(d.t!, leaf.code);
          const alts = elementAlternatives(leaf);
          const elements = (d.ix?.[arrayOf(leaf)] ?? []) as unknown as Record<string, unknown>[];
          const groups = new Set(elements.filter((e) => e.c === code && (e.g as number) > 0 && alts.some((a) => matches(e, a))).map((e) => e.g as number));
          common = common ? new Set([...common].filter((g) => groups.has(g))) : groups;
          if (!common.size) return false;
        }
        return true;
      })
      .map((d) => d._id!);
    return ids.length ? ({ _id: oneOf(ids) } as F) : NOTHING;
  }

  private async near(c: Extract<LeafCondition, { kind: 'near' }>, types: string[]): Promise<F> {
    if (this.ctx.geoIndex) {
      return this.perType(types, c.code, (code) =>
        or(c.values.map((v) => ({ 'ix.geo': { $elemMatch: { c: eq(code), pt: { $geoWithin: { $centerSphere: [[lit(v.lon), lit(v.lat)], lit(v.km) / EARTH_RADIUS_KM] } } } } }) as F)),
      );
    }
    const box = await this.leaf(c, types);
    const docs = await this.ctx.find(and([scope(types), box]), { _id: 1, t: 1, 'ix.geo': 1 });
    const ids = docs
      .filter((d) => {
        const code = types.length ? this.ctx.codes(d.t!, c.code) : c.code;
        return (d.ix?.geo ?? []).some((p) => p.c === code && c.values.some((v) => distanceKm(p.lat, p.lon, v.lat, v.lon) <= v.km));
      })
      .map((d) => d._id!);
    return ids.length ? ({ _id: oneOf(ids) } as F) : NOTHING;
  }
}

export function and(parts: F[]): F {
  const kept = parts.filter((p) => Object.keys(p).length);
  return kept.length === 0 ? {} : kept.length === 1 ? kept[0] : { $and: kept };
}

function or(parts: F[]): F {
  return parts.length === 0 ? NOTHING : parts.length === 1 ? parts[0] : { $or: parts };
}

function group(pairs: [string, string][]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [t, id] of pairs) out.set(t, [...(out.get(t) ?? []), id]);
  return out;
}

const ARRAYS: Record<string, Arr> = { string: 's', token: 'k', uri: 'k', reference: 'r', date: 'd', number: 'n', quantity: 'n', geo: 'geo' };

function arrayOf(c: LeafCondition): Arr {
  switch (c.kind) {
    case 'string':
      return 's';
    case 'token':
    case 'token-text':
    case 'of-type':
    case 'uri':
    case 'reference-identifier':
      return 'k';
    case 'reference':
      return 'r';
    case 'date':
      return 'd';
    case 'number':
    case 'quantity':
      return 'n';
    case 'near':
      return 'geo';
    case 'missing':
      return ARRAYS[c.index];
  }
}

/** The lat/lon box around a `near` value's circle (as the SQLite adapter's R*Tree query). */
function nearBox(v: { lat: number; lon: number; km: number }): Elem {
  const dLat = v.km / 111.2;
  const dLon = v.km / (111.2 * Math.max(0.01, Math.cos((v.lat * Math.PI) / 180)));
  return { lat: { $gte: lit(v.lat - dLat), $lte: lit(v.lat + dLat) }, lon: { $gte: lit(v.lon - dLon), $lte: lit(v.lon + dLon) } };
}

/** `_lastUpdated` on the document's own instant (ISO text sorts as time). */
function lastUpdated(v: RangeValue): F {
  const iso = (ms: number) => new Date(Math.max(-8.64e15, Math.min(8.64e15, ms))).toISOString();
  switch (v.prefix) {
    case 'gt':
    case 'sa':
      return { lu: { $gt: iso(v.hi) } };
    case 'lt':
    case 'eb':
      return { lu: { $lt: iso(v.lo) } };
    case 'ge':
      return { lu: { $gte: iso(v.lo) } };
    case 'le':
      return { lu: { $lte: iso(v.hi) } };
    default:
      return { lu: { $gte: iso(v.lo), $lte: iso(v.hi) } };
  }
}


/** https://hl7.org/fhir/R4/search.html#prefix — ranges compared as the spec words it (as the SQLite adapter). */
function dateAlternatives(v: RangeValue): Elem[] {
  const lo = lit(v.lo);
  const hi = lit(v.hi);
  switch (v.prefix) {
    case 'gt':
      return [{ hi: { $gt: hi } }];
    case 'lt':
      return [{ lo: { $lt: lo } }];
    case 'ge':
      return [{ hi: { $gt: hi } }, { lo: { $gte: lo }, hi: { $lte: hi } }];
    case 'le':
      return [{ lo: { $lt: lo } }, { lo: { $gte: lo }, hi: { $lte: hi } }];
    case 'sa':
      return [{ lo: { $gt: hi } }];
    case 'eb':
      return [{ hi: { $lt: lo } }];
    case 'ap':
      return [{ lo: { $lte: hi }, hi: { $gte: lo } }];
    default:
      return [{ lo: { $gte: lo }, hi: { $lte: hi } }];
  }
}

function numberAlternative(v: RangeValue): Elem {
  switch (v.prefix) {
    case 'gt':
      return { v: { $gt: lit(v.value) } };
    case 'lt':
      return { v: { $lt: lit(v.value) } };
    case 'ge':
      return { v: { $gte: lit(v.value) } };
    case 'le':
      return { v: { $lte: lit(v.value) } };
    case 'sa':
      return { v: { $gt: lit(v.hi) } };
    case 'eb':
      return { v: { $lt: lit(v.lo) } };
    default:
      return { v: { $gte: lit(v.lo), $lt: lit(v.hi) } };
  }
}

/** Each value of a leaf as flat conjunctions on one element (the code aside): an element matches one of them. */
export function elementAlternatives(c: LeafCondition): Elem[] {
  switch (c.kind) {
    case 'string':
      return c.values.map((v) => {
        if (c.mode === 'exact') return { e: eq(v) };
        if (c.mode === 'contains') return { n: containing(v) };
        if (c.mode === 'equals') return { n: eq(v) };
        return { n: startsWith(v) };
      });
    case 'token':
    case 'reference-identifier':
      return c.values.map((v) => {
        const e: Elem = {};
        if (v.code !== undefined) e.v = eq(v.code);
        if (v.system === null) e.s = eq(null);
        else if (v.system !== undefined) e.s = eq(v.system);
        return Object.keys(e).length ? e : { v: { $ne: null } };
      });
    case 'token-text':
      return c.values.map((v) => ({ x: startsWith(v) }));
    case 'of-type':
      return c.values.map((v) => ({ v: eq(v.value), tc: eq(v.code), ts: eq(v.system) }));
    case 'uri':
      return c.values.map((v) => {
        if (c.mode === 'below') return { v: startsWith(v) };
        if (c.mode === 'above') return { v: oneOf(uriPrefixes(v)) };
        return { v: eq(v) };
      });
    case 'reference':
      return c.values.map((v) => {
        if (v.url !== undefined) return { u: eq(v.url) };
        if (v.type !== undefined) return { i: eq(v.id ?? null), t: eq(v.type) };
        return { i: eq(v.id ?? null) };
      });
    case 'date':
      return c.values.flatMap(dateAlternatives);
    case 'number':
      return c.values.map(numberAlternative);
    case 'quantity':
      return c.values.map((v) => {
        const e = numberAlternative(v);
        if (v.code !== undefined) e.u = eq(v.code);
        if (v.system !== undefined) e.s = eq(v.system);
        return e;
      });
    case 'near':
      return c.values.map(nearBox);
    case 'missing':
      return [{}];
  }
}

/** Whether an element satisfies a flat conjunction of the operators written above (same-element in the adapter). */
export function matches(element: Record<string, unknown>, conj: Elem): boolean {
  return Object.entries(conj).every(([field, op]) => {
    const x = element[field] ?? null;
    return Object.entries(op as Record<string, unknown>).every(([k, v]) => {
      switch (k) {
        case '$eq':
          return x === v;
        case '$ne':
          return x !== v;
        case '$in':
          return (v as unknown[]).includes(x);
        case '$gt':
          return x !== null && (x as number) > (v as number);
        case '$gte':
          return x !== null && (x as number) >= (v as number);
        case '$lt':
          return x !== null && (x as number) < (v as number);
        case '$lte':
          return x !== null && (x as number) <= (v as number);
        case '$regex':
          return typeof x === 'string' && new RegExp(v as string).test(x);
        default:
          throw new Error(`unexpected operator ${k}`);
      }
    });
  });
}
