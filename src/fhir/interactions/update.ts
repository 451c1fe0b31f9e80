/**
 * update: https://hl7.org/fhir/R4/http.html#update — create-on-update with a client id is allowed (201).
 * Conditional update: https://hl7.org/fhir/R4/http.html#cond-update — no match creates (with the body id when it
 * has one), one match updates it, several are a 412.
 */
import type { SearchContext } from '../search/plan';
import type { WriteOutcome, WriteTx } from '../../kernel/write-tx';
import { badRequest } from '../../errors';
import { assertKnownType, assertValidId, newId } from '../ids';
import { conditionQuery, resourceBody } from '../request';
import type { Route } from '../route-table';
import { findSingleMatch } from './conditional';
import { readForChange, written } from './write-common';

/** PUT /[type]/[id], and PUT /[type]?criteria (conditional update). */
export const updateRoutes: Route[] = [
  {
    method: 'PUT',
    pattern: ':type/:id',
    handler: async (_ctx, req, { type, id }, io) => written(await io.write((tx) => update(tx, type!, id!, resourceBody(req), req.headers))),
  },
  {
    method: 'PUT',
    pattern: ':type',
    handler: async (ctx, req, { type }, io) =>
      written(await io.write((tx) => conditionalUpdate(tx, ctx.kernel, type!, conditionQuery(req), resourceBody(req), req.headers))),
  },
];

export async function update(
  tx: WriteTx,
  type: string,
  id: string,
  body: unknown,
  options: { ifMatch?: string } = {},
): Promise<WriteOutcome> {
  const current = await readForChange(tx, type, id, options.ifMatch);
  const resource = tx.validate(body, { type, id, current });
  return tx.store(resource, { id, current });
}

export async function conditionalUpdate(
  tx: WriteTx,
  search: SearchContext,
  type: string,
  query: string,
  body: unknown,
  options: { ifMatch?: string } = {},
): Promise<WriteOutcome> {
  assertKnownType(type);
  const target = await findSingleMatch(tx, search, type, query, 'conditional update');
  const bodyId = (body as { id?: unknown } | null)?.id;
  if (target) {
    if (bodyId !== undefined && bodyId !== target.id) {
      throw badRequest(`the body id '${String(bodyId)}' differs from ${type}/${target.id}, the resource matching '${query}'`);
    }
    return update(tx, type, target.id, { ...(body as object), id: target.id }, options);
  }
  if (typeof bodyId === 'string') {
    assertValidId(bodyId);
    return update(tx, type, bodyId, body, options);
  }
  const id = newId();
  return update(tx, type, id, { ...(body as object), id }, options);
}
