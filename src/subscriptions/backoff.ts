/**
 * Retry delays: exponential (base × 2^(attempt−1), capped) with "equal jitter": a random delay between half and
 * all of it, so endpoints coming back after an outage are not hit by every retry at the same instant.
 */
export interface BackoffOptions {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Delay before the retry that follows failed attempt number `attempt` (1 for the first delivery). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 52));
  const ceiling = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}
