/**
 * Subscription delivery settings from the environment (ROR_SUBSCRIPTION_*), each with an embedded default; an
 * invalid value fails fast at start with a message naming the variable.
 */
import { integer, type Env } from '../env';

export interface SubscriptionConfig {
  /** Delivery attempts of one notification before the subscription is turned `off` (ROR_SUBSCRIPTION_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Delay before the 1st retry; it doubles each attempt (ROR_SUBSCRIPTION_BACKOFF_BASE_MS). */
  backoffBaseMs: number;
  /** Ceiling of the retry delay (ROR_SUBSCRIPTION_BACKOFF_MAX_MS). */
  backoffMaxMs: number;
  /** Timeout of one HTTP delivery (ROR_SUBSCRIPTION_TIMEOUT_MS). */
  timeoutMs: number;
  /** Endpoints delivered to in parallel (ROR_SUBSCRIPTION_CONCURRENCY). */
  concurrency: number;
  /** How often the deliverer looks for due retries (ROR_SUBSCRIPTION_POLL_MS); new notifications wake it at once. */
  pollMs: number;
  /**
   * How long a claimed notification is reserved for its deliverer (ROR_SUBSCRIPTION_LEASE_MS): after a crash it is
   * delivered again once the lease expires. Must exceed the timeout. Default: timeout + 30 s.
   */
  leaseMs: number;
  /**
   * Host names that endpoints may point to (ROR_SUBSCRIPTION_ALLOWED_HOSTS, comma-separated): `api.example.org`,
   * `*.example.org` (any subdomain), `127.0.0.1`, `::1`, or `*` for any host. Default: loopback only, so the server
   * never POSTs into a network it was not told about (SSRF); list the orientation tools' hosts in production.
   */
  allowedHosts: string[];
  /** How long the in-memory list of active subscriptions is trusted without a reload (ROR_SUBSCRIPTION_CACHE_TTL_MS). */
  cacheTtlMs: number;
}


export const DEFAULT_ALLOWED_HOSTS = ['localhost', '127.0.0.1', '::1'];


export function parseAllowedHosts(raw: string): string[] {
  const hosts = raw
    .split(',')
    .map((h) => h.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1'))
    .filter(Boolean);
  for (const h of hosts) {
    if (h !== '*' && !/^(\*\.)?[a-z0-9.:_-]+$/.test(h)) {
      throw new Error(`ROR_SUBSCRIPTION_ALLOWED_HOSTS: '${h}' is not a host name, '*.domain' or '*'`);
    }
  }
  return hosts;
}

export function loadSubscriptionConfig(env: Env = process.env): SubscriptionConfig {
  const HOUR = 3_600_000;
  const backoffBaseMs = integer(env, 'ROR_SUBSCRIPTION_BACKOFF_BASE_MS', 2_000, 1, HOUR);
  const backoffMaxMs = integer(env, 'ROR_SUBSCRIPTION_BACKOFF_MAX_MS', 15 * 60_000, 1, 24 * HOUR);
  if (backoffMaxMs < backoffBaseMs) {
    throw new Error(`ROR_SUBSCRIPTION_BACKOFF_MAX_MS (${backoffMaxMs}) must be at least ROR_SUBSCRIPTION_BACKOFF_BASE_MS (${backoffBaseMs})`);
  }
  const timeoutMs = integer(env, 'ROR_SUBSCRIPTION_TIMEOUT_MS', 5_000, 1, 10 * 60_000);
  const leaseMs = integer(env, 'ROR_SUBSCRIPTION_LEASE_MS', timeoutMs + 30_000, 1, 24 * HOUR);
  if (leaseMs <= timeoutMs) {
    throw new Error(`ROR_SUBSCRIPTION_LEASE_MS (${leaseMs}) must exceed ROR_SUBSCRIPTION_TIMEOUT_MS (${timeoutMs})`);
  }
  const hostsRaw = env.ROR_SUBSCRIPTION_ALLOWED_HOSTS;
  return {
    maxAttempts: integer(env, 'ROR_SUBSCRIPTION_MAX_ATTEMPTS', 12, 1, 1000),
    backoffBaseMs,
    backoffMaxMs,
    timeoutMs,
    concurrency: integer(env, 'ROR_SUBSCRIPTION_CONCURRENCY', 4, 1, 256),
    pollMs: integer(env, 'ROR_SUBSCRIPTION_POLL_MS', 1_000, 1, HOUR),
    leaseMs,
    allowedHosts: hostsRaw === undefined || hostsRaw.trim() === '' ? [...DEFAULT_ALLOWED_HOSTS] : parseAllowedHosts(hostsRaw),
    cacheTtlMs: integer(env, 'ROR_SUBSCRIPTION_CACHE_TTL_MS', 30_000, 0, 24 * HOUR),
  };
}
