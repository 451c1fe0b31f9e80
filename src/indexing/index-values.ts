/**
 * How values are normalized, shared by indexing (write) and planning (search) so both sides compare alike.
 * https://hl7.org/fhir/R4/search.html#string, #date, #number
 */

/** Lower-cased, accents stripped, whitespace collapsed: "Hôpital  Nord" → "hopital nord". */
export function normalizeString(s: string): string {
  // Most indexed strings are printable ASCII (codes, identifiers, most names): nothing to decompose and no
  // whitespace but spaces, so the Unicode pass below is skipped (it was a third of index extraction's own time).
  if (PRINTABLE_ASCII.test(s)) {
    const lower = s.toLowerCase();
    return lower.includes('  ') || lower.charCodeAt(0) === 32 || lower.charCodeAt(lower.length - 1) === 32
      ? lower.replace(/ +/g, ' ').trim()
      : lower;
  }
  return normalizeUnicode(s);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The general case: decomposed, combining marks removed, lower case, whitespace runs as one space, trimmed. */
export function normalizeUnicode(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Bounds standing for "no bound" (open periods). Within the range of JS Date. */
export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The implicit range of a FHIR date/dateTime/instant, in ms since epoch, inclusive: "2020" → all of 2020,
 * "2020-03-01T10:00" → that minute. Values without a time zone are taken as UTC (the server's zone).
 * Returns undefined when the text is not a date.
 */
export function dateRange(text: string): [number, number] | undefined {
  const m = DATE_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  if (month > 11 || day < 1 || day > 31) return undefined;
  let offset = 0;
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    offset = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60000;
  }
  const utc = (yy: number, mm: number, dd = 1, hh = 0, mn = 0, ss = 0, ms = 0) => {
    const date = new Date(0);
    date.setUTCFullYear(yy, mm, dd);
    date.setUTCHours(hh, mn, ss, ms);
    return date.getTime();
  };
  if (!mo) return [utc(year, 0), utc(year + 1, 0) - 1];
  if (!d) return [utc(year, month), utc(year, month + 1) - 1];
  if (h === undefined) return [utc(year, month, day), utc(year, month, day + 1) - 1];
  const base = utc(year, month, day, Number(h), Number(mi)) - offset;
  if (s === undefined) return [base, base + 60000 - 1];
  const sec = base + Number(s) * 1000;
  if (frac === undefined) return [sec, sec + 999];
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  // Sub-millisecond precision is below what we keep: the range is that millisecond.
  return [sec + ms, sec + ms + (frac.length >= 3 ? 0 : 10 ** (3 - frac.length) - 1)];
}

/**
 * The implicit range of a decimal from its precision: "100" → [99.5, 100.5], "1e2" → [50, 150], "100.00" →
 * [99.995, 100.005]. https://hl7.org/fhir/R4/search.html#number
 */
export function decimalRange(text: string): [number, number] | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const value = Number(t);
  const [mantissa, exp] = t.toLowerCase().split('e');
  const decimals = mantissa.includes('.') ? mantissa.split('.')[1].length : 0;
  const exponent = exp ? Number(exp) : 0;
  const half = 0.5 * 10 ** (exponent - decimals);
  return [value - half, value + half];
}
