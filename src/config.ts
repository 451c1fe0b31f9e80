import { boolean, bytes, integer, type Env } from './env';

/**
 * Configuration from the environment, with an embedded default for everything, so `npm start` works on a bare
 * machine. Invalid values fail fast at start with a message naming the variable.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  baseUrl: string;
  logLevel: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** Default and maximum page size of searches and histories. */
  defaultCount: number;
  maxCount: number;
  /** How long graceful shutdown waits for in-flight requests before closing anyway. */
  shutdownGraceMs: number;
  /** Load the demo region (src/demo) when the store is empty at start. */
  demoData: boolean;
  /** Origins allowed to call the API from a browser (CORS); empty: no CORS headers at all. */
  corsOrigins: string[];
  /** Requests per minute of one caller (a principal, else a client address); 0: no limit. Per server instance. */
  rateLimitPerMinute: number;
  /** Requests per minute of one client address to `/auth/*` (token endpoint, sign-in), against guessing; 0: none. */
  authRateLimitPerMinute: number;
  /** Longest accepted request target (path and query), in characters: longer ones get a 414. */
  maxUrlLength: number;
  search: SearchLimits;
  /**
   * Threads answering offer search from replicas of the embedded offer index (src/offer/search-threads); 0: the
   * request's thread answers. Each holds a copy of the index in memory. Not used with an external offer engine.
   */
  offerSearchThreads: number;
}

/** Bounds on the cost of one search, checked while planning it (src/fhir/search/plan.ts): beyond them, a 400. */
export interface SearchLimits {
  /** Query parameters of one request (the URL's, and a POSTed `_search` form's). */
  maxParams: number;
  /** Comma-separated values of one parameter. */
  maxOrValues: number;
  /** OR-ed values across all the parameters of a search, chains and `_has` included. */
  maxTotalOrValues: number;
  /** `_include` and `_revinclude` parameters of one search. */
  maxIncludes: number;
  /** Rounds of `:iterate` includes after the first one. */
  maxIncludeDepth: number;
  /** Links of a chain or nested `_has`. */
  maxChainDepth: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = Object.freeze({
  maxParams: 100,
  maxOrValues: 500,
  maxTotalOrValues: 1000,
  maxIncludes: 10,
  maxIncludeDepth: 4,
  maxChainDepth: 6,
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const baseUrl = (env.ROR_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) throw new Error(`ROR_BASE_URL must be an absolute http(s) URL, got '${baseUrl}'`);
  const maxCount = integer(env, 'ROR_MAX_COUNT', 1000, 1, 100000);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: env.ROR_DATA_DIR ?? './data',
    baseUrl,
    logLevel,
    maxBodyBytes: bytes(env, 'ROR_MAX_BODY', 10 * 1024 * 1024),
    defaultCount: Math.min(integer(env, 'ROR_DEFAULT_COUNT', 20, 1, 100000), maxCount),
    maxCount,
    shutdownGraceMs: integer(env, 'ROR_SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    demoData: boolean(env, 'ROR_DEMO_DATA', true),
    corsOrigins: origins(env, 'ROR_CORS_ORIGINS'),
    rateLimitPerMinute: integer(env, 'ROR_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    authRateLimitPerMinute: integer(env, 'ROR_AUTH_RATE_LIMIT_PER_MINUTE', 30, 0, 1_000_000),
    // Node answers 431 itself past 16 KiB of request line and headers (--max-http-header-size).
    maxUrlLength: integer(env, 'ROR_MAX_URL_LENGTH', 8192, 256, 1_000_000),
    search: {
      maxParams: integer(env, 'ROR_MAX_PARAMS', DEFAULT_SEARCH_LIMITS.maxParams, 1, 10_000),
      maxOrValues: integer(env, 'ROR_MAX_OR_VALUES', DEFAULT_SEARCH_LIMITS.maxOrValues, 1, 100_000),
      maxTotalOrValues: integer(env, 'ROR_MAX_TOTAL_OR_VALUES', DEFAULT_SEARCH_LIMITS.maxTotalOrValues, 1, 1_000_000),
      maxIncludes: integer(env, 'ROR_MAX_INCLUDES', DEFAULT_SEARCH_LIMITS.maxIncludes, 0, 1000),
      maxIncludeDepth: integer(env, 'ROR_MAX_INCLUDE_DEPTH', DEFAULT_SEARCH_LIMITS.maxIncludeDepth, 0, 100),
      maxChainDepth: integer(env, 'ROR_MAX_CHAIN_DEPTH', DEFAULT_SEARCH_LIMITS.maxChainDepth, 1, 20),
    },
    offerSearchThreads: integer(env, 'ROR_OFFER_SEARCH_THREADS', 0, 0, 64),
  };
}

/** A comma-separated list of web origins (`https://host[:port]`), each checked; absent or empty: none. */
function origins(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let url: URL | undefined;
      try {
        url = new URL(o);
      } catch {
        url = undefined;
      }
      if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
        throw new Error(`${name} must list origins such as https://ui.example.org (scheme, host, optional port), got '${o}'`);
      }
      return url.origin;
    });
}
