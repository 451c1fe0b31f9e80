/**
 * Embedded ResourceStore on SQLite (better-sqlite3): one database file under the data directory, WAL mode,
 * `synchronous = FULL` so a commit is durable when it returns.
 *
 * Two connections: the writer runs transactions (serialized by an async lock, since a transaction callback may
 * await); the reader serves reads outside transactions and, thanks to WAL, sees the last committed state without
 * waiting for the writer.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type {
  HistoryPage,
  HistoryQuery,
  OutboxBacklog,
  OutboxClaim,
  OutboxItem,
  ResourceChange,
  ResourceStore,
  StoredVersion,
  StoreReader,
  StoreWriter,
} from '../store';
import type { SyncStateRow, SyncStateSize } from '../sync-state';
import type { LeaseStore } from '../leases';
import type { AuthStore } from '../auth';
import type { ExportJobStore } from '../export-jobs';
import type { SearchPlan, SearchResult } from '../search-plan';
import { VersionConflictError } from '../errors';
import { migrate } from './migrations';
import { AsyncLock } from './async-lock';
import { toStored, type ResourceRow } from './rows';
import { CurrentVersionCache } from './current-cache';
import { decodeCursor, encodeCursor } from './cursor';
import { outboxBacklog, SqliteOutbox } from './outbox';
import { SqliteSyncState } from './sync-state';
import { SqliteLeases } from './leases';
import { SqliteAuth } from './auth';
import { SqliteExportJobs } from './export-jobs';
import { Checkpointer } from './checkpointer';
import { optimizeDatabase } from './maintenance';
import { deferIndexes, rebuildDeferredIndexes } from './deferred-indexes';
import { createSqliteSearchIndex, type SqliteSearchIndex } from './search-index';
import type { Indexer } from '../../indexing/indexer';

export interface SqliteStoreOptions {
  /** Directory holding the database file; created when missing. */
  dataDir: string;
  /** File name inside dataDir. */
  fileName?: string;
  /** Current versions kept in memory for reads (0 turns the cache off); default 10,000 (a few tens of MB). */
  readCacheSize?: number;
  /**
   * WAL checkpoints on a worker thread (checkpointer.ts) rather than in the COMMIT of a request; default true.
   * The thread starts with the store's `CHECKPOINTER_AFTER`th group commit, or the first that leaves a WAL of
   * `CHECKPOINTER_WAL_BYTES`, so short-lived stores with little to write never start it.
   */
  backgroundCheckpoints?: boolean;
  /** Told about a failed background checkpoint (the writer's backstop still bounds the WAL). */
  onBackgroundError?: (message: string) => void;
}

/** Group commits before the checkpoint thread starts. */
const CHECKPOINTER_AFTER = 64;
/**
 * A WAL this large after a commit starts the thread at once: 1,000 pages, the size at which SQLite's own automatic
 * checkpoint would run inside a COMMIT. A batch writer (the sync's 500-resource transactions) reaches it in one
 * commit, and its nightly run of some 35 commits would otherwise never get the thread.
 */
const CHECKPOINTER_WAL_BYTES = 1000 * 4096;
/**
 * The writer's own automatic checkpoint when checkpoints are in the background: a backstop (pages, ~40 MB of WAL),
 * set from the start so that no COMMIT checkpoints a WAL the thread is about to take.
 */
const BACKSTOP_PAGES = 10_000;


/** Prepared statements of one connection. */
class Statements {
  readonly readCurrent: Database.Statement<[string, string], ResourceRow>;
  readonly readVersion: Database.Statement<[string, string, number], ResourceRow>;
  /** Where a resource stands, without copying its JSON out of SQLite (the write path needs no more). */
  readonly position: Database.Statement<[string, string], { rid: number; version: number }>;
  constructor(readonly db: Database.Database) {
    this.position = db.prepare('SELECT rid, version FROM resources WHERE resource_type = ? AND id = ?');
    this.readCurrent = db.prepare('SELECT * FROM resources WHERE resource_type = ? AND id = ?');
    // Found through `resources` and the (rid, version) key: resource_history has no (type, id) index.
    this.readVersion = db.prepare(
      `SELECT h.rid, h.resource_type, h.id, h.version, h.last_updated, h.deleted, ${HISTORY_JSON}
       FROM resources r JOIN resource_history h ON h.rid = r.rid
       WHERE r.resource_type = ? AND r.id = ? AND h.version = ?`,
    );
  }
}

