/**
 * What every store adapter computes alike from a SearchPlan (./search-plan.ts), whatever its query language:
 * - the sort keys a page is ordered by: the plan's, then the id (unless already there), then the resource number
 *   (`rid`: unique and kept across updates, so keyset paging never skips nor repeats a resource);
 * - the signature of a plan, which a cursor carries so it only pages the search it came from;
 * - a cursor's text (base64url JSON);
 * - the values `:above` on a uri matches: the uri itself and every parent path of it.
 */
import { createHash } from 'node:crypto';
import type { SearchPlan, SortKey } from './search-plan';

export type KeysetKey = SortKey | { kind: 'rid'; descending: false };

export function effectiveKeys(plan: SearchPlan): KeysetKey[] {
  if (!plan.sort.length) return [{ kind: 'rid', descending: false }];
  const keys: KeysetKey[] = [...plan.sort];
  if (!plan.sort.some((k) => k.kind === 'id')) keys.push({ kind: 'id', descending: false });
  keys.push({ kind: 'rid', descending: false });
  return keys;
}

/** The plan without its paging (cursor, total, count), hashed. */
export function planSignature(plan: SearchPlan): string {
  const { cursor: _c, total: _t, count: _n, ...rest } = plan;
  return createHash('sha1').update(JSON.stringify(rest)).digest('base64url').slice(0, 12);
}

export function encodeCursor(cursor: object): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** `:above` on a uri: the uri itself and every parent path of it. */
export function uriPrefixes(uri: string): string[] {
  const out = [uri];
  let u = uri;
  for (let i = u.lastIndexOf('/'); i > 0 && !u.slice(0, i).endsWith('/'); i = u.lastIndexOf('/')) {
    u = u.slice(0, i);
    out.push(u);
  }
  return out;
}
