/**
 * When the referential sync last succeeded, whoever ran it (the scheduler of any instance, `npm run sync`): the
 * newest AuditEvent recording a run (src/sync/report.ts) whose outcome is a success ('0', or '4' with rejected
 * lines), read from the store. One indexed search of one row: cheap enough for every scrape.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { planSearch, type SearchContext } from '../fhir/search/plan';
import type { StoreReader } from '../store/store';
import { SYNC_RUN_SUBTYPE } from '../sync/report';

export function lastSyncSuccess(store: Pick<StoreReader, 'search'>, search: SearchContext): () => Promise<number | undefined> {
  const { plan } = planSearch(
    search,
    ['AuditEvent'],
    [
      ['subtype', `${SYNC_RUN_SUBTYPE.system}|${SYNC_RUN_SUBTYPE.code}`],
      ['outcome', '0,4'],
      ['_sort', '-date'],
      ['_count', '1'],
    ],
    { defaultCount: 1, maxCount: 1, strict: true },
  );
  return async () => {
    const [newest] = (await store.search(plan)).entries;
    if (!newest) return undefined;
    const event = JSON.parse(newest.json) as AuditEvent;
    const at = Date.parse(event.period?.end ?? event.recorded);
    return Number.isFinite(at) ? at : undefined;
  };
}
