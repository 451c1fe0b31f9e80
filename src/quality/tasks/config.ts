/**
 * Settings of the data-quality tasks, from the environment:
 * - ROR_QUALITY_REGION: the region this ROR serves, as its TRE_R30 code (e.g. `84`); tasks name it in `for`
 *   (unset: tasks have no `for`);
 * - ROR_QUALITY_SWEEP_MINUTES (default 60): how often bed zones are re-judged for staleness, which changes with
 *   time and not with writes; 0 turns the sweep off;
 * - ROR_QUALITY (default on): `off` stops the background drain and sweep (writes are still queued).
 * The staleness threshold is the capacity's (ROR_CAPACITY_STALE_HOURS, src/ror/capacity/config.ts).
 */

export interface QualityConfig {
  region?: { code: string; display?: string };
  sweepMinutes: number;
  enabled: boolean;
  staleHours: number;
  now: () => Date;
}

export function loadQualityConfig(env: NodeJS.ProcessEnv, capacity: { staleHours: number; now: () => Date }, regionLabel?: (code: string) => string | undefined): QualityConfig {
  const region = env.ROR_QUALITY_REGION?.trim();
  if (region && !/^[0-9]{2,5}$/.test(region)) throw new Error(`ROR_QUALITY_REGION must be a region code of TRE_R30 (e.g. 84), got '${region}'`);
  const rawSweep = env.ROR_QUALITY_SWEEP_MINUTES?.trim();
  const sweepMinutes = rawSweep ? Number(rawSweep) : 60;
  if (!Number.isFinite(sweepMinutes) || sweepMinutes < 0) throw new Error(`ROR_QUALITY_SWEEP_MINUTES must be 0 or a positive number of minutes, got '${rawSweep}'`);
  const display = region ? regionLabel?.(region) : undefined;
  if (region && regionLabel && !display) throw new Error(`ROR_QUALITY_REGION '${region}' is not a code of TRE_R30 RegionOM`);
  return {
    region: region ? { code: region, display } : undefined,
    sweepMinutes,
    enabled: env.ROR_QUALITY?.trim().toLowerCase() !== 'off',
    staleHours: capacity.staleHours,
    now: capacity.now,
  };
}
