/**
 * The MongoDB store's schema: its indexes, created at start-up, and a schema version document (`meta`,
 * `_id: 'schema'`) so that a later release migrates a database step by step. A database of a newer schema than
 * this code knows is refused (an older server must not write into it). Also the probe of what the engine can do.
 */
import { randomUUID } from 'node:crypto';
import type { Db, IndexDescription, MongoClient } from 'mongodb';

/** The schema this code writes. */
export const SCHEMA_VERSION = 1;

const INDEXES: Record<string, IndexDescription[]> = {
  resources: [
    { key: { t: 1, rid: 1 }, name: 'type_rid' },
    { key: { t: 1, id: 1 }, name: 'type_id' },
    { key: { t: 1, lu: 1 }, name: 'type_lastUpdated' },
    { key: { 'ix.k.c': 1, 'ix.k.v': 1 }, name: 'tokens' },
    { key: { 'ix.r.c': 1, 'ix.r.i': 1 }, name: 'references' },
    { key: { 'ix.s.c': 1, 'ix.s.n': 1 }, name: 'strings' },
    { key: { 'ix.d.c': 1, 'ix.d.lo': 1 }, name: 'dates' },
    { key: { 'ix.n.c': 1, 'ix.n.v': 1 }, name: 'numbers' },
    { key: { 'ix.geo.lat': 1, 'ix.geo.lon': 1 }, name: 'geo_box' },
  ],
  history: [
    { key: { seq: -1 }, name: 'seq' },
    { key: { t: 1, id: 1, seq: -1 }, name: 'type_id_seq' },
    { key: { lu: 1 }, name: 'lastUpdated' },
  ],
  outbox: [{ key: { queue: 1, _id: 1 }, name: 'queue_order' }],
  sync_state: [{ key: { kind: 1, key: 1 }, name: 'kind_key', unique: true }],
  api_clients: [{ key: { mtls: 1 }, name: 'mtls_subject' }],
  signing_keys: [{ key: { createdAt: 1, seq: 1 }, name: 'created' }],
  assertion_jti: [{ key: { expiresAt: 1 }, name: 'expiry' }],
};

/** Each step brings a database from version n - 1 to n. */
const STEPS: ((db: Db) => Promise<void>)[] = [
  // 1: the collections and their indexes.
  (db) => ensureIndexes(db),
];

export async function migrate(db: Db): Promise<number> {
  const meta = db.collection<{ _id: string; version: number }>('meta');
  const current = (await meta.findOne({ _id: 'schema' }))?.version ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the MongoDB database ${db.databaseName} has schema version ${current}, newer than this server's (${SCHEMA_VERSION}): upgrade the server`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    await STEPS[v](db);
    await meta.updateOne({ _id: 'schema' }, { $set: { version: v + 1, at: new Date().toISOString() } }, { upsert: true });
  }
  // Indexes are ensured at every start (creating an existing index is a no-op).
  await ensureIndexes(db);
  return SCHEMA_VERSION;
}

/**
 * One `createIndexes` per index: FerretDB 1.24 drops the connection when one command names several indexes that
 * all exist already (a panic in its handler).
 */
async function ensureIndexes(db: Db): Promise<void> {
  for (const [name, indexes] of Object.entries(INDEXES)) {
    for (const index of indexes) await db.collection(name).createIndexes([index]);
  }
}

export interface Capabilities {
  /** Multi-document transactions whose writes stay invisible outside them until commit (MongoDB on a replica set). */
  transactions: boolean;
  /** A 2dsphere index and `$geoWithin` with `$centerSphere`. */
  geoIndex: boolean;
  /** `$elemMatch` with conditions on several fields of one array element. */
  elemMatch: boolean;
  /**
   * Conditional single-document updates are atomic: of concurrent updates conditional on the same state, one
   * applies (MongoDB). FerretDB 1.24 on PostgreSQL applies several: cross-instance exclusion (leases, outbox claims,
   * version checks) then holds within one process only, where the adapter serializes them.
   */
  atomicUpdates: boolean;
  /** The engine's own words: `buildInfo` version, and FerretDB's version when it is FerretDB. */
  engine: string;
}

/** Tries each feature on a scratch collection, then drops it. */
export async function probeCapabilities(db: Db, client: MongoClient): Promise<Capabilities> {
  const probe = db.collection(`probe_${randomUUID().slice(0, 8)}`);
  try {
    const info = await db.admin().command({ buildInfo: 1 }).catch(() => ({}) as Record<string, unknown>);
    const ferret = (info as { ferretdbVersion?: string }).ferretdbVersion;
    const engine = ferret ? `FerretDB ${ferret} (MongoDB ${String(info.version)} wire protocol)` : `MongoDB ${String(info.version)}`;
    await probe.insertOne({ _id: 'seed' } as never);
    return { transactions: await transactionsWork(client, probe), geoIndex: await geoWorks(probe), elemMatch: await elemMatchWorks(probe), atomicUpdates: await updatesAtomic(probe), engine };
  } finally {
    await probe.drop().catch(() => undefined);
  }
}

async function transactionsWork(client: MongoClient, probe: ReturnType<Db['collection']>): Promise<boolean> {
  const session = client.startSession();
  try {
    session.startTransaction();
    await probe.insertOne({ _id: 'in-transaction' } as never, { session });
    // Uncommitted: invisible outside the transaction, and gone once it aborts.
    const seenOutside = await probe.countDocuments({ _id: 'in-transaction' } as never);
    await session.abortTransaction();
    const kept = await probe.countDocuments({ _id: 'in-transaction' } as never);
    return seenOutside === 0 && kept === 0;
  } catch {
    if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
    return false;
  } finally {
    await session.endSession();
    await probe.deleteOne({ _id: 'in-transaction' } as never).catch(() => undefined);
  }
}

async function elemMatchWorks(probe: ReturnType<Db['collection']>): Promise<boolean> {
  try {
    await probe.insertOne({ _id: 'elements', a: [{ x: 1, y: 2 }, { x: 3, y: 4 }] } as never);
    const same = await probe.countDocuments({ a: { $elemMatch: { x: 1, y: 2 } } } as never);
    const across = await probe.countDocuments({ a: { $elemMatch: { x: 1, y: 4 } } } as never);
    return same === 1 && across === 0;
  } catch {
    return false;
  }
}

/** Rounds of concurrent updates conditional on the same state (the driver's pool runs them on several connections). */
async function updatesAtomic(probe: ReturnType<Db['collection']>): Promise<boolean> {
  for (let round = 0; round < 5; round++) {
    await probe.updateOne({ _id: 'cas' } as never, { $set: { state: 0 } }, { upsert: true });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => probe.updateOne({ _id: 'cas', state: 0 } as never, { $set: { state: i + 1 } })));
    if (results.filter((r) => r.matchedCount === 1).length !== 1) return false;
  }
  return true;
}

async function geoWorks(probe: ReturnType<Db['collection']>): Promise<boolean> {
  try {
    await probe.createIndex({ pt: '2dsphere' });
    await probe.insertOne({ _id: 'geo', pt: { type: 'Point', coordinates: [4.85, 45.75] } } as never);
    const n = await probe.countDocuments({ pt: { $geoWithin: { $centerSphere: [[4.86, 45.76], 10 / 6371.0088] } } } as never);
    return n === 1;
  } catch {
    return false;
  }
}
