/**
 * A second ROR server for federation tests: the real composition (src/main.ts) on its own store, listening on an
 * ephemeral port with its real base URL (the export's file URLs and next links must reach it over HTTP).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Resource } from '@medplum/fhirtypes';
import { loadConfig } from '../../src/config';
import { composeServer, type ComposedServer, type ServerSettings } from '../../src/main';
import { TEST_ADMIN } from '../helpers/app';
import { tempDir } from '../helpers/tmp';

export interface HttpServer {
  url: string;
  server: ComposedServer;
  /** A request to the server as its unauthenticated caller (a test administrator unless `secure`). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  put(resource: Resource & { id: string }): Promise<void>;
  remove(type: string, id: string): Promise<void>;
  close(): Promise<void>;
}

export async function httpServer(settings: Partial<Omit<ServerSettings, 'config' | 'logger'>> & { secure?: boolean } = {}): Promise<HttpServer> {
  const { secure, ...rest } = settings;
  let handler: http.RequestListener = (_req, res) => res.end();
  const listener = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  const config = { ...loadConfig({}), dataDir: tempDir(), baseUrl: url, defaultCount: 20, maxCount: 1000, demoData: false };
  const defaults = { measureDefinitions: false, ...(secure ? {} : { unauthenticatedActor: TEST_ADMIN, auditWrites: false }) };
  const server = composeServer({ background: false, ...defaults, bulk: { settleMs: 0 }, ...rest, config, logger: pino({ level: 'silent' }) });
  handler = server.app as unknown as http.RequestListener;
  const call = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
  return {
    url,
    server,
    fetch: call,
    async put(resource) {
      const res = await call(`/${resource.resourceType}/${resource.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(resource) });
      if (res.status >= 300) throw new Error(`PUT ${resource.resourceType}/${resource.id}: ${res.status} ${await res.text()}`);
    },
    async remove(type, id) {
      const res = await call(`/${type}/${id}`, { method: 'DELETE' });
      if (res.status >= 300) throw new Error(`DELETE ${type}/${id}: ${res.status} ${await res.text()}`);
    },
    async close() {
      listener.closeAllConnections();
      await new Promise<void>((r) => listener.close(() => r()));
      await server.close();
    },
  };
}

/** The current JSON of a resource in a composed server's store, or undefined. */
export async function stored(server: ComposedServer, type: string, id: string): Promise<any> {
  const v = await server.store.read(type, id);
  return v && !v.deleted ? JSON.parse(v.json) : undefined;
}

/** Waits a few milliseconds around taking an instant, so writes before and after it are strictly ordered. */
export const tick = () => new Promise((r) => setTimeout(r, 15));
