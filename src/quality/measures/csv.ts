/**
 * CSV of indicators, for spreadsheets in French settings: `;` between fields, a UTF-8 byte order mark (so Excel
 * reads the accents), CRLF line ends, decimal comma (`0,6667`, `12,5`), fields quoted when they hold `;`, `"` or a
 * line end. One row per group × stratum (the overall figure first, stratum empty) × population, with the score of
 * that group or stratum on each of its rows.
 */
import type { MeasureReport, MeasureReportGroupPopulation, Quantity } from '@medplum/fhirtypes';

export const CSV_TYPE = 'text/csv; charset=utf-8';
const BOM = '\uFEFF';

export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? frenchNumber(v) : v;
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function frenchNumber(n: number): string {
  return String(n).replace('.', ',');
}

export function csvDocument(header: string[], rows: (string | number | undefined)[][]): string {
  return BOM + [header, ...rows].map((r) => r.map(csvField).join(';')).join('\r\n') + '\r\n';
}

const REPORT_HEADER = ['mesure', 'sujet', 'debut_periode', 'fin_periode', 'date_calcul', 'groupe', 'stratificateur', 'strate', 'population', 'effectif', 'score', 'unite_score'];

function label(cc: { text?: string; coding?: { code?: string; display?: string }[] } | undefined): string {
  return cc?.coding?.[0]?.code ?? cc?.text ?? '';
}

export function reportCsv(report: MeasureReport): string {
  const fixed = [report.measure, report.subject?.identifier?.value ?? report.subject?.reference ?? '', report.period?.start, report.period?.end, report.date];
  const rows: (string | number | undefined)[][] = [];
  const push = (group: string, stratifier: string, stratum: string, pops: MeasureReportGroupPopulation[] | undefined, score: Quantity | undefined) => {
    for (const p of pops ?? []) rows.push([...fixed, group, stratifier, stratum, label(p.code), p.count, score?.value, score?.unit]);
  };
  for (const g of report.group ?? []) {
    const group = label(g.code);
    push(group, '', '', g.population, g.measureScore);
    for (const s of g.stratifier ?? []) {
      const stratifier = (s.code ?? []).map(label).join('-');
      for (const st of s.stratum ?? []) {
        const value = st.value ? (st.value.text ?? label(st.value)) : (st.component ?? []).map((c) => c.value.text ?? label(c.value)).join(' / ');
        push(group, stratifier, value, st.population, st.measureScore);
      }
    }
  }
  return csvDocument(REPORT_HEADER, rows);
}
