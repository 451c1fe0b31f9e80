/**
 * The shared step of conditional create, update, patch and delete: find what a search query names, allowing at
 * most one match (https://hl7.org/fhir/R4/http.html#cond-update: several matches are a 412).
 */
import type { StoredVersion, StoreReader } from '../../store/store';
import { preconditionFailed } from '../../errors';
import type { SearchContext } from '../search/plan';
import { findConditionalMatches } from '../search/conditional';

export function stripQuestionMark(query: string): string {
  return query.startsWith('?') ? query.slice(1) : query;
}

/**
 * The single resource of `type` matching `query`, or undefined when none does; a 412 naming `interaction` when
 * several do.
 */
export async function findSingleMatch(
  reader: StoreReader,
  search: SearchContext,
  type: string,
  query: string,
  interaction: string,
): Promise<StoredVersion | undefined> {
  const matches = await findConditionalMatches(reader, search, type, stripQuestionMark(query), 2);
  if (matches.length > 1) {
    throw preconditionFailed(`${interaction} '${query}' matches several ${type} resources: make the criteria selective`);
  }
  return matches[0];
}
