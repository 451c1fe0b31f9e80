import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { loadConfig } from '../../src/config';
import { composeServer, type ComposedServer, type ServerSettings } from '../../src/main';
import { requestContext, type FhirContext } from '../../src/fhir/context';
import { ANONYMOUS, type Actor } from '../../src/kernel/actor';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { tempDir } from './tmp';

export const BASE = 'http://fhir.test';

export interface TestServer {
  app: Express;
  store: SqliteStore;
  /** Everything the composition root built (kernel, operations, subscriptions, services). */
  server: ComposedServer;
  /** The FHIR context of a request made by `actor` (anonymous by default), for calling interactions directly. */
  context(actor?: Actor): FhirContext;
  close(): Promise<void>;
}

/**
 * What requests without a credential run as in tests of other features than security: an administrator, whose
 * writes are not audited (test/security builds servers with the real defaults: `secure: true`).
 */
export const TEST_ADMIN: Actor = { kind: 'admin', name: 'test' };

export interface TestServerOptions extends Partial<Omit<ServerSettings, 'config' | 'logger'>> {
  /** The real security defaults: anonymous callers are anonymous, writes are audited. */
  secure?: boolean;
  maxBodyBytes?: number;
  /** Data directory (default: a fresh temporary one). */
  dataDir?: string;
  /** Offer search threads (ROR_OFFER_SEARCH_THREADS; default none). */
  offerSearchThreads?: number;
}

/**
 * The real app, composed as `npm start` composes it (src/main.ts), on a fresh SQLite store in a temporary
 * directory; no demo data, no shipped Measures, no background work unless asked, silent logs.
 */
export function testServer(options: TestServerOptions = {}): TestServer {
  const { maxBodyBytes, dataDir, secure, offerSearchThreads, ...settings } = options;
  const config = {
    ...loadConfig({}),
    dataDir: dataDir ?? tempDir(),
    baseUrl: BASE,
    maxBodyBytes: maxBodyBytes ?? 1024 * 1024,
    defaultCount: 20,
    maxCount: 1000,
    demoData: false,
    ...(offerSearchThreads !== undefined ? { offerSearchThreads } : {}),
  };
  // Tests of other features start from an empty store: the shipped Measures only where a test asks for them.
  const defaults = { measureDefinitions: false, ...(secure ? {} : { unauthenticatedActor: TEST_ADMIN, auditWrites: false }) };
  const server = composeServer({ background: false, ...defaults, ...settings, config, logger: pino({ level: 'silent' }) });
  return {
    app: server.app,
    store: server.store,
    server,
    context: (actor = ANONYMOUS) => requestContext(server.services, actor),
    close: () => server.close(),
  };
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
