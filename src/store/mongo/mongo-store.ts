/**
 * The MongoDB ResourceStore adapter (official `mongodb` driver), selected by MONGODB_URI: for a region that wants
 * several server instances on one database, with a replica set's automatic failover.
 *
 * Collections (./documents.ts): `resources` (current versions with their search values), `history` (every
 * version), `outbox`, `sync_state`, `leases`, the auth collections, `counters` (sequence numbers), `meta` (the
 * schema version, ./schema.ts). Indexes are created at start-up.
 *
 * Transactions: a transaction's writes are kept in the process until `fn` resolves (its reads see them), then
 * committed — inside a MongoDB multi-document transaction when the engine has them (MongoDB ≥ 4.0 on a replica
 * set: resources, history, outbox and sync state commit together or not at all). An engine without them
 * (FerretDB 1.x, a standalone mongod) is detected at start-up (`capabilities.transactions`): a transaction that
 * fails before its commit still keeps nothing, but a crash during the commit itself may keep part of it. Each
 * resource write is conditional on the version read (`v`), so a concurrent writer in another process is a
 * VersionConflictError, never a lost update. Transactions of one process are serialized.
 *
 * A search inside a transaction reads the last committed state (not the transaction's own writes).
 */
import { MongoClient, MongoServerError, type ClientSession, type Collection, type Db } from 'mongodb';
import type { Resource } from '@medplum/fhirtypes';
import type { HistoryPage, HistoryQuery, OutboxClaim, OutboxItem, OutboxMessage, ResourceChange, ResourceStore, StoreWriter } from '../store';
import type { SearchPlan, SearchResult } from '../search-plan';
import type { StoredVersion } from '../version';
import type { SyncStateRow, SyncStateSize } from '../sync-state';
import type { Indexer } from '../../indexing/indexer';
import { VersionConflictError } from '../errors';
import { AsyncLock } from '../sqlite/async-lock';
import { decodeCursor, encodeCursor } from '../sqlite/cursor';
import { resourceKey, searchValues, toStored, versionKey, type HistoryDoc, type OutboxDoc, type ResourceDoc, type SyncStateDoc } from './documents';
import { eq, lit, MAX_CHAR, oneOf } from './safe';
import { executeSearch } from './search';
import { MongoLeases } from './leases';
import { MongoAuth } from './auth';
import { MongoExportJobs } from './export-jobs';
import { migrate, probeCapabilities, type Capabilities } from './schema';

export interface MongoStoreOptions {
  /** mongodb://… (a replica set for transactions). */
  uri: string;
  /** Database name (default: the URI's, else `ror`). */
  database?: string;
}

const SYNC_PAGE = 10_000;

/** A committed read of the current document, without its search values. */
const CURRENT = { projection: { ix: 0 } } as const;

interface Pending {
  /** The version in the database when the transaction first wrote the resource (0: none), and its instant. */
  base: number;
  baseInstant?: string;
  rid?: number;
  versions: { stored: StoredVersion; resource?: Resource }[];
}

export class MongoStore implements ResourceStore {
  readonly client: MongoClient;
  readonly db: Db;
  readonly resources: Collection<ResourceDoc>;
  readonly historyDocs: Collection<HistoryDoc>;
  readonly outbox: Collection<OutboxDoc>;
  readonly syncState: Collection<SyncStateDoc>;
  readonly leases: MongoLeases;
  readonly auth: MongoAuth;
  readonly exportJobs: MongoExportJobs;
  /** Resolves once indexes exist and the engine's capabilities are known. */
  readonly ready: Promise<Capabilities>;
  private readonly lock = new AsyncLock();
  /**
   * Conditional writes outside transactions (outbox claims, leases, auth changes) run one at a time in this
   * process: engines without atomic conditional updates (FerretDB 1.x, `capabilities.atomicUpdates`) then still
   * give each claim and lease to one caller of the instance.
   */
  private readonly conditional = new AsyncLock();
  private lastInstant = 0;
  private closed = false;

