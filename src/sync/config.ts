/**
 * Sync configuration from its own environment variables, each with a default (the server's src/config.ts is not
 * ours). Invalid values fail fast with the variable's name.
 *
 * - ROR_SYNC_CRON            when the server runs the sync (node-cron syntax; default 02:30 every night)
 * - ROR_SYNC_FINESS          establishments (cs1100502/cs1100507), path or URL; ROR_SYNC_FINESS_EJ legal entities
 *   (cs1100501); ROR_SYNC_FINESS_PLUS FINESS+ JSON(.gz); ROR_SYNC_RPPS PS_LibreAcces zip or Personne_activite txt.
 *   No source configured: the scheduler does not start.
 * - ROR_SYNC_MAX_DEACTIVATION  largest share of a source's records one run may deactivate (default 0.05)
 * - ROR_SYNC_BATCH           resources per transaction (default 500)
 * - ROR_SYNC_LOCK_TTL_MS     the run lock expires this long after its last renewal (default 2 min). A run renews it
 *   every third of that, and a holder whose process is gone from this host is taken over at once (lock.ts): the
 *   expiry only frees the lock of a holder that stopped elsewhere (another host) or hangs.
 * - ROR_SYNC_REPORT_DIR      JSON reports (default <ROR_DATA_DIR>/sync-reports)
 */
import path from 'node:path';
import cron from 'node-cron';
import { decimal, type Env } from '../env';
import type { SourceSpecs } from './run';

export interface SyncConfig {
  cron: string;
  sources: SourceSpecs;
  maxDeactivationShare: number;
  batchSize: number;
  lockTtlMs: number;
  reportDir: string;
}


export function loadSyncConfig(env: Env = process.env): SyncConfig {
  const expr = env.ROR_SYNC_CRON?.trim() || '30 2 * * *';
  if (!cron.validate(expr)) throw new Error(`ROR_SYNC_CRON is not a valid cron expression: '${expr}'`);
  const src = (name: string) => env[name]?.trim() || undefined;
  return {
    cron: expr,
    sources: {
      finess: src('ROR_SYNC_FINESS'),
      finessEj: src('ROR_SYNC_FINESS_EJ'),
      finessPlus: src('ROR_SYNC_FINESS_PLUS'),
      rpps: src('ROR_SYNC_RPPS'),
    },
    maxDeactivationShare: decimal(env, 'ROR_SYNC_MAX_DEACTIVATION', 0.05, 0, 1),
    batchSize: Math.round(decimal(env, 'ROR_SYNC_BATCH', 500, 1, 10000)),
    lockTtlMs: Math.round(decimal(env, 'ROR_SYNC_LOCK_TTL_MS', 2 * 60_000, 1000, 24 * 3600_000)),
    reportDir: env.ROR_SYNC_REPORT_DIR?.trim() || path.join(env.ROR_DATA_DIR ?? './data', 'sync-reports'),
  };
}

export function hasSources(s: SourceSpecs): boolean {
  return Boolean(s.finess || s.finessEj || s.finessPlus || s.rpps);
}
