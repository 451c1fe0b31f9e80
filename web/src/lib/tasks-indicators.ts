/**
 * The dashboard's trend charts of the quality indicators (README "Indicators"): which Measures are drawn, the
 * `$series` and `$evaluate-measure` URLs for a subject, and a series answer made into chart lines and table rows
 * (a proportion as a percentage, a cohort as its count). Pure: tested without a browser.
 */
import { query } from './api';

export interface TrendMeasure {
  id: string;
  title: string;
  /** What a point's value is. */
  kind: 'share' | 'count';
}

/** The indicators the dashboard follows: freshness, feeding completeness, open quality tasks. */
export const TREND_MEASURES: readonly TrendMeasure[] = [
  { id: 'ror-fraicheur-capacite', title: 'Capacité à jour (moins de 24 h)', kind: 'share' },
  { id: 'ror-completude-alimentation', title: 'Complétude de l’alimentation', kind: 'share' },
  { id: 'ror-taches-ouvertes', title: 'Anomalies ouvertes', kind: 'count' },
];

/** `$series` answer (src/quality/measures/series.ts). */
export interface SeriesAnswer {
  measure: string;
  title?: string;
  subject: string;
  reports: number;
  truncated: boolean;
  lines: { group: string; label?: string; stratifier?: string; stratum?: string; points: { at: string; date?: string; report: string; score?: number; unit?: string; counts: Record<string, number> }[] }[];
}

export const seriesUrl = (measure: string, subject: string, format?: 'csv') => `/Measure/${measure}/$series${query({ subject, _format: format })}`;
export const evaluateUrl = (measure: string, subject: string) => `/Measure/${measure}/$evaluate-measure${query({ subject })}`;
/** The CSV of one stored report (`MeasureReport/id`). */
export const reportCsvUrl = (report: string) => `/${report}/$csv`;

export interface TrendLine {
  label: string;
  points: { t: number; value: number }[];
}

/** Chart lines: one per group, a share in percent (0–100) or a count, oldest first. */
export function trendLines(answer: SeriesAnswer, kind: TrendMeasure['kind']): TrendLine[] {
  return answer.lines
    .filter((l) => !l.stratifier)
    .map((l) => ({
      label: l.label ?? l.group,
      points: l.points
        .map((p) => ({ t: Date.parse(p.at), value: kind === 'share' ? (p.score === undefined ? NaN : Math.round(p.score * 1000) / 10) : (p.counts['initial-population'] ?? NaN) }))
        .filter((p) => !Number.isNaN(p.t) && !Number.isNaN(p.value)),
    }));
}

/** The table beside a chart: one row per instant, one column per line. */
export function trendTable(lines: TrendLine[]): { at: number; values: (number | undefined)[] }[] {
  const instants = [...new Set(lines.flatMap((l) => l.points.map((p) => p.t)))].sort((a, b) => a - b);
  return instants.map((at) => ({ at, values: lines.map((l) => l.points.find((p) => p.t === at)?.value) }));
}

/** The newest stored report of a series (for its CSV link). */
export function latestReport(answer: SeriesAnswer): string | undefined {
  let best: { at: string; report: string } | undefined;
  for (const l of answer.lines) for (const p of l.points) if (!best || p.at >= best.at) best = p;
  return best?.report;
}