  constructor(
    options: MongoStoreOptions,
    private readonly indexer: Indexer,
  ) {
    this.client = new MongoClient(options.uri, { ignoreUndefined: true });
    this.db = this.client.db(options.database ?? (this.client.options.dbName || 'ror'));
    this.resources = this.db.collection('resources');
    this.historyDocs = this.db.collection('history');
    this.outbox = this.db.collection('outbox');
    this.syncState = this.db.collection('sync_state');
    const { db, client } = this;
    this.ready = (async () => {
      await migrate(db);
      const caps = await probeCapabilities(db, client);
      // `near` reads a 2dsphere index where the engine has one (./search-filter.ts).
      if (caps.geoIndex) await db.collection('resources').createIndex({ 'ix.geo.pt': '2dsphere' }, { name: 'geo_sphere' });
      return caps;
    })();
    // Every operation awaits `ready`: a start-up failure is reported by them (and ping), not as an unhandled rejection.
    this.ready.catch(() => undefined);
    const exclusive = <T>(fn: () => Promise<T>) => this.conditional.run(fn);
    this.leases = new MongoLeases(this.db, this.ready, exclusive);
    this.auth = new MongoAuth(this.db, this.ready, exclusive);
    this.exportJobs = new MongoExportJobs(this.db, this.ready, exclusive);
  }

  /** What the engine can do (transactions, 2dsphere), probed at start-up. */
  capabilities(): Promise<Capabilities> {
    return this.ready;
  }

  async read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    await this.ready;
    const d = await this.resources.findOne({ _id: eq(resourceKey(resourceType, id)) as never }, CURRENT);
    return d ? toStored(d) : undefined;
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined> {
    await this.ready;
    if (!/^[1-9][0-9]{0,14}$/.test(versionId)) return undefined;
    const d = await this.historyDocs.findOne({ _id: eq(versionKey(resourceType, id, Number(versionId))) as never });
    return d ? toStored(d) : undefined;
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    await this.ready;
    const filter: Record<string, unknown> = {};
    if (query.resourceType !== undefined) filter.t = eq(query.resourceType);
    if (query.id !== undefined) filter.id = eq(query.id);
    const lu: Record<string, string> = {};
    if (query.since !== undefined) lu.$gte = lit(query.since);
    if (query.before !== undefined) lu.$lte = lit(query.before);
    if (Object.keys(lu).length) filter.lu = lu;
    const total = await this.historyDocs.countDocuments(filter);
    const page = query.cursor ? { ...filter, seq: { $lt: decodeCursor(query.cursor) } } : filter;
    const docs = await this.historyDocs.find(page).sort({ seq: -1 }).limit(query.count + 1).toArray();
    const entries = docs.slice(0, query.count);
    const next = docs.length > query.count ? encodeCursor(entries[entries.length - 1].seq) : undefined;
    return { entries: entries.map(toStored), next, total };
  }

