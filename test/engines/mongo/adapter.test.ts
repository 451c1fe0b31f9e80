/**
 * What is the MongoDB adapter's own, beyond the shared contracts: atomicity of a commit that fails half-way (needs
 * multi-document transactions), `near` on the 2dsphere index, two server instances on one database (leases and
 * outbox claims each won once: needs atomic conditional updates), one instance's concurrent claims, the schema version, and the server composed on MongoDB (MONGODB_URI's path).
 * Tests needing a feature the engine lacks are skipped by name with the reason.
 */
import pino from 'pino';
import request from 'supertest';
import type { Resource } from '@medplum/fhirtypes';
import { MongoClient } from 'mongodb';
import { composeServer } from '../../../src/main';
import { loadConfig } from '../../../src/config';
import { VersionConflictError } from '../../../src/store/errors';
import { MongoStore } from '../../../src/store/mongo/mongo-store';
import { SCHEMA_VERSION } from '../../../src/store/mongo/schema';
import { searchInteraction } from '../../../src/fhir/interactions/search';
import { testIndexer, testSearchServices } from '../../helpers/indexing';
import { TEST_ADMIN } from '../../helpers/app';
import { tempDir } from '../../helpers/tmp';
import { adapterName, dropDatabases, MONGODB_URI, mongoStoreFactory, withCapabilities } from './engine';

const org = (id: string, name: string) => ({ resourceType: 'Organization', id, name }) as Resource & { id: string };
const factory = mongoStoreFactory();