/**
 * The JSON of a version read from `resource_history h` joined to its `resources r` row. The history row of a
 * resource's current version carries no JSON (''): the current version's JSON is stored once, in `resources`,
 * and copied into its history row only when a newer version replaces it (applyChange). A first import thus
 * writes each resource's JSON once instead of twice. Rows written before this rule keep their copy; it is
 * identical, and ignored.
 */
const HISTORY_JSON = 'CASE WHEN h.version = r.version THEN r.json ELSE h.json END AS json';

/** Largest number of transactions committed together. */
const MAX_GROUP = 256;

interface PendingTransaction {
  fn: (tx: StoreWriter) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class SqliteStore implements ResourceStore {
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writeStmts: Statements;
  private readonly readStmts: Statements;
  private readonly insertCurrent: Database.Statement;
  private readonly updateCurrent: Database.Statement;
  private readonly insertHistory: Database.Statement;
  /** Keeps the JSON of the version being replaced in its history row (see HISTORY_JSON). */
  private readonly keepReplacedJson: Database.Statement;
  /** Group commit's transaction control, prepared once (exec parses each time). */
  private readonly control: Record<'begin' | 'savepoint' | 'release' | 'rollbackTo' | 'commit' | 'rollback', Database.Statement>;
  private readonly lock = new AsyncLock();
  private readonly cache: CurrentVersionCache;
  private readonly pending: PendingTransaction[] = [];
  /** Settles when the queue of transactions is empty. */
  private draining: Promise<void> | undefined;
  private readonly outbox: SqliteOutbox;
  private readonly syncState: SqliteSyncState;
  readonly leases: LeaseStore;
  readonly auth: AuthStore;
  readonly exportJobs: ExportJobStore;
  private lastInstant = 0;
  private closed = false;
  private readonly file: string;
  private commits = 0;
  private checkpointer: Checkpointer | undefined;
  private readonly backgroundCheckpoints: boolean;
  private readonly onBackgroundError?: (message: string) => void;

  private readonly searchIndex: SqliteSearchIndex;

  /** `indexer`: what each write contributes to the search index (the kernel's, so searches and writes agree). */
  constructor(options: SqliteStoreOptions, indexer: Indexer) {
    this.searchIndex = createSqliteSearchIndex(indexer);
    fs.mkdirSync(options.dataDir, { recursive: true });
    this.cache = new CurrentVersionCache(options.readCacheSize ?? 10_000);
    const file = path.join(options.dataDir, options.fileName ?? 'ror.sqlite');
    this.file = file;
    this.backgroundCheckpoints = options.backgroundCheckpoints ?? true;
    this.onBackgroundError = options.onBackgroundError;
    this.writer = new Database(file);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = FULL');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma('busy_timeout = 5000');
    // Each member of a group commit runs in a SAVEPOINT, and SQLite keeps the before-image of every page a
    // savepoint changes in a statement journal: a temporary file by default, i.e. two write(2) calls per page and
    // 3 times the pages written to the WAL. In memory it holds one group's changed pages: a few MB for HTTP writes,
    // tens of MB for a sync batch of 500 resources. (Large sorts must not follow it there: see deferred-indexes.ts.)
    this.writer.pragma('temp_store = MEMORY');
    if (this.backgroundCheckpoints) this.writer.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    migrate(this.writer);
    // A bulk load interrupted by a crash left its indexes to build (deferred-indexes.ts).
    rebuildDeferredIndexes(this.writer);
    // Planner statistics, as SQLite advises for long-lived connections (maintenance.ts): checked on open, before
    // the reader opens (a connection loads them when it opens), and refreshed on close.
    refreshStatistics(this.writer, true);
    this.reader = new Database(file, { readonly: true });
    this.reader.pragma('busy_timeout = 5000');
    this.writeStmts = new Statements(this.writer);
    this.readStmts = new Statements(this.reader);
    // Positional parameters: binding them is cheaper than binding named ones from an object.
    this.insertCurrent = this.writer.prepare(
      'INSERT INTO resources (resource_type, id, version, last_updated, deleted, json) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.updateCurrent = this.writer.prepare(
      'UPDATE resources SET version = ?, last_updated = ?, deleted = ?, json = ? WHERE rid = ?',
    );
    this.outbox = new SqliteOutbox(this.writer);
    this.syncState = new SqliteSyncState(this.writer, this.reader);
    this.leases = new SqliteLeases(this.writer, this.reader, (fn) => this.underLock(fn));
    this.auth = new SqliteAuth(this.writer, this.reader, (fn) => this.underLock(fn));
    this.exportJobs = new SqliteExportJobs(this.writer, this.reader, (fn) => this.underLock(fn));
    const control = (sql: string) => this.writer.prepare(sql);
    this.control = {
      begin: control('BEGIN IMMEDIATE'),
      savepoint: control('SAVEPOINT member'),
      release: control('RELEASE member'),
      rollbackTo: control('ROLLBACK TO member'),
      commit: control('COMMIT'),
      rollback: control('ROLLBACK'),
    };
    this.insertHistory = this.writer.prepare(
      "INSERT INTO resource_history (rid, resource_type, id, version, last_updated, deleted, json) VALUES (?, ?, ?, ?, ?, ?, '')",
    );
    this.keepReplacedJson = this.writer.prepare(
      'UPDATE resource_history SET json = (SELECT json FROM resources WHERE rid = ?) WHERE rid = ? AND version = ?',
    );
  }

  /** The underlying writer connection, for maintenance scripts (reindex). */
  get database(): Database.Database {
    return this.writer;
  }

  async read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const key = CurrentVersionCache.key(resourceType, id);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const version = readCurrent(this.readStmts, resourceType, id);
    if (version) this.cache.set(key, version);
    return version;
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined> {
    return readVersion(this.readStmts, resourceType, id, versionId);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    return history(this.reader, query);
  }

  async search(plan: SearchPlan): Promise<SearchResult> {
    return this.executeSearch(this.reader, plan);
  }

  /**
   * Group commit: transactions that arrive while a commit is under way wait in a queue, then run one after the
   * other inside a single SQLite transaction, each in its own SAVEPOINT (a failing one rolls back alone). One
   * COMMIT, so one fsync, serves the whole group; every promise settles only after that COMMIT, so a resolved
   * write is durable. Under load this turns fsync latency into throughput; alone, a transaction commits at once.
   */
  async transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('store is closed');
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve, reject } as PendingTransaction);
      if (!this.draining) {
        // Let requests already read from the sockets queue their transactions, so they join this group.
        this.draining = new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const group = this.pending.splice(0, MAX_GROUP);
      // runGroup settles every member itself; this catch is for a fault in the commit machinery (a settled
      // promise ignores the second settlement).
      await this.lock.run(() => this.runGroup(group)).catch((err) => group.forEach((t) => t.reject(err)));
      await new Promise((r) => setImmediate(r));
    }
    this.draining = undefined;
  }

  private async runGroup(group: PendingTransaction[]): Promise<void> {
    const db = this.writer;
    const settled: { ok: boolean; value: unknown }[] = [];
    try {
      this.control.begin.run();
    } catch (err) {
      group.forEach((t) => t.reject(err));
      return;
    }
    for (const item of group) {
      if (!db.inTransaction) {
        // An earlier member's failure aborted the whole SQLite transaction (I/O error, disk full): nothing of
        // this group can commit.
        settled.push({ ok: false, value: new Error('the write was aborted by a storage failure; retry') });
        continue;
      }
      this.control.savepoint.run();
      const tx = this.transactionView();
      try {
        const value = await item.fn(tx.view);
        this.control.release.run();
        settled.push({ ok: true, value });
      } catch (err) {
        if (db.inTransaction) {
          this.control.rollbackTo.run();
          this.control.release.run();
        }
        settled.push({ ok: false, value: err });
      } finally {
        tx.close();
      }
    }
    try {
      if (!db.inTransaction) throw new Error('the write was aborted by a storage failure; retry');
      this.control.commit.run();
    } catch (err) {
      if (db.inTransaction) this.control.rollback.run();
      group.forEach((t, i) => t.reject(settled[i]?.ok === false ? settled[i].value : err));
      return;
    } finally {
      this.cache.settled();
    }
    const idle = this.backgroundCheckpoints && !this.checkpointer;
    if (idle && (++this.commits >= CHECKPOINTER_AFTER || walBytes(this.file) >= CHECKPOINTER_WAL_BYTES)) {
      this.startCheckpointer();
    }
    group.forEach((t, i) => (settled[i].ok ? t.resolve(settled[i].value) : t.reject(settled[i].value)));
  }

  /** The StoreWriter handed to one transaction; unusable once `close()`d. */
  private transactionView(): { view: StoreWriter; close: () => void } {
    const db = this.writer;
    let active = true;
    const check = () => {
      if (!active) throw new Error('transaction already finished');
    };
    const view: StoreWriter = {
      read: async (type, id) => readCurrent(this.writeStmts, type, id),
      vread: async (type, id, vid) => readVersion(this.writeStmts, type, id, vid),
      history: async (q) => history(db, q),
      search: async (plan) => this.executeSearch(db, plan),
      write: async (changes) => {
        check();
        return changes.map((c) => this.applyChange(c));
      },
      enqueue: async (messages) => {
        check();
        this.outbox.enqueue(messages, Date.now());
      },
      saveSyncState: async (rows) => {
        check();
        this.syncState.save(rows);
      },
    };
    return { view, close: () => (active = false) };
  }

  // Outbox (and lease) statements run on the writer connection, so they take the transaction lock (never inside
  // another's).
  async claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]> {
    return this.underLock(() => this.outbox.claim(claim));
  }

  async completeOutbox(id: string | readonly string[]): Promise<void> {
    return this.underLock(() => this.outbox.complete(typeof id === 'string' ? [id] : id));
  }

  async rescheduleOutbox(id: string, nextAttemptAt: number, error: string): Promise<void> {
    return this.underLock(() => this.outbox.retry(id, nextAttemptAt, error));
  }

  async outboxBacklog(prefix: string): Promise<OutboxBacklog> {
    if (this.closed) throw new Error('store is closed');
    return outboxBacklog(this.reader, prefix);
  }

  async syncStateSize(kind: string): Promise<SyncStateSize> {
    return this.syncState.sizeOf(kind);
  }

  syncStateRows(kind: string): AsyncIterable<SyncStateRow[]> {
    return this.syncState.rows(kind);
  }

  async syncStateRow(kind: string, key: string): Promise<SyncStateRow | undefined> {
    return this.syncState.row(kind, key);
  }

  private underLock<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.lock.run(async () => fn());
  }

  /**
   * When the store holds no resource, drops the secondary indexes of the resource and search tables, runs `fn`
   * and creates them again (even when `fn` fails); otherwise just runs `fn`. See deferred-indexes.ts.
   */
  async bulkLoad<T>(fn: () => Promise<T>): Promise<T> {
    const empty = () => !this.writer.prepare('SELECT 1 FROM resources LIMIT 1').get();
    const deferred = await this.underLock(() => (empty() ? deferIndexes(this.writer) : []));
    if (!deferred.length) return fn();
    try {
      return await fn();
    } finally {
      await this.underLock(() => rebuildDeferredIndexes(this.writer));
    }
  }

  async ping(): Promise<void> {
    this.reader.prepare('SELECT 1').get();
  }

  private startCheckpointer(): void {
    if (!this.backgroundCheckpoints || this.closed) return;
    this.checkpointer = new Checkpointer({ file: this.file, onError: this.onBackgroundError });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.draining;
    await this.lock.run(async () => undefined);
    // The thread's connection closes first: the writer's close then checkpoints what is left and removes the WAL.
    await this.checkpointer?.stop();
    refreshStatistics(this.writer, false);
    this.reader.close();
    this.writer.close();
  }

  private executeSearch(db: Database.Database, plan: SearchPlan): SearchResult {
    return this.searchIndex.search(db, plan);
  }

  /**
   * Rebuilds the search index rows of every resource (of `types`, or all), e.g. after a SearchParameter was added
   * or changed: `batch` resources per write transaction, so readers keep being served meanwhile and writers wait
   * for one batch at a time. Returns the number of resources reindexed.
   */
  async reindex(options: { types?: string[]; batch?: number; onProgress?: (done: number) => void } = {}): Promise<number> {
    const types = options.types ?? [];
    const batch = options.batch ?? 2000;
    const typeFilter = types.length ? `AND resource_type IN (${types.map(() => '?').join(', ')})` : '';
    const page = this.writer.prepare(`SELECT rid, deleted, json FROM resources WHERE rid > ? ${typeFilter} ORDER BY rid LIMIT ${batch}`);
    let last = 0;
    let done = 0;
    for (;;) {
      const rows = await this.underLock(() => {
        const rows = page.all(last, ...types) as { rid: number; deleted: number; json: string }[];
        this.writer.transaction(() => {
          for (const r of rows) this.searchIndex.indexResource(this.writer, r.rid, r.deleted ? undefined : (JSON.parse(r.json) as Resource));
        })();
        return rows;
      });
      if (!rows.length) break;
      last = rows[rows.length - 1].rid;
      done += rows.length;
      options.onProgress?.(done);
    }
    await this.underLock(() => this.writer.exec('ANALYZE'));
    return done;
  }

  /** A strictly increasing instant, so versions written later never sort before earlier ones. */
  private nextInstant(): string {
    const now = Math.max(Date.now(), this.lastInstant + 1);
    this.lastInstant = now;
    return new Date(now).toISOString();
  }

  private applyChange(change: ResourceChange): StoredVersion {
    const resourceType = change.kind === 'put' ? change.resource.resourceType : change.resourceType;
    const id = change.kind === 'put' ? change.resource.id : change.id;
    const current = this.writeStmts.position.get(resourceType, id);
    if (change.expectVersion !== undefined && (current?.version ?? 0) !== change.expectVersion) {
      throw new VersionConflictError(resourceType, id, change.expectVersion, current?.version ?? 0);
    }
    const version = (current?.version ?? 0) + 1;
    const lastUpdated = this.nextInstant();
    let json = '';
    let stamped: Resource | undefined;
    if (change.kind === 'put') {
      const { resourceType: _t, id: _i, meta, ...rest } = change.resource;
      stamped = {
        resourceType,
        id,
        meta: { ...meta, versionId: String(version), lastUpdated },
        ...rest,
      } as Resource;
      json = JSON.stringify(stamped);
    }
    const deleted = change.kind === 'delete' ? 1 : 0;
    let rid: number;
    if (current) {
      rid = current.rid;
      this.keepReplacedJson.run(rid, rid, current.version);
      this.updateCurrent.run(version, lastUpdated, deleted, json, rid);
    } else {
      rid = Number(this.insertCurrent.run(resourceType, id, version, lastUpdated, deleted, json).lastInsertRowid);
    }
    this.insertHistory.run(rid, resourceType, id, version, lastUpdated, deleted);
    // A new rid has no index rows: rows of `resources` are never deleted (deletion is a version), so rids are
    // never reused.
    this.searchIndex.indexResource(this.writer, rid, stamped, !current);
    this.cache.written(CurrentVersionCache.key(resourceType, id));
    return { resourceType, id, versionId: String(version), lastUpdated, deleted: deleted === 1, json };
  }
}

