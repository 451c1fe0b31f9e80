/**
 * delete: https://hl7.org/fhir/R4/http.html#delete — soft: a deletion is a new version, later reads answer 410
 * and history keeps it. Deleting an already deleted resource succeeds without a new version.
 * Conditional delete: https://hl7.org/fhir/R4/http.html#2.21.0.13.1 — no match succeeds, one is deleted,
 * several are a 412 (this server deletes a single match only).
 */
import type { StoredVersion } from '../../store/store';
import type { SearchContext } from '../search/plan';
import type { WriteTx } from '../../kernel/write-tx';
import { notFound } from '../../errors';
import { assertKnownType } from '../ids';
import { conditionQuery } from '../request';
import type { Route } from '../route-table';
import { findSingleMatch } from './conditional';
import { readForChange } from './write-common';

/** DELETE /[type]/[id], and DELETE /[type]?criteria (conditional delete). */
export const deleteRoutes: Route[] = [
  {
    method: 'DELETE',
    pattern: ':type/:id',
    handler: async (_ctx, req, { type, id }, io) => ({ status: 204, version: await io.write((tx) => remove(tx, type!, id!, req.headers)) }),
  },
  {
    method: 'DELETE',
    pattern: ':type',
    handler: async (ctx, req, { type }, io) => {
      const deleted = await io.write((tx) => conditionalRemove(tx, ctx.kernel, type!, conditionQuery(req), req.headers));
      return deleted ? { status: 204, version: deleted } : { status: 204 };
    },
  },
];

/** Returns the deletion version, or the current one when the resource was already deleted. */
export async function remove(tx: WriteTx, type: string, id: string, options: { ifMatch?: string } = {}): Promise<StoredVersion> {
  const current = await readForChange(tx, type, id, options.ifMatch);
  if (!current) throw notFound(`${type}/${id} does not exist`);
  if (current.deleted) return current;
  return tx.remove(type, id, current);
}

/** Returns the deletion version, or undefined when nothing matched. */
export async function conditionalRemove(
  tx: WriteTx,
  search: SearchContext,
  type: string,
  query: string,
  options: { ifMatch?: string } = {},
): Promise<StoredVersion | undefined> {
  assertKnownType(type);
  const target = await findSingleMatch(tx, search, type, query, 'conditional delete');
  return target ? remove(tx, type, target.id, options) : undefined;
}
