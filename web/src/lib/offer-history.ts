/**
 * The capacity history of a bed zone (`GET /Location/[id]/$capacity-history`, a Parameters of `point`s, oldest
 * first; src/ror/capacity/history.ts) as series for a step chart and rows for its table: one series per entry of
 * the current temporality (status and gender: "Disponible — Femme", "Installé"), each point the figure written at
 * a version's time; a removed entry ends its series. Pure: tested without a browser.
 */
import { displayOf } from '../../../src/ror/capacity/codes';

export interface HistoryPoint {
  /** ms since epoch (the version's time). */
  t: number;
  /** null: the entry was removed at `t`. */
  value: number | null;
}

export interface HistorySeries {
  key: string;
  label: string;
  statusCode?: string;
  points: HistoryPoint[];
}

export interface HistoryRow {
  time: string;
  series: string;
  value: number | null;
}

type Part = { name: string; valueInstant?: string; valueInteger?: number; valueBoolean?: boolean; valueCoding?: { code?: string } };

/** The series of a $capacity-history answer, of the current temporality (01) unless `all`. */
export function historySeries(parameters: unknown, options: { all?: boolean } = {}): HistorySeries[] {
  const series = new Map<string, HistorySeries>();
  const params = (parameters as { parameter?: { name: string; part?: Part[] }[] })?.parameter ?? [];
  for (const p of params) {
    if (p.name !== 'point' || !p.part) continue;
    const part = (name: string) => p.part!.find((x) => x.name === name);
    const code = (name: string) => part(name)?.valueCoding?.code;
    const time = Date.parse(part('time')?.valueInstant ?? '');
    if (Number.isNaN(time)) continue;
    const temporality = code('temporalityCapacity');
    if (!options.all && temporality !== undefined && temporality !== '01') continue;
    const status = code('capacityStatus');
    const gender = code('genderCapacityAvailable');
    const type = code('capacityType');
    const qualifiers = ['capacityClosingType', 'additionalBedType', 'crisisType', 'temporaryAssignement'].map((f) => `${f}=${code(f) ?? ''}`).join('&');
    const key = [type, status, temporality, gender, qualifiers].join('|');
    let s = series.get(key);
    if (!s) {
      const words = [
        status ? (displayOf('capacityStatus', status) ?? status) : 'Capacité',
        gender ? (displayOf('genderCapacityAvailable', gender) ?? gender) : undefined,
        options.all && temporality ? (displayOf('temporalityCapacity', temporality) ?? temporality) : undefined,
        type === '02' ? 'places' : undefined,
      ].filter(Boolean);
      s = { key, label: words.join(' — '), ...(status ? { statusCode: status } : {}), points: [] };
      series.set(key, s);
    }
    const removed = part('removed')?.valueBoolean === true;
    const value = removed ? null : (part('nbCapacity')?.valueInteger ?? null);
    s.points.push({ t: time, value });
  }
  return [...series.values()].sort((a, b) => (a.statusCode ?? '').localeCompare(b.statusCode ?? '') || a.label.localeCompare(b.label, 'fr'));
}

/** The series' points as table rows, most recent first (the chart's text alternative). */
export function historyRows(series: HistorySeries[]): HistoryRow[] {
  return series
    .flatMap((s) => s.points.map((p) => ({ time: new Date(p.t).toISOString(), series: s.label, value: p.value })))
    .sort((a, b) => b.time.localeCompare(a.time) || a.series.localeCompare(b.series, 'fr'));
}

/** Each series extended to `now` with its last value, so a step chart draws the figure up to today. */
export function extendToNow(series: HistorySeries[], now: number): HistorySeries[] {
  return series.map((s) => {
    const last = s.points[s.points.length - 1];
    return last && last.value !== null && last.t < now ? { ...s, points: [...s.points, { t: now, value: last.value }] } : s;
  });
}
