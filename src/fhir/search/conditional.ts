/**
 * Conditional create/update/delete matching (If-None-Exist, PUT/DELETE /Type?query):
 * https://hl7.org/fhir/R4/http.html#ccreate — the query is a search; unknown parameters are refused (a
 * conditional write must never match more than the client meant).
 */
import type { StoreReader, StoredVersion } from '../../store/store';
import { InvalidCursorError } from '../../store/errors';
import { badRequest } from '../../errors';
import { planSearch, type SearchContext } from './plan';

export async function findConditionalMatches(
  reader: StoreReader,
  search: SearchContext,
  resourceType: string,
  query: string,
  limit: number,
): Promise<StoredVersion[]> {
  const params = [...new URLSearchParams(query.replace(/^\?/, '')).entries()] as [string, string][];
  const criteria = params.filter(([k]) => !k.startsWith('_') || ['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source', '_has'].some((p) => k === p || k.startsWith(`${p}:`)));
  if (!criteria.length) throw badRequest(`conditional request needs search criteria, got '${query}'`);
  const planned = planSearch(search, [resourceType], criteria, { defaultCount: limit, maxCount: limit, strict: true });
  try {
    return (await reader.search({ ...planned.plan, count: limit, total: 'none' })).entries;
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badRequest(err.message);
    throw err;
  }
}
