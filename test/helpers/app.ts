import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/http/app';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer } from './indexing';
import { tempDir } from './tmp';
import { loadRorConformance } from '../../src/ror/profiles';
import { registerSubscriptionHooks } from '../../src/subscriptions';

export const BASE = 'http://fhir.test';

export interface TestServer {
  app: Express;
  store: SqliteStore;
  close(): Promise<void>;
}

/** The real app on a fresh SQLite store in a temporary directory; logs are silent. */
export function testServer(options: { maxBodyBytes?: number } = {}): TestServer {
  loadRorConformance();
  registerSubscriptionHooks();
  const store = new SqliteStore({ dataDir: tempDir() }, testIndexer());
  const app = createApp({
    store,
    logger: pino({ level: 'silent' }),
    baseUrl: BASE,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    defaultCount: 20,
    maxCount: 1000,
  });
  return { app, store, close: () => store.close() };
}

export const FHIR_JSON = 'application/fhir+json';

export function post(app: Express, path: string, body: unknown) {
  return request(app).post(path).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
}

export function put(app: Express, path: string, body: unknown) {
  return request(app).put(path).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
}

/** A FINESS-like establishment, as the ROR stores them. */
export function organization(finess = '750000001', name = 'Hôpital Nord') {
  return {
    resourceType: 'Organization',
    identifier: [{ system: 'http://finess.sante.gouv.fr', value: finess }],
    name,
    active: true,
    address: [{ city: 'Paris', postalCode: '75010' }],
  };
}

/** Asserts an OperationOutcome error body and returns its first issue. */
export function issue(body: any) {
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue.length).toBeGreaterThan(0);
  return body.issue[0];
}
