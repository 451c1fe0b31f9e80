/**
 * create: https://hl7.org/fhir/R4/http.html#create — the server assigns the id (any id in the body is ignored).
 * Conditional create (If-None-Exist): https://hl7.org/fhir/R4/http.html#ccreate — no match creates, one match
 * returns it unchanged (200), several matches are a 412.
 */
import type { SearchContext } from '../search/plan';
import type { WriteOutcome, WriteTx } from '../../kernel/write-tx';
import { assertKnownType, newId } from '../ids';
import { resourceBody } from '../request';
import type { Route } from '../route-table';
import { findSingleMatch } from './conditional';
import { written } from './write-common';

export interface CreateOptions {
  /** The If-None-Exist header: a search query such as `identifier=http://x|1`. */
  ifNoneExist?: string;
  /** Id to use instead of a new one (transactions assign ids to `urn:uuid:` entries before processing). */
  assignedId?: string;
}

/** POST /[type] */
export const createRoute: Route = {
  method: 'POST',
  pattern: ':type',
  handler: async (ctx, req, { type }, io) =>
    written(
      await io.write((tx) =>
        create(tx, ctx.kernel, type!, resourceBody(req), { ifNoneExist: req.headers.ifNoneExist, assignedId: req.assignedId }),
      ),
    ),
};

export async function create(
  tx: WriteTx,
  search: SearchContext,
  type: string,
  body: unknown,
  options: CreateOptions = {},
): Promise<WriteOutcome> {
  assertKnownType(type);
  const resource = tx.validate(body, { type });
  if (options.ifNoneExist !== undefined) {
    const existing = await findSingleMatch(tx, search, type, options.ifNoneExist, 'If-None-Exist');
    if (existing) return { version: existing, status: 200 };
  }
  return tx.store(resource, { id: options.assignedId ?? newId(), current: undefined });
}
