/**
 * Injection safety of the MongoDB store's filters, without an engine: every client value of a search plan ends up
 * as a scalar under one of the adapter's own operators (never as an operator or a field name), an object smuggled
 * in as a value is refused, and text matched inside values is an escaped pattern.
 */
import type { Condition, SearchPlan } from '../../../src/store/search-plan';
import { FilterBuilder } from '../../../src/store/mongo/search-filter';
import { containing, eq, lit, UnsafeValueError } from '../../../src/store/mongo/safe';

const OPERATORS = new Set(['$and', '$or', '$nor', '$eq', '$ne', '$in', '$gt', '$gte', '$lt', '$lte', '$regex', '$elemMatch', '$geoWithin', '$centerSphere']);
const HOSTILE = ['$where', '{"$gt":""}', '*', '.*', '\\', '"', '$ne', 'a.b'];

/** Every key of `filter`: operators must be the adapter's; others are field paths of its documents. */
function keys(filter: unknown, out: string[] = []): string[] {
  if (Array.isArray(filter)) filter.forEach((x) => keys(x, out));
  else if (filter && typeof filter === 'object') {
    for (const [k, v] of Object.entries(filter)) {
      out.push(k);
      keys(v, out);
    }
  }
  return out;
}

function values(filter: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(filter)) filter.forEach((x) => values(x, out));
  else if (filter && typeof filter === 'object') Object.values(filter).forEach((v) => values(v, out));
  else out.push(filter);
  return out;
}

const FIELD = /^(_id|t|id|del|lu|ix(\.(s|k|r|d|n|geo|tx|ct)(\.(c|n|e|s|v|x|ts|tc|t|i|u|lo|hi|g|lat|lon|pt))?)?|c|n|e|s|v|x|ts|tc|i|u|lo|hi|g|lat|lon|pt)$/;

function conditions(v: string): Condition[] {
  const range = { prefix: 'eq' as const, value: 1, lo: 0, hi: 2 };
  return [
    { kind: 'string', code: 'name', mode: 'starts', values: [v] },
    { kind: 'string', code: 'name', mode: 'exact', values: [v] },
    { kind: 'string', code: 'name', mode: 'contains', values: [v] },
    { kind: 'string', code: 'name', mode: 'equals', values: [v] },
    { kind: 'token', code: 'identifier', values: [{ system: v, code: v }, { system: null, code: v }] },
    { kind: 'token-text', code: 'type', values: [v] },
    { kind: 'of-type', code: 'identifier', values: [{ system: v, code: v, value: v }] },
    { kind: 'uri', code: 'url', mode: 'eq', values: [v] },
    { kind: 'uri', code: 'url', mode: 'below', values: [v] },
    { kind: 'uri', code: 'url', mode: 'above', values: [`${v}/x`] },
    { kind: 'reference', code: 'partof', values: [{ type: v, id: v }, { id: v }, { url: v }] },
    { kind: 'reference-identifier', code: 'partof', values: [{ system: v, code: v }] },
    { kind: 'quantity', code: 'value-quantity', values: [{ ...range, system: v, code: v }] },
    { kind: 'id', ids: [v] },
    { kind: 'text', field: 'content', values: [v] },
    { kind: 'not', condition: { kind: 'id', ids: [v] } },
  ];
}

describe('MongoDB filters hold client values as data', () => {
  const builder = (elemMatch: boolean) =>
    new FilterBuilder({ codes: (_t, c) => c, geoIndex: false, elemMatch, find: async () => [{ _id: 'Organization/x', t: 'Organization', id: 'x', ix: undefined }] });

  test.each([true, false])('every operator is the adapter\'s, every field its own, every value a scalar (elemMatch: %s)', async (elemMatch) => {
    for (const v of HOSTILE) {
      const plan: SearchPlan = { resourceTypes: ['Organization'], where: conditions(v), sort: [], count: 10, total: 'none' };
      const filter = await builder(elemMatch).scoped(plan.resourceTypes, plan.where);
      for (const k of keys(filter)) {
        if (k.startsWith('$')) expect(OPERATORS).toContain(k);
        else if (!/^\d+$/.test(k)) expect(k).toMatch(FIELD);
      }
      for (const x of values(filter)) expect(x === null || ['string', 'number', 'boolean'].includes(typeof x)).toBe(true);
    }
  });

  test('an object given as a value is refused before any query', async () => {
    const smuggled = { $gt: '' } as unknown as string;
    expect(() => lit(smuggled)).toThrow(UnsafeValueError);
    expect(() => eq({ $where: 'sleep(1)' } as unknown as string)).toThrow(UnsafeValueError);
    await expect(builder(true).scoped(['Organization'], [{ kind: 'id', ids: [smuggled] }])).rejects.toThrow(UnsafeValueError);
    await expect(builder(false).scoped(['Organization'], [{ kind: 'string', code: 'name', mode: 'exact', values: [smuggled] }])).rejects.toThrow(UnsafeValueError);
    expect(() => lit(Number.NaN)).toThrow(UnsafeValueError);
  });

  test('equality is written $eq, so an operator-looking string stays a string; patterns are escaped', () => {
    expect(eq('$where')).toEqual({ $eq: '$where' });
    const pattern = new RegExp(containing('.*(a)[b]\\$').$regex);
    expect(pattern.test('x.*(a)[b]\\$y')).toBe(true);
    expect(pattern.test('anything')).toBe(false);
  });
});
