/**
 * The period of an evaluation (`periodStart`, `periodEnd` of $evaluate-measure): an instant with its offset
 * (`2026-11-20T08:00:00+01:00`) or a date (`2026-11-20`, `2026-11`, `2026`: the start of it for periodStart, the end
 * of it for periodEnd, in UTC). Default: the 24 hours before now. Internally [start, end), in ms.
 */
import { badRequest } from '../../errors';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const PARTIAL_DATE = /^(\d{4})(-(\d{2})(-(\d{2}))?)?$/;
const DAY = 86_400_000;

export interface Period {
  start: number;
  end: number;
}

function bound(raw: string, name: string, which: 'start' | 'end'): number {
  const v = raw.trim();
  if (INSTANT.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  const m = PARTIAL_DATE.exec(v);
  if (m) {
    const [y, mo, d] = [Number(m[1]), m[3] ? Number(m[3]) - 1 : 0, m[5] ? Number(m[5]) : 1];
    const start = Date.UTC(y, mo, d);
    const check = new Date(start);
    if (check.getUTCFullYear() === y && check.getUTCMonth() === mo && check.getUTCDate() === d) {
      if (which === 'start') return start;
      if (m[5]) return start + DAY;
      if (m[3]) return Date.UTC(y, mo + 1, 1);
      return Date.UTC(y + 1, 0, 1);
    }
  }
  throw badRequest(`${name} must be a date (2026-11-20) or an instant with its offset (2026-11-20T08:00:00+01:00), got '${raw}'`, [name]);
}

export function parsePeriod(start: string | undefined, end: string | undefined, now: number): Period {
  const e = end === undefined ? now : bound(end, 'periodEnd', 'end');
  const s = start === undefined ? e - DAY : bound(start, 'periodStart', 'start');
  if (s > e) throw badRequest(`periodStart (${new Date(s).toISOString()}) is after periodEnd (${new Date(e).toISOString()})`, ['periodStart']);
  return { start: s, end: e };
}