withCapabilities(
  () =>
    describe(`MongoDB adapter: ${adapterName()}`, () => {
      test('a commit that fails half-way keeps none of its writes nor its messages', async () => {
        const store = await factory.open();
        const other = new MongoStore({ uri: MONGODB_URI!, database: store.db.databaseName }, testIndexer());
        try {
          await store.transaction((tx) => tx.write([{ kind: 'put', resource: org('b', 'v1') }]));
          let release!: () => void;
          const gate = new Promise<void>((r) => (release = r));
          const failing = store.transaction(async (tx) => {
            await tx.write([{ kind: 'put', resource: org('a', 'new') }]); // committed first
            await tx.write([{ kind: 'put', resource: org('b', 'v2') }]); // decided on v1
            await tx.enqueue([{ queue: 'q', payload: 'x' }]);
            await gate;
          });
          await new Promise((r) => setTimeout(r, 20));
          // Another instance changes b between the transaction's read and its commit.
          await other.transaction((tx) => tx.write([{ kind: 'put', resource: org('b', 'elsewhere') }]));
          release();
          await expect(failing).rejects.toBeInstanceOf(VersionConflictError);
          expect(await store.read('Organization', 'a')).toBeUndefined();
          expect(await store.claimOutbox({ limit: 10, now: Date.now(), leaseMs: 1000 })).toEqual([]);
          expect(JSON.parse((await store.read('Organization', 'b'))!.json).name).toBe('elsewhere');
        } finally {
          await other.close();
          await store.close();
        }
      });

      test('`near` is answered through a 2dsphere index', async () => {
        const store = await factory.open();
        try {
          const indexes = await store.resources.indexes();
          expect(indexes.some((i) => i.key['ix.geo.pt'] === '2dsphere')).toBe(true);
          const at = (id: string, lat: number) => ({ resourceType: 'Location', id, position: { latitude: lat, longitude: 4 } }) as Resource & { id: string };
          await store.transaction((tx) => tx.write([at('near', 45.05), at('far', 46)].map((resource) => ({ kind: 'put' as const, resource }))));
          const b = await searchInteraction(store, testSearchServices(), { resourceTypes: ['Location'], params: [['near', '45|4|10|km']], baseUrl: 'http://x', strict: false }, { defaultCount: 20, maxCount: 100 });
          expect(b.entry!.map((e) => e.resource!.id)).toEqual(['near']);
        } finally {
          await store.close();
        }
      });

      test('two instances on one database: a lease and each outbox message go to one of them only', async () => {
        const a = await factory.open();
        const b = new MongoStore({ uri: MONGODB_URI!, database: a.db.databaseName }, testIndexer());
        try {
          const now = Date.now();
          const leases = await Promise.all([a, b, a, b].map((s, i) => s.leases.acquire('sync', `instance-${i}`, 60_000, now)));
          expect(leases.filter((l) => l.acquired)).toHaveLength(1);
          await a.transaction((tx) => tx.enqueue(Array.from({ length: 20 }, (_, i) => ({ queue: `q${i}`, payload: String(i) }))));
          const claims = await Promise.all([a, b, a, b].map((s) => s.claimOutbox({ limit: 20, now, leaseMs: 60_000 })));
          const payloads = claims.flat().map((c) => c.payload);
          expect(payloads.sort()).toEqual(Array.from({ length: 20 }, (_, i) => String(i)).sort());
        } finally {
          await b.close();
          await a.close();
        }
      });

      test('concurrent claims and lease takers of one instance: each message and the lease won once', async () => {
        const store = await factory.open();
        try {
          const now = Date.now();
          const leases = await Promise.all([1, 2, 3, 4].map((i) => store.leases.acquire('sync', `worker-${i}`, 60_000, now)));
          expect(leases.filter((l) => l.acquired)).toHaveLength(1);
          await store.transaction((tx) => tx.enqueue(Array.from({ length: 20 }, (_, i) => ({ queue: `q${i}`, payload: String(i) }))));
          const claims = await Promise.all([1, 2, 3, 4].map(() => store.claimOutbox({ limit: 20, now, leaseMs: 60_000 })));
          expect(claims.flat().map((c) => c.payload).sort()).toEqual(Array.from({ length: 20 }, (_, i) => String(i)).sort());
        } finally {
          await store.close();
        }
      });

      test('the schema version is recorded; a database of a newer schema is refused', async () => {
        const store = await factory.open();
        const name = store.db.databaseName;
        expect(await store.db.collection('meta').findOne({ _id: 'schema' } as never)).toMatchObject({ version: SCHEMA_VERSION });
        await store.db.collection('meta').updateOne({ _id: 'schema' } as never, { $set: { version: SCHEMA_VERSION + 1 } });
        await store.close();
        const newer = new MongoStore({ uri: MONGODB_URI!, database: name }, testIndexer());
        await expect(newer.ping()).rejects.toThrow(/newer than this server/);
        await newer.close();
      });

      test('the server composed on MongoDB creates, reads and searches resources over HTTP', async () => {
        const database = `ror_test_server_${Date.now()}`;
        const server = composeServer({
          config: { ...loadConfig({}), dataDir: tempDir(), baseUrl: 'http://fhir.test', demoData: false },
          logger: pino({ level: 'silent' }),
          background: false,
          auditWrites: false,
          unauthenticatedActor: TEST_ADMIN,
          mongo: { uri: MONGODB_URI!, database },
        });
        try {
          expect(server.store).toBeInstanceOf(MongoStore);
          const created = await request(server.app).post('/Organization').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Organization', name: 'CH Mongo' }));
          expect(created.status).toBe(201);
          const id = (created.body as { id: string }).id;
          expect((await request(server.app).get(`/Organization/${id}`)).body).toMatchObject({ name: 'CH Mongo', meta: { versionId: '1' } });
          const found = await request(server.app).get('/Organization?name=ch%20mon');
          expect(found.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([id]);
        } finally {
          await server.close();
          const client = new MongoClient(MONGODB_URI!);
          await client.db(database).dropDatabase();
          await client.close();
        }
      });
    }),
  {
    'a commit that fails half-way keeps none of its writes nor its messages': ['transactions'],
    '`near` is answered through a 2dsphere index': ['geoIndex'],
    'two instances on one database: a lease and each outbox message go to one of them only': ['atomicUpdates'],
  },
);
afterAll(dropDatabases);
