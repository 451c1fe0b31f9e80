/**
 * The MongoDB engine of the contract suites: MONGODB_URI (FerretDB from `tsx scripts/engines/ferretdb.ts start`,
 * or a real MongoDB replica set), its capabilities, stores on a fresh database per store opened (dropped after the
 * file), and the tests each capability gates.
 *
 * Without MONGODB_URI every test of these files is declared skipped, by name, with the reason. With it, a test that
 * needs a feature the engine lacks is skipped by name with that reason, never run as if it passed.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../../src/store/mongo/mongo-store';
import type { Capabilities } from '../../../src/store/mongo/schema';
import type { ResourceStore } from '../../../src/store/store';
import { testIndexer } from '../../helpers/indexing';

export const MONGODB_URI = process.env.MONGODB_URI;

const ROOT = path.resolve(__dirname, '../../..');

/** The engine's capabilities (a child process runs the store's probe), or undefined without MONGODB_URI. */
export const capabilities: Capabilities | undefined = MONGODB_URI
  ? (JSON.parse(
      execFileSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(__dirname, 'capabilities.ts')], { cwd: ROOT, encoding: 'utf8', env: process.env }),
    ) as Capabilities)
  : undefined;

/** A feature some tests need, and why a test needing it cannot run without it. */
export type Feature = 'transactions' | 'geoIndex' | 'atomicUpdates';
const MISSING: Record<Feature, string> = {
  transactions: 'needs multi-document transactions (atomic commit of several documents), which this engine lacks (FerretDB 1.x; MongoDB needs a replica set)',
  geoIndex: 'needs a 2dsphere index and $geoWithin, which this engine lacks (FerretDB 1.x); `near` is answered from the lat/lon box then',
  atomicUpdates:
    'needs atomic conditional updates across connections: the start-up probe saw this engine apply several concurrent updates conditional on one state (FerretDB 1.24 on PostgreSQL), so exclusion holds within one instance only',
};

/** Why a test needing `features` is skipped here, or undefined when it runs. */
export function skipReason(features: Feature[] = []): string | undefined {
  if (!capabilities) return 'MONGODB_URI is not set (start an engine: npx tsx scripts/engines/ferretdb.ts start)';
  const missing = features.find((f) => !capabilities![f]);
  return missing ? MISSING[missing] : undefined;
}

/**
 * Declares the tests of `declare` (a contract) with `test` replaced: a test whose name `needs` maps to features is
 * skipped when one is missing, and every test is skipped without an engine; the reason is in the skipped test's name.
 */
export function withCapabilities(declare: () => void, needs: Record<string, Feature[]> = {}): void {
  const g = globalThis as unknown as { test: jest.It; it: jest.It };
  const real = g.test;
  const gated = ((name: string, fn?: jest.ProvidesCallback, timeout?: number) => {
    const reason = skipReason(needs[name]);
    if (reason) return real.skip(`${name} — skipped: ${reason}`, fn ?? (() => undefined));
    return real(name, fn, timeout);
  }) as unknown as jest.It;
  Object.assign(gated, real);
  // `test.each` would declare through the real `test`: refused, so that no test escapes the gate.
  (gated as unknown as { each: unknown }).each = () => {
    throw new Error('withCapabilities: declare tests with test(), not test.each()');
  };
  g.test = gated;
  g.it = gated;
  try {
    declare();
  } finally {
    g.test = real;
    g.it = real;
  }
}

const databases = new Set<string>();
const names = new WeakMap<ResourceStore, string>();

function openOn(database: string): MongoStore {
  const store = new MongoStore({ uri: MONGODB_URI!, database }, testIndexer());
  names.set(store, database);
  return store;
}

/** Stores on a fresh database each (`reopen`: a new store on the same database). */
export function mongoStoreFactory() {
  return {
    async open(): Promise<MongoStore> {
      const database = `ror_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      databases.add(database);
      const store = openOn(database);
      await store.ready;
      return store;
    },
    async reopen(previous: ResourceStore): Promise<MongoStore> {
      const database = names.get(previous)!;
      await previous.close();
      const store = openOn(database);
      await store.ready;
      return store;
    },
  };
}

/** Drops the databases the file's stores used. */
export async function dropDatabases(): Promise<void> {
  if (!MONGODB_URI || !databases.size) return;
  const client = new MongoClient(MONGODB_URI);
  try {
    for (const name of databases) await client.db(name).dropDatabase().catch(() => undefined);
    databases.clear();
  } finally {
    await client.close();
  }
}

/** The adapter's name in the suites' titles, with the engine that ran them. */
export function adapterName(): string {
  return `MongoDB on ${capabilities?.engine ?? 'no engine (MONGODB_URI unset)'}`;
}
