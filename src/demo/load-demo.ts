/**
 * Demo data: a small, coherent ROR region loaded on the first start of an empty store, so that a newcomer running
 * `npm start` has establishments, units, beds and professionals to explore. `ROR_DEMO_DATA=false` turns it off.
 *
 * The data is one FHIR transaction Bundle (./data/demo-region.bundle.json, provenance in ./README.md) run through
 * the same transaction processor as `POST /`: it is validated like any write and commits entirely or not at all.
 * Its entries are conditional creates on business identifiers, so posting the bundle again by hand never
 * duplicates anything. The composition root runs it as the actor `system:demo`.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { Logger } from '../logger';
import type { FhirContext } from '../fhir/context';
import { processBundle } from '../fhir/interactions/transaction';
import demoRegion from './data/demo-region.bundle.json';

export interface DemoLoadResult {
  /** True when the bundle was run (the store was empty). */
  loaded: boolean;
  /** Resources created. */
  count: number;
}

/** A fresh copy of the demo transaction Bundle (processing rewrites references in place, so never share one). */
export function demoBundle(): Bundle {
  return structuredClone(demoRegion) as unknown as Bundle;
}

/**
 * What makes a store "in use": any version, even deleted, of a resource of the offer. What the server writes into
 * every store on its own (the Measures it ships, src/quality/measures) does not count.
 */
const OFFER_TYPES = ['Organization', 'HealthcareService', 'Location', 'Practitioner', 'PractitionerRole'];

/**
 * Loads the demo region when the store holds no resource of the offer (not even a deleted one: any history means
 * the store is in use). Returns what it did; a failure of the transaction rejects and leaves the store empty.
 */
export async function loadDemoDataIfEmpty(ctx: FhirContext, logger: Pick<Logger, 'info'>): Promise<DemoLoadResult> {
  const histories = await Promise.all(OFFER_TYPES.map((resourceType) => ctx.store.history({ resourceType, count: 1 })));
  if (histories.some((h) => h.entries.length > 0)) {
    logger.info('demo data not loaded: the store already holds resources');
    return { loaded: false, count: 0 };
  }
  const response = await processBundle(ctx, freshenCapacityDates(demoBundle(), Date.now()), { returnMinimal: true });
  const created = (response.entry ?? []).filter(isCreated);
  const byType: Record<string, number> = {};
  for (const entry of created) {
    const type = entry.response?.location?.split('/')[0] ?? 'unknown';
    byType[type] = (byType[type] ?? 0) + 1;
  }
  logger.info(
    { count: created.length, byType },
    `demo data loaded into the empty store: ${created.length} resources (set ROR_DEMO_DATA=false to start empty)`,
  );
  return { loaded: true, count: created.length };
}

/**
 * Moves every `capacityUpdateDate` of the demo so that the most recent is `now`, keeping their spacing: bed counts
 * declared days ago would all be served as stale (`ROR_CAPACITY_STALE_HOURS`), which is not what a demo should show.
 */
export function freshenCapacityDates(bundle: Bundle, now: number): Bundle {
  const dates: { ext: { valueDateTime?: string } }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const obj = node as { url?: string; valueDateTime?: string };
      if (obj.url === 'capacityUpdateDate' && typeof obj.valueDateTime === 'string') dates.push({ ext: obj });
      Object.values(obj).forEach(visit);
    }
  };
  visit(bundle);
  const latest = Math.max(...dates.map((d) => Date.parse(d.ext.valueDateTime as string)));
  if (!Number.isFinite(latest)) return bundle;
  for (const { ext } of dates) ext.valueDateTime = new Date(Date.parse(ext.valueDateTime as string) + now - latest).toISOString();
  return bundle;
}

function isCreated(entry: BundleEntry): boolean {
  return entry.response?.status?.startsWith('201') ?? false;
}
