/**
 * The time series of one indicator for one subject, for the dashboard's trend charts: every stored MeasureReport of
 * the Measure and subject in a window, oldest first, each reduced to its figures (overall score and counts of each
 * group, and of each stratum when asked). Read through the caller's view (a FHIR search of MeasureReport), so it
 * shows exactly the reports the caller may read.
 */
import type { MeasureReport, MeasureReportGroupPopulation } from '@medplum/fhirtypes';
import { csvDocument } from './csv';

export interface SeriesPoint {
  /** The period's end: the instant the figure describes. */
  at: string;
  date?: string;
  report: string;
  score?: number;
  unit?: string;
  counts: Record<string, number>;
}

export interface SeriesLine {
  group: string;
  label?: string;
  stratifier?: string;
  stratum?: string;
  points: SeriesPoint[];
}

function counts(pops: MeasureReportGroupPopulation[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pops ?? []) {
    const code = p.code?.coding?.[0]?.code;
    if (code && typeof p.count === 'number') out[code] = p.count;
  }
  return out;
}

/** Lines (one per group, and per stratum of `stratifier` when given) from reports given in any order. */
export function seriesOf(reports: (MeasureReport & { id?: string })[], stratifier?: string): SeriesLine[] {
  const lines = new Map<string, SeriesLine>();
  const sorted = [...reports].sort((a, b) => Date.parse(a.period?.end ?? '') - Date.parse(b.period?.end ?? '') || (a.date ?? '').localeCompare(b.date ?? ''));
  for (const r of sorted) {
    for (const g of r.group ?? []) {
      const group = g.code?.coding?.[0]?.code ?? '';
      const point = (score: typeof g.measureScore, pops: typeof g.population): SeriesPoint => ({
        at: r.period?.end ?? '',
        ...(r.date ? { date: r.date } : {}),
        report: `MeasureReport/${r.id}`,
        ...(score?.value !== undefined ? { score: score.value } : {}),
        ...(score?.unit ? { unit: score.unit } : {}),
        counts: counts(pops),
      });
      const line = (key: string, make: () => SeriesLine) => {
        let l = lines.get(key);
        if (!l) lines.set(key, (l = make()));
        return l;
      };
      line(group, () => ({ group, ...(g.code?.text ? { label: g.code.text } : {}), points: [] })).points.push(point(g.measureScore, g.population));
      if (!stratifier) continue;
      for (const s of g.stratifier ?? []) {
        if ((s.code ?? []).map((c) => c.coding?.[0]?.code).join('-') !== stratifier) continue;
        for (const st of s.stratum ?? []) {
          const value = st.value?.coding?.[0]?.code ?? st.value?.text ?? (st.component ?? []).map((c) => c.value.coding?.[0]?.code ?? c.value.text).join('/');
          line(`${group}\u0000${value}`, () => ({ group, ...(g.code?.text ? { label: g.code.text } : {}), stratifier, stratum: value, points: [] })).points.push(
            point(st.measureScore, st.population),
          );
        }
      }
    }
  }
  return [...lines.values()];
}

export function seriesCsv(measure: string, subject: string, lines: SeriesLine[]): string {
  const rows = lines.flatMap((l) =>
    l.points.flatMap((p) => {
      const pops = Object.entries(p.counts);
      return (pops.length ? pops : [['', undefined] as [string, number | undefined]]).map(([pop, n]) => [measure, subject, l.group, l.stratifier ?? '', l.stratum ?? '', p.at, pop, n, p.score, p.unit]);
    }),
  );
  return csvDocument(['mesure', 'sujet', 'groupe', 'stratificateur', 'strate', 'instant', 'population', 'effectif', 'score', 'unite_score'], rows);
}
