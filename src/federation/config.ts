/**
 * Federation configuration: the other ROR servers this one imports from (README "Federation").
 *
 * - ROR_FEDERATION_SOURCES: a JSON array of sources, `[{"url": "https://ror-ara.example/fhir", "token": "…",
 *   "types": ["Organization", "Location", "HealthcareService"], "cron": "15 3 * * *"}]`, where a source
 *   authenticates with `token` (a bearer token) or `clientId`/`clientSecret` (client credentials at `tokenUrl`, by
 *   default the source's SMART configuration's token_endpoint); or simply a comma-separated list of base URLs
 *   (no credential, the default types and cron). Unset or empty: no federation (the default).
 * - ROR_FEDERATION_CRON: the cron of sources that name none (default 03:15 every night).
 * - ROR_SYNC_MAX_DEACTIVATION, ROR_SYNC_BATCH, ROR_SYNC_LOCK_TTL_MS, ROR_SYNC_REPORT_DIR: shared with the
 *   referential sync (../sync/config.ts): the same truncation guard, batches, lock and reports.
 */
import cron from 'node-cron';
import type { Env } from '../env';
import { loadSyncConfig } from '../sync/config';

/** Types imported when a source names none, in the order they are reconciled (targets before referrers). */
export const DEFAULT_TYPES = ['Organization', 'Location', 'HealthcareService', 'Practitioner', 'PractitionerRole'];

export interface FederationSource {
  /** The source's FHIR base URL, without a trailing slash. */
  url: string;
  /** A bearer token for the source. */
  token?: string;
  /** Client credentials (client_secret_basic) for the source's token endpoint. */
  clientId?: string;
  clientSecret?: string;
  /** Default: the token_endpoint of `<url>/.well-known/smart-configuration`. */
  tokenUrl?: string;
  types: string[];
  cron: string;
}

export interface FederationConfig {
  sources: FederationSource[];
  maxDeactivationShare: number;
  batchSize: number;
  lockTtlMs: number;
  reportDir: string;
}

const TYPE = /^[A-Z][A-Za-z]+$/;

/** A source as given on the command line or in the configuration, checked; throws with what is wrong. */
export function normaliseSource(raw: Omit<Partial<FederationSource>, 'types'> & { types?: string[] | string }, defaultCron = '15 3 * * *'): FederationSource {
  if (typeof raw.url !== 'string' || !raw.url.trim()) throw new Error('a federation source needs a url');
  let url: URL;
  try {
    url = new URL(raw.url.trim());
  } catch {
    throw new Error(`federation source url is not a URL: '${raw.url}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`federation source url must be http(s): '${raw.url}'`);
  const types = (typeof raw.types === 'string' ? raw.types.split(',') : (raw.types ?? DEFAULT_TYPES)).map((t) => String(t).trim()).filter(Boolean);
  const bad = types.find((t) => !TYPE.test(t));
  if (bad !== undefined || !types.length) throw new Error(`federation source ${raw.url}: types must be FHIR resource types, got '${bad ?? ''}'`);
  if (raw.token !== undefined && raw.clientId !== undefined) throw new Error(`federation source ${raw.url}: give a token or client credentials, not both`);
  if ((raw.clientId === undefined) !== (raw.clientSecret === undefined)) throw new Error(`federation source ${raw.url}: clientId and clientSecret go together`);
  const expr = raw.cron?.trim() || defaultCron;
  if (!cron.validate(expr)) throw new Error(`federation source ${raw.url}: not a valid cron expression: '${expr}'`);
  return {
    url: url.toString().replace(/\/+$/, ''),
    ...(raw.token !== undefined ? { token: String(raw.token) } : {}),
    ...(raw.clientId !== undefined ? { clientId: String(raw.clientId), clientSecret: String(raw.clientSecret) } : {}),
    ...(raw.tokenUrl ? { tokenUrl: String(raw.tokenUrl) } : {}),
    types: orderTypes(types),
    cron: expr,
  };
}

/** Targets before referrers: the default types in their order, then the others as given. */
export function orderTypes(types: string[]): string[] {
  const unique = [...new Set(types)];
  return [...DEFAULT_TYPES.filter((t) => unique.includes(t)), ...unique.filter((t) => !DEFAULT_TYPES.includes(t))];
}

export function loadFederationConfig(env: Env = process.env): FederationConfig {
  const sync = loadSyncConfig(env);
  const defaultCron = env.ROR_FEDERATION_CRON?.trim() || '15 3 * * *';
  if (!cron.validate(defaultCron)) throw new Error(`ROR_FEDERATION_CRON is not a valid cron expression: '${defaultCron}'`);
  const raw = env.ROR_FEDERATION_SOURCES?.trim();
  let sources: FederationSource[] = [];
  if (raw) {
    try {
      if (raw.startsWith('[')) {
        const list = JSON.parse(raw) as unknown;
        if (!Array.isArray(list)) throw new Error('expected a JSON array');
        sources = list.map((s) => {
          if (typeof s !== 'object' || s === null) throw new Error('each source is an object with a url');
          return normaliseSource(s as Partial<FederationSource>, defaultCron);
        });
      } else {
        sources = raw.split(',').map((u) => u.trim()).filter(Boolean).map((url) => normaliseSource({ url }, defaultCron));
      }
    } catch (err) {
      throw new Error(`ROR_FEDERATION_SOURCES: ${(err as Error).message}`);
    }
    const urls = sources.map((s) => s.url);
    const twice = urls.find((u, i) => urls.indexOf(u) !== i);
    if (twice) throw new Error(`ROR_FEDERATION_SOURCES: ${twice} is listed twice`);
  }
  return { sources, maxDeactivationShare: sync.maxDeactivationShare, batchSize: sync.batchSize, lockTtlMs: sync.lockTtlMs, reportDir: sync.reportDir };
}
