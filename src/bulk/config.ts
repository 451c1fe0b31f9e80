/**
 * Bulk export settings, from the environment:
 * - ROR_EXPORT_TTL_HOURS      hours a finished export's files are kept before the sweep removes them (default 24)
 * - ROR_EXPORT_PAGE_SIZE      resources read per store page (default 500): memory holds one page at a time
 * - ROR_EXPORT_MAX_JOBS       unfinished exports one caller may have at a time; beyond, a kick-off answers 429 (default 3)
 */
import { integer, type Env } from '../env';

export interface BulkExportConfig {
  ttlHours: number;
  pageSize: number;
  maxJobsPerCaller: number;
}

export function loadBulkExportConfig(env: Env = process.env): BulkExportConfig {
  return {
    ttlHours: integer(env, 'ROR_EXPORT_TTL_HOURS', 24, 1, 24 * 365),
    pageSize: integer(env, 'ROR_EXPORT_PAGE_SIZE', 500, 10, 10_000),
    maxJobsPerCaller: integer(env, 'ROR_EXPORT_MAX_JOBS', 3, 1, 1000),
  };
}
