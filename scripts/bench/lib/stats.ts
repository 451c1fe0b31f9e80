/** Small statistics helpers: median of repeated runs, percentiles of latency samples. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The p-th percentile (0–100) of `sorted` (ascending), nearest-rank method: the smallest value such that at least
 * p% of the samples are less than or equal to it.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function percentiles(samples: ArrayLike<number>, ps: number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => percentileOfSorted(sorted, p));
}

/** min–max spread of the runs relative to their median, in percent (a noise indicator). */
export function spreadPct(values: number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return m === 0 ? 0 : ((Math.max(...values) - Math.min(...values)) / m) * 100;
}
