/**
 * A test server holding the demo region (src/demo) — its kernel queues offer changes as the composition root
 * wires it — and an OfferIndexer on the in-memory test index, for tests of the domain logic on a double
 * (test/offer/sqlite-server.test.ts runs the real adapter through the composed server).
 */
import pino from 'pino';
import { loadDemoDataIfEmpty } from '../../../src/demo/load-demo';
import { systemActor } from '../../../src/kernel/actor';
import { terminologyLabels, type OfferLabels } from '../../../src/offer/document';
import { OfferIndexer } from '../../../src/offer/freshness';
import { testServer, type TestServer, type TestServerOptions } from '../../helpers/app';
import { MemoryOfferIndex } from './memory-offer-index';

export interface OfferTestServer {
  s: TestServer;
  index: MemoryOfferIndex;
  indexer: OfferIndexer;
  labels: OfferLabels;
  /** The id of the demo unit `name` (of the establishment whose name contains `org`, when names repeat). */
  unitId(name: string, org?: string): Promise<string>;
}

export async function offerTestServer(options: TestServerOptions & { demo?: boolean } = {}): Promise<OfferTestServer> {
  const { demo = true, ...rest } = options;
  const s = testServer(rest);
  const index = new MemoryOfferIndex();
  const labels = terminologyLabels(s.server.kernel.terminology);
  const indexer = new OfferIndexer({ store: s.store, index, labels, logger: pino({ level: 'silent' }) });
  if (demo) await loadDemoDataIfEmpty(s.context(systemActor('demo')), { info: () => undefined });
  const unitId = async (name: string, org?: string) => {
    const found = await s.store.search({ resourceTypes: ['HealthcareService'], where: [], sort: [{ kind: 'id', descending: false }], count: 100, total: 'none' });
    for (const v of found.entries) {
      const hs = JSON.parse(v.json);
      if (hs.name !== name) continue;
      if (!org) return v.id;
      const o = await s.store.read('Organization', hs.providedBy.reference.split('/')[1]);
      if (o && JSON.parse(o.json).name.includes(org)) return v.id;
    }
    throw new Error(`no demo unit named ${name}${org ? ` in ${org}` : ''}`);
  };
  return { s, index, indexer, labels, unitId };
}