  async search(plan: SearchPlan): Promise<SearchResult> {
    const caps = await this.ready;
    return executeSearch({ resources: this.resources, geoIndex: caps.geoIndex, elemMatch: caps.elemMatch, codes: (t, c) => this.indexer.indexCode(t, c) }, plan);
  }

  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return this.lock.run(async () => {
      const caps = await this.ready;
      const tx = new MongoTransaction(this);
      let result: T;
      try {
        result = await fn(tx);
      } finally {
        tx.open = false;
      }
      if (caps.transactions) {
        const session = this.client.startSession();
        try {
          await session.withTransaction(() => this.commit(tx, session));
        } finally {
          await session.endSession();
        }
      } else {
        await this.commit(tx);
      }
      return result;
    });
  }

  /** A strictly increasing instant, later than `after` (the replaced version's). */
  nextInstant(after?: string): string {
    const now = Math.max(Date.now(), this.lastInstant + 1, after ? Date.parse(after) + 1 : 0);
    this.lastInstant = now;
    return new Date(now).toISOString();
  }

  /** The next `n` numbers of the store-wide sequence (history order, resource numbers, outbox order). */
  private async reserve(n: number, session?: ClientSession): Promise<number> {
    const counters = this.db.collection<{ _id: string; n: number }>('counters');
    const doc = await counters.findOneAndUpdate({ _id: 'seq' }, { $inc: { n } }, { upsert: true, returnDocument: 'after', session });
    return doc!.n - n + 1;
  }

  private async commit(tx: MongoTransaction, session?: ClientSession): Promise<void> {
    const versions = [...tx.pending.values()].reduce((n, p) => n + p.versions.length, 0);
    const created = [...tx.pending.values()].filter((p) => p.rid === undefined).length;
    const count = versions + created + tx.messages.length;
    if (!count && !tx.syncRows.length) return;
    let seq = count ? await this.reserve(count, session) : 0;
    const history: HistoryDoc[] = [];
    for (const [key, p] of tx.pending) {
      const last = p.versions[p.versions.length - 1];
      const s = last.stored;
      const doc: ResourceDoc = { _id: key, t: s.resourceType, id: s.id, v: Number(s.versionId), lu: s.lastUpdated, del: s.deleted, json: s.json, rid: p.rid ?? seq++ };
      if (last.resource) doc.ix = searchValues(this.indexer.rows(last.resource));
      if (p.base === 0 && p.rid === undefined) {
        try {
          await this.resources.insertOne(doc, { session });
        } catch (err) {
          if (err instanceof MongoServerError && err.code === 11000) throw await this.conflict(s.resourceType, s.id, 0, session);
          throw err;
        }
      } else {
        const r = await this.resources.replaceOne({ _id: eq(key) as never, v: eq(p.base) }, doc, { session });
        if (r.matchedCount !== 1) throw await this.conflict(s.resourceType, s.id, p.base, session);
      }
      for (const { stored } of p.versions) {
        history.push({ _id: versionKey(stored.resourceType, stored.id, Number(stored.versionId)), t: stored.resourceType, id: stored.id, v: Number(stored.versionId), lu: stored.lastUpdated, del: stored.deleted, json: stored.json, seq: 0 });
      }
    }
    // History in the order the versions were written.
    history.sort((a, b) => (a.lu < b.lu ? -1 : a.lu > b.lu ? 1 : 0));
    for (const h of history) h.seq = seq++;
    if (history.length) await this.historyDocs.insertMany(history, { session });
    if (tx.messages.length) {
      const now = Date.now();
      await this.outbox.insertMany(
        tx.messages.map((m) => ({ _id: seq++, queue: lit(m.queue), payload: lit(m.payload), attempts: 0, createdAt: now, due: 0, lease: 0 })),
        { session },
      );
    }
    if (tx.syncRows.length) await this.saveSyncRows(tx.syncRows, session);
  }

  /**
   * Sync state rows: the last row of each (kind, key) wins. New rows are inserted in bulk, known ones replaced; the
   * count and key bytes of each kind are kept in `sync_state_sizes` as rows are added (a key never changes size).
   */
  private async saveSyncRows(rows: SyncStateRow[], session?: ClientSession): Promise<void> {
    const docs = new Map<string, SyncStateDoc>();
    for (const r of rows) {
      const doc: SyncStateDoc = { _id: JSON.stringify([lit(r.kind), lit(r.key)]), kind: r.kind, key: r.key, hash: lit(r.hash), kb: Buffer.byteLength(r.key) };
      if (r.resourceId !== undefined) doc.rid = lit(r.resourceId);
      docs.set(doc._id, doc);
    }
    const ids = [...docs.keys()];
    const known = new Set<string>();
    for (let i = 0; i < ids.length; i += SYNC_PAGE) {
      const found = await this.syncState.find({ _id: oneOf(ids.slice(i, i + SYNC_PAGE)) as never }, { projection: { _id: 1 }, session }).toArray();
      for (const f of found) known.add(f._id);
    }
    const fresh = [...docs.values()].filter((d) => !known.has(d._id));
    const replaced = [...docs.values()].filter((d) => known.has(d._id));
    if (fresh.length) await this.syncState.insertMany(fresh, { session, ordered: false });
    if (replaced.length) {
      await this.syncState.bulkWrite(replaced.map((d) => ({ replaceOne: { filter: { _id: eq(d._id) as never }, replacement: d } })), { session, ordered: false });
    }
    const added = new Map<string, { n: number; kb: number }>();
    for (const d of fresh) {
      const a = added.get(d.kind) ?? { n: 0, kb: 0 };
      added.set(d.kind, { n: a.n + 1, kb: a.kb + d.kb });
    }
    const sizes = this.db.collection<{ _id: string; n: number; kb: number }>('sync_state_sizes');
    for (const [kind, a] of added) await sizes.updateOne({ _id: eq(kind) as never }, { $inc: { n: a.n, kb: a.kb } }, { upsert: true, session });
  }

  /** A write that found another version than the one it was decided on (a writer in another process). */
  private async conflict(resourceType: string, id: string, expected: number, session?: ClientSession): Promise<VersionConflictError> {
    const cur = await this.resources.findOne({ _id: eq(resourceKey(resourceType, id)) as never }, { projection: { v: 1 }, session });
    return new VersionConflictError(resourceType, id, expected, cur?.v ?? 0);
  }

  async claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]> {
    await this.ready;
    return this.conditional.run(() => this.claim(claim));
  }

  private async claim(claim: OutboxClaim): Promise<OutboxItem[]> {
    const { now, leaseMs, limit } = claim;
    let queues: Record<string, unknown> = {};
    if (claim.queues) {
      const range = { $gte: lit(claim.queues.prefix), $lt: lit(claim.queues.prefix) + MAX_CHAR };
      queues = claim.queues.not ? { $nor: [{ queue: range }] } : { queue: range };
    }
    // The head (oldest message) of each queue; only heads due and not leased are handed out. One read of the
    // messages' (queue, due, lease) in enqueue order through the (queue, _id) index's order on _id: FerretDB 1.x has no
    // `$first`, and a read per queue costs a round trip each (the data-quality queues are one per resource).
    const heads: { id: number; due: number; lease: number }[] = [];
    const seen = new Set<string>();
    for await (const m of this.outbox.find(queues, { projection: { queue: 1, due: 1, lease: 1 } }).sort({ _id: 1 })) {
      if (seen.has(m.queue)) continue;
      seen.add(m.queue);
      heads.push({ id: m._id, due: m.due, lease: m.lease });
    }
    const claimable = heads.filter((h) => h.due <= now && h.lease <= now).sort((a, b) => a.id - b.id);
    const items: OutboxItem[] = [];
    for (const h of claimable) {
      if (items.length >= limit) break;
      // Conditional on the lease read: of two claimers, one gets it.
      const d = await this.outbox.findOneAndUpdate(
        { _id: eq(h.id) as never, lease: eq(h.lease), due: { $lte: lit(now) } },
        { $set: { lease: now + leaseMs }, $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      );
      if (!d) continue;
      const item: OutboxItem = { id: String(d._id), queue: d.queue, payload: d.payload, attempts: d.attempts, createdAt: d.createdAt };
      if (d.lastError !== undefined) item.lastError = d.lastError;
      items.push(item);
    }
    return items;
  }

  async completeOutbox(id: string | readonly string[]): Promise<void> {
    await this.ready;
    const ids = (typeof id === 'string' ? [id] : id).filter((x) => /^[0-9]{1,15}$/.test(x)).map(Number);
    if (ids.length) await this.outbox.deleteMany({ _id: oneOf(ids) as never });
  }

  async rescheduleOutbox(id: string, nextAttemptAt: number, error: string): Promise<void> {
    await this.ready;
    if (!/^[0-9]{1,15}$/.test(id)) return;
    await this.outbox.updateOne({ _id: eq(Number(id)) as never }, { $set: { due: lit(nextAttemptAt), lease: 0, lastError: lit(error) } });
  }

  async syncStateSize(kind: string): Promise<SyncStateSize> {
    await this.ready;
    const r = await this.db.collection<{ _id: string; n: number; kb: number }>('sync_state_sizes').findOne({ _id: eq(kind) as never });
    return { count: r?.n ?? 0, keyBytes: r?.kb ?? 0 };
  }

  async *syncStateRows(kind: string): AsyncIterable<SyncStateRow[]> {
    await this.ready;
    let after: string | undefined;
    for (;;) {
      const filter = after === undefined ? { kind: eq(kind) } : { kind: eq(kind), key: { $gt: lit(after) } };
      const docs = await this.syncState.find(filter).sort({ key: 1 }).limit(SYNC_PAGE).toArray();
      if (!docs.length) return;
      yield docs.map(toSyncRow);
      if (docs.length < SYNC_PAGE) return;
      after = docs[docs.length - 1].key;
    }
  }

  async syncStateRow(kind: string, key: string): Promise<SyncStateRow | undefined> {
    await this.ready;
    const d = await this.syncState.findOne({ _id: eq(JSON.stringify([lit(kind), lit(key)])) as never });
    return d ? toSyncRow(d) : undefined;
  }

  async ping(): Promise<void> {
    await this.ready;
    await this.db.command({ ping: 1 });
  }

  /** Waits for the queued transactions, then closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lock.run(async () => undefined);
    await this.ready.catch(() => undefined);
    await this.client.close();
  }
}

function toSyncRow(d: SyncStateDoc): SyncStateRow {
  return d.rid === undefined ? { kind: d.kind, key: d.key, hash: d.hash } : { kind: d.kind, key: d.key, hash: d.hash, resourceId: d.rid };
}

/** The writer handed to a transaction's `fn`: writes kept until commit, reads seeing them. */
class MongoTransaction implements StoreWriter {
  open = true;
  readonly pending = new Map<string, Pending>();
  readonly messages: OutboxMessage[] = [];
  readonly syncRows: SyncStateRow[] = [];

  constructor(private readonly store: MongoStore) {}

  private assertOpen(): void {
    if (!this.open) throw new Error('this transaction is over: its writer cannot be used any more');
  }

  async read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const p = this.pending.get(resourceKey(resourceType, id));
    return p ? p.versions[p.versions.length - 1].stored : this.store.read(resourceType, id);
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined> {
    const p = this.pending.get(resourceKey(resourceType, id));
    const own = p?.versions.find((v) => v.stored.versionId === versionId);
    return own ? own.stored : this.store.vread(resourceType, id, versionId);
  }

  history(query: HistoryQuery): Promise<HistoryPage> {
    return this.store.history(query);
  }

  search(plan: SearchPlan): Promise<SearchResult> {
    return this.store.search(plan);
  }

  async write(changes: ResourceChange[]): Promise<StoredVersion[]> {
    this.assertOpen();
    const out: StoredVersion[] = [];
    for (const change of changes) {
      const resourceType = change.kind === 'put' ? change.resource.resourceType : change.resourceType;
      const id = change.kind === 'put' ? change.resource.id : change.id;
      const key = resourceKey(resourceType, id);
      let p = this.pending.get(key);
      if (!p) {
        const cur = await this.store.resources.findOne({ _id: eq(key) as never }, { projection: { v: 1, rid: 1, lu: 1 } });
        p = { base: cur?.v ?? 0, baseInstant: cur?.lu, rid: cur?.rid, versions: [] };
      }
      const last = p.versions[p.versions.length - 1]?.stored;
      const current = last ? Number(last.versionId) : p.base;
      if (change.expectVersion !== undefined && current !== change.expectVersion) {
        throw new VersionConflictError(resourceType, id, change.expectVersion, current);
      }
      const version = current + 1;
      const lastUpdated = this.store.nextInstant(last?.lastUpdated ?? p.baseInstant);
      let stored: StoredVersion;
      let resource: Resource | undefined;
      if (change.kind === 'put') {
        const { resourceType: _t, id: _i, meta, ...rest } = change.resource;
        resource = { resourceType, id, meta: { ...meta, versionId: String(version), lastUpdated }, ...rest } as Resource;
        stored = { resourceType, id, versionId: String(version), lastUpdated, deleted: false, json: JSON.stringify(resource) };
      } else {
        stored = { resourceType, id, versionId: String(version), lastUpdated, deleted: true, json: '' };
      }
      p.versions.push({ stored, resource });
      this.pending.set(key, p);
      out.push(stored);
    }
    return out;
  }

  async enqueue(messages: OutboxMessage[]): Promise<void> {
    this.assertOpen();
    for (const m of messages) this.messages.push({ queue: lit(m.queue), payload: lit(m.payload) });
  }

  async saveSyncState(rows: SyncStateRow[]): Promise<void> {
    this.assertOpen();
    for (const r of rows) this.syncRows.push({ ...r });
  }
}
