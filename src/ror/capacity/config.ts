/**
 * Settings of the capacity features, from the environment with embedded defaults (kept here rather than in
 * src/config.ts so the capacity module stays self-contained):
 * - ROR_CAPACITY_STALE_HOURS (default 24): a Location whose most recent capacityUpdateDate is older than this is
 *   served with the `stale-capacity` tag.
 */

export interface CapacityConfig {
  staleHours: number;
  /** The clock, replaceable in tests. */
  now: () => Date;
}

export const DEFAULT_STALE_HOURS = 24;

export function loadCapacityConfig(env: NodeJS.ProcessEnv = process.env): CapacityConfig {
  const raw = env.ROR_CAPACITY_STALE_HOURS?.trim();
  let staleHours = DEFAULT_STALE_HOURS;
  if (raw) {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(`ROR_CAPACITY_STALE_HOURS must be a positive number of hours, got '${raw}'`);
    }
    staleHours = n;
  }
  return { staleHours, now: () => new Date() };
}