function walBytes(file: string): number {
  return fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
}

/** Statistics only help the planner: failing to refresh them must not keep the store from opening or closing. */
function refreshStatistics(db: Database.Database, allTables: boolean): void {
  try {
    optimizeDatabase(db, { allTables });
  } catch {
    // The planner falls back to its defaults.
  }
}

function readCurrent(stmts: Statements, resourceType: string, id: string): StoredVersion | undefined {
  const row = stmts.readCurrent.get(resourceType, id);
  return row ? toStored(row) : undefined;
}

function readVersion(stmts: Statements, type: string, id: string, versionId: string): StoredVersion | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(versionId)) return undefined;
  const row = stmts.readVersion.get(type, id, Number(versionId));
  return row ? toStored(row) : undefined;
}

function history(db: Database.Database, query: HistoryQuery): HistoryPage {
  const sql = historySql(query);
  const total = (db.prepare(sql.count.sql).get(...sql.count.params) as { n: number }).n;
  const rows = db.prepare(sql.page.sql).all(...sql.page.params) as (ResourceRow & { seq: number })[];
  const more = rows.length > query.count;
  const page = rows.slice(0, query.count);
  return {
    entries: page.map(toStored),
    total,
    next: more && page.length ? encodeCursor(page[page.length - 1].seq) : undefined,
  };
}

