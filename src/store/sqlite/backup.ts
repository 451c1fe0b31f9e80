/**
 * Backup and restore of the embedded store (README "Operations"), for `npm run backup` and `npm run restore`.
 *
 * What a data directory holds: `ror.sqlite` (every resource and its history, the search index, the outbox, the sync
 * state, the leases, the API clients, signing keys and assertion replay cache: all of it in one database),
 * `offer.sqlite` (the offer search index: derived from the store, rebuilt at start when missing, so not backed up)
 * and `session-secret` (unless ROR_SESSION_SECRET is set; not backed up: after a restore elsewhere people sign in
 * again).
 *
 * Backup, while the server serves: SQLite's online backup API (better-sqlite3 `db.backup()`) from a connection of
 * this process. The copy is made in one step, i.e. inside one read transaction: a snapshot of the last commit at
 * that moment, whatever the server writes meanwhile (in WAL mode a reader blocks no writer; the WAL grows during the
 * copy and is checkpointed after). Copying page by page across steps would restart at every commit of the server
 * (another process's writes restart a backup), and never end while writes go on. The copy is written beside the
 * target, checked (`PRAGMA quick_check`), turned into a self-contained file (rollback journal, no WAL) and renamed
 * into place: a target file is either a whole backup or absent.
 *
 * Restore, with the server stopped: refused while any process has the data directory's database open (a running
 * server holds it: the check takes SQLite's exclusive lock, which fails then). Existing data is replaced only with
 * `force`, and kept beside as `ror.sqlite.replaced-<time>` (with its WAL); the offer index is removed (rebuilt at
 * start).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const STORE_FILE = 'ror.sqlite';
export const OFFER_FILE = 'offer.sqlite';
const SIDE_FILES = ['-wal', '-shm', '-journal'];

export interface BackupSummary {
  file: string;
  bytes: number;
  resources: number;
  versions: number;
  ms: number;
}

/** Counts of a database file (a backup, or a data directory's store), read-only. */
function summarize(file: string): { resources: number; versions: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return { resources: one('SELECT count(*) AS n FROM resources'), versions: one('SELECT count(*) AS n FROM resource_history') };
  } finally {
    db.close();
  }
}

/** Throws unless `file` is an SQLite database of this server that passes SQLite's quick check. */
export function checkBackupFile(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file} cannot be opened: ${(err as Error).message}`);
  }
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    for (const t of ['resources', 'resource_history', 'outbox', 'sync_lock']) {
      if (!tables.has(t)) throw new Error(`${file} is not a backup of this server's store (no table ${t})`);
    }
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`${file} is damaged: ${String(check)}`);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(file)) throw err;
    throw new Error(`${file} is not a usable SQLite database: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

/** Copies the store of `dataDir` into `file`, consistently, while a server may be writing to it. */
export async function backupStore(dataDir: string, file: string, options: { force?: boolean } = {}): Promise<BackupSummary> {
  const started = Date.now();
  const source = path.join(dataDir, STORE_FILE);
  if (!fs.existsSync(source)) throw new Error(`no store to back up: ${source} does not exist (ROR_DATA_DIR)`);
  const target = path.resolve(file);
  if (fs.existsSync(target) && !options.force) throw new Error(`${target} exists: choose another file, or --force to replace it`);
  if (!fs.existsSync(path.dirname(target))) throw new Error(`the directory of ${target} does not exist`);
  const partial = `${target}.partial-${process.pid}`;
  for (const suffix of ['', ...SIDE_FILES]) fs.rmSync(partial + suffix, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    // The first step (0 pages) opens the backup; the second copies every page within one read transaction.
    await db.backup(partial, { progress: () => 0x7fffffff });
  } catch (err) {
    for (const suffix of ['', ...SIDE_FILES]) fs.rmSync(partial + suffix, { force: true });
    throw new Error(`the backup of ${source} failed: ${(err as Error).message}`);
  } finally {
    db.close();
  }
  try {
    // A self-contained file: the copy keeps the source's WAL mode in its header; a rollback journal needs no -wal.
    const copy = new Database(partial);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    checkBackupFile(partial);
    fs.renameSync(partial, target);
  } catch (err) {
    for (const suffix of ['', ...SIDE_FILES]) fs.rmSync(partial + suffix, { force: true });
    throw err;
  }
  return { file: target, bytes: fs.statSync(target).size, ...summarize(target), ms: Date.now() - started };
}

/** Whether a process has the database open (a running server): SQLite's exclusive lock cannot be taken then. */
export function storeInUse(dataDir: string): boolean {
  const file = path.join(dataDir, STORE_FILE);
  if (!fs.existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    db.close();
  }
}

export interface RestoreSummary {
  dataDir: string;
  resources: number;
  versions: number;
  /** Where the data that was replaced is kept, when there was some. */
  replacedAs?: string;
}

/** Puts the backup `file` in place as the store of `dataDir`; the server must be stopped. */
export function restoreStore(file: string, dataDir: string, options: { force?: boolean; now?: () => Date } = {}): RestoreSummary {
  const backup = path.resolve(file);
  if (!fs.existsSync(backup)) throw new Error(`${backup} does not exist`);
  checkBackupFile(backup);
  fs.mkdirSync(dataDir, { recursive: true });
  const store = path.join(dataDir, STORE_FILE);
  if (storeInUse(dataDir)) {
    throw new Error(`${store} is open in another process (a running server?): stop it, then restore`);
  }
  const present = fs.existsSync(store);
  if (present && !options.force) {
    throw new Error(`${store} holds data: --force replaces it (it is kept beside as ${STORE_FILE}.replaced-<time>)`);
  }
  const restoring = `${store}.restoring`;
  fs.copyFileSync(backup, restoring);
  let replacedAs: string | undefined;
  if (present) {
    replacedAs = `${store}.replaced-${(options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', ...SIDE_FILES]) {
      if (fs.existsSync(store + suffix)) fs.renameSync(store + suffix, replacedAs + suffix);
    }
  }
  for (const suffix of SIDE_FILES) fs.rmSync(store + suffix, { force: true });
  fs.renameSync(restoring, store);
  // The offer index describes the data that was there: removed, the server rebuilds it from the restored store.
  for (const suffix of ['', ...SIDE_FILES]) fs.rmSync(path.join(dataDir, OFFER_FILE) + suffix, { force: true });
  return { dataDir, ...summarize(store), replacedAs };
}
