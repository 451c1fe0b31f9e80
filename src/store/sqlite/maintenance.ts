/**
 * Statistics for the SQLite query planner: `PRAGMA optimize` (https://sqlite.org/pragma.html#pragma_optimize),
 * which runs ANALYZE only on the tables whose statistics are missing or stale, each bounded by an approximate
 * ANALYZE (`PRAGMA analysis_limit`, https://sqlite.org/lang_analyze.html#approx): about that many rows are read
 * per index, so a run on the multi-GB index tables takes milliseconds to a few seconds, not minutes.
 *
 * SQLite's advice for long-lived connections, which this store has: on open `PRAGMA optimize=0x10002` (check every
 * table, not only those the connection used), then `PRAGMA optimize` every few hours and before closing.
 * ANALYZE writes the sqlite_stat tables: run it on the writer connection (a read-only connection cannot). A
 * connection loads the statistics when it opens: one already open keeps planning with the statistics it loaded
 * (checked with SQLite 3.53: neither ANALYZE nor a schema change on another connection makes it reload them, and
 * `ANALYZE sqlite_schema`, which would, needs a writable connection). So run it on open before opening the
 * read-only connections, and reopen those after a periodic run that analyzed something.
 */
import type Database from 'better-sqlite3';

/** Rows read per index by an approximate ANALYZE (SQLite suggests 100 to 1000). */
export const DEFAULT_ANALYSIS_LIMIT = 1000;

/** `PRAGMA optimize` mask bits. */
const ANALYZE_TABLES = 0x02;
const DEBUG_ONLY = 0x01;
const CHECK_ALL_TABLES = 0x10000;

export interface OptimizeOptions {
  /** Rows per index read by ANALYZE (0: no limit, a full ANALYZE). */
  analysisLimit?: number;
  /** Check every table, not only those this connection queried (use it right after opening). */
  allTables?: boolean;
}

export interface OptimizeReport {
  /** The ANALYZE statements run (empty when the statistics were fresh). */
  analyzed: string[];
  ms: number;
}

/**
 * Runs `PRAGMA optimize` on a writable connection with the given analysis limit (restored afterwards), and says
 * what it analyzed. Cheap when nothing changed: SQLite then only compares table sizes with the statistics.
 */
export function optimizeDatabase(db: Database.Database, options: OptimizeOptions = {}): OptimizeReport {
  if (db.readonly) throw new Error('PRAGMA optimize writes statistics: run it on the writer connection');
  const limit = options.analysisLimit ?? DEFAULT_ANALYSIS_LIMIT;
  const mask = ANALYZE_TABLES | (options.allTables ? CHECK_ALL_TABLES : 0);
  const start = performance.now();
  const previous = db.pragma('analysis_limit', { simple: true }) as number;
  db.pragma(`analysis_limit = ${Math.max(0, Math.floor(limit))}`);
  try {
    // With the debug bit, optimize lists the ANALYZE statements it would run; then it runs them.
    const analyzed = (db.pragma(`optimize = ${mask | DEBUG_ONLY}`) as Record<string, string>[]).map((r) => Object.values(r)[0]);
    db.pragma(`optimize = ${mask}`);
    return { analyzed, ms: performance.now() - start };
  } finally {
    db.pragma(`analysis_limit = ${previous}`);
  }
}

/** Whether the database holds planner statistics (sqlite_stat1 exists and has rows). */
export function hasStatistics(db: Database.Database): boolean {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'").get();
  return !!table && !!db.prepare('SELECT 1 FROM sqlite_stat1 LIMIT 1').get();
}