/** The statements of a history query: its total, and its page (one row more than asked, to know of a next page). */
export function historySql(query: HistoryQuery): Record<'count' | 'page', { sql: string; params: unknown[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.resourceType && query.id) {
    // Instance level: the resource's versions through the (rid, version) key, not a scan of its type's versions.
    where.push('h.rid = (SELECT rid FROM resources WHERE resource_type = ? AND id = ?)');
    params.push(query.resourceType, query.id);
  } else if (query.resourceType) {
    where.push('h.resource_type = ?');
    params.push(query.resourceType);
  } else if (query.id) {
    where.push('h.id = ?');
    params.push(query.id);
  }
  if (query.since) {
    where.push('h.last_updated >= ?');
    params.push(query.since);
  }
  if (query.before) {
    where.push('h.last_updated <= ?');
    params.push(query.before);
  }
  const pageWhere = [...where];
  const pageParams = [...params];
  if (query.cursor) {
    pageWhere.push('h.seq < ?');
    pageParams.push(decodeCursor(query.cursor));
  }
  const scope = (w: string[]) => (w.length ? `WHERE ${w.join(' AND ')}` : '');
  return {
    count: { sql: `SELECT count(*) AS n FROM resource_history h ${scope(where)}`, params },
    page: {
      sql: `SELECT h.seq, h.rid, h.resource_type, h.id, h.version, h.last_updated, h.deleted, ${HISTORY_JSON}
            FROM resource_history h JOIN resources r ON r.rid = h.rid ${scope(pageWhere)} ORDER BY h.seq DESC LIMIT ?`,
      params: [...pageParams, query.count + 1],
    },
  };
}

export type { StoreReader };
