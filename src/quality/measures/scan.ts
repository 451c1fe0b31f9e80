/**
 * Reading the store page by page through the port (`StoreReader.search` with a cursor, in id order), so that an
 * evaluation over the whole region or the nation holds one page of resources at a time, never all of them.
 */
import type { Condition, SearchPlan } from '../../store/search-plan';
import type { StoredVersion, StoreReader } from '../../store/store';

export const SCAN_PAGE = 1000;

/** Every current (not deleted) version of `resourceType` matching `where`, page after page. */
export async function* scan(reader: StoreReader, resourceType: string, where: Condition[] = []): AsyncGenerator<StoredVersion[]> {
  const plan: SearchPlan = { resourceTypes: [resourceType], where, sort: [{ kind: 'id', descending: false }], count: SCAN_PAGE, total: 'none' };
  let cursor: string | undefined;
  do {
    const page = await reader.search({ ...plan, cursor });
    const live = page.entries.filter((e) => !e.deleted);
    if (live.length) yield live;
    cursor = page.next;
  } while (cursor);
}

/** `code` references one of `targets` (`Type/id`), asked in chunks of 100 (the plan's OR-list limit). */
export async function* scanReferencing(reader: StoreReader, resourceType: string, code: string, targets: { type: string; id: string }[]): AsyncGenerator<StoredVersion[]> {
  for (let i = 0; i < targets.length; i += 100) {
    yield* scan(reader, resourceType, [{ kind: 'reference', code, values: targets.slice(i, i + 100) }]);
  }
}

/** The id a reference points to when it is `Type/id` (relative or absolute), else undefined. */
export function idOf(ref: { reference?: string } | undefined, type: string): string | undefined {
  const r = ref?.reference;
  if (!r) return undefined;
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/.*)?$`).exec(r);
  return m?.[1];
}
