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
}

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
  };
}
