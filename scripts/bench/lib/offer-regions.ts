/**
 * The two regions the offer search relevance set runs on, each behind the real HTTP API (`GET /offer/search`):
 * - the demo region: the server composed as `npm start` composes it (src/main.ts) on a temporary data directory,
 *   the demo loaded through the kernel, the offer index drained;
 * - a generated region (./offer-generate.ts, seed fixed): a few thousand units around the towns of Auvergne-Rhône-
 *   Alpes and Bourgogne-Franche-Comté, put into an embedded index (SQLite FTS5 + R*Tree) served by the same offer
 *   router (src/offer/http.ts).
 * Requests run as an administrator (who sees sensitive units and availability), as in the tests of features.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../../src/config';
import { loadDemoDataIfEmpty } from '../../../src/demo/load-demo';
import { requestContext } from '../../../src/fhir/context';
import { systemActor, type Actor } from '../../../src/kernel/actor';
import { composeServer } from '../../../src/main';
import { offerRouter } from '../../../src/offer/http';
import type { OfferDocument } from '../../../src/store/offer-index';
import { SqliteOfferIndex } from '../../../src/store/sqlite/offer-index';
import { generateOfferDocuments } from './offer-generate';

const ADMIN: Actor = { kind: 'admin', name: 'relevance' };

export interface OfferRegion {
  docs: OfferDocument[];
  /** Ids of the results of `/offer/search?<params>&limit=10`, best first. */
  search(params: Record<string, string>): Promise<string[]>;
  close(): Promise<void>;
}

async function searchIds(app: express.Express, params: Record<string, string>): Promise<string[]> {
  const res = await request(app).get('/offer/search').query({ limit: '10', ...params });
  if (res.status !== 200) throw new Error(`/offer/search ${JSON.stringify(params)}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return (res.body.results as { healthcareService: { id: string } }[]).map((r) => r.healthcareService.id);
}

export async function demoRegion(): Promise<OfferRegion> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-offer-relevance-'));
  const config = { ...loadConfig({}), dataDir, baseUrl: 'http://relevance.test', demoData: false };
  const server = composeServer({ config, logger: pino({ level: 'silent' }), background: false, unauthenticatedActor: ADMIN, auditWrites: false });
  try {
    await loadDemoDataIfEmpty(requestContext(server.services, systemActor('demo')), { info: () => undefined });
    await server.offer.drain();
    const all = await server.offerIndex.search({ hideSensitive: false, sort: 'relevance', limit: 1000, facets: [] });
    return {
      docs: all.hits.map((h) => h.document),
      search: (params) => searchIds(server.app, params),
      close: async () => {
        await server.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}

/** The generated region of the relevance set: its seed, size and departments are part of the set's expectations. */
export const GENERATED_REGION = {
  seed: 14,
  units: 4000,
  departments: ['01', '69', '38', '42', '74', '73', '26', '07', '63', '03', '15', '43', '25', '21', '39', '71', '58', '89', '70', '90'],
  /** A fixed "now", so capacity dates (and `fresh`) do not depend on the day the set runs. */
  now: Date.parse('2026-01-15T12:00:00Z'),
};

export async function generatedRegion(): Promise<OfferRegion> {
  const docs = generateOfferDocuments(GENERATED_REGION);
  const index = new SqliteOfferIndex({ inMemory: true });
  await index.apply({ put: docs, remove: [] });
  const app = express();
  app.use((_req, res, next) => {
    res.locals.actor = ADMIN;
    next();
  });
  app.use(offerRouter({ index, staleHours: 24, publicProfile: 0, now: () => GENERATED_REGION.now }));
  return { docs, search: (params) => searchIds(app, params), close: () => index.close() };
}
