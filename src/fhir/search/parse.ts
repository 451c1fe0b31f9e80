/**
 * Lexical parsing of search parameter values: OR-lists, escapes, prefixes, and the value syntax of each type.
 * https://hl7.org/fhir/R4/search.html#escaping, #prefix, #token, #quantity, #reference
 */
import { badRequest } from '../../errors';
import type { Prefix, QuantityValue, RangeValue, TokenValue } from '../../store/search-plan';
import { dateRange, decimalRange } from '../../indexing/index-values';

/** Splits on a separator not escaped by a backslash; pieces keep their escapes. */
export function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      cur += ch + text[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Removes escapes: `\,` `\|` `\$` `\\` → `,` `|` `$` `\`. */
export function unescape(text: string): string {
  return text.replace(/\\([,|$\\])/g, '$1');
}

/** The OR-ed values of one parameter occurrence, still escaped (type parsers split further, then unescape). */
export function orValues(value: string): string[] {
  return splitUnescaped(value, ',');
}

const PREFIXES = new Set<Prefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

function splitPrefix(name: string, value: string): [Prefix, string] {
  const m = /^([a-z]{2})(.*)$/.exec(value);
  if (m) {
    if (PREFIXES.has(m[1] as Prefix)) return [m[1] as Prefix, m[2]];
    throw badRequest(`search parameter '${name}': unknown prefix '${m[1]}' in '${value}'`, [name]);
  }
  return ['eq', value];
}

/** `systemForAlias`: the canonical URL of a code system short name (the Terminology's codeSystemForAlias). */
export function parseToken(value: string, systemForAlias: (name: string) => string | undefined): TokenValue {
  const parts = splitUnescaped(value, '|');
  if (parts.length === 1) return { code: unescape(parts[0]) };
  const [system, code] = [unescape(parts[0]), unescape(parts.slice(1).join('|'))];
  // A bare ANS short name (`TRE_R330`), as the ROR IG writes its queries, stands for that code system's URL.
  const out: TokenValue = { system: system === '' ? null : (systemForAlias(system) ?? system) };
  if (code !== '') out.code = code;
  return out;
}

/** A date with its prefix; `ap` widens the range by 10% of its distance to now (spec leaves it to the server). */
export function parseDate(name: string, value: string): RangeValue {
  const [prefix, text] = splitPrefix(name, unescape(value));
  const range = dateRange(text);
  if (!range) throw badRequest(`search parameter '${name}': '${value}' is not a valid date`, [name]);
  let [lo, hi] = range;
  if (prefix === 'ap') {
    // "now" to the day, so the plan (and the paging cursors bound to it) stays the same from page to page
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const gap = Math.abs(today - lo) * 0.1;
    lo -= gap;
    hi += gap;
  }
  return { prefix, value: lo, lo, hi };
}

export function parseNumber(name: string, value: string): RangeValue {
  const [prefix, text] = splitPrefix(name, unescape(value));
  const range = decimalRange(text);
  if (!range) throw badRequest(`search parameter '${name}': '${value}' is not a valid number`, [name]);
  const n = Number(text);
  let [lo, hi] = range;
  if (prefix === 'ap') {
    const gap = Math.abs(n) * 0.1;
    lo = Math.min(lo, n - gap);
    hi = Math.max(hi, n + gap);
  }
  return { prefix, value: n, lo, hi };
}

export function parseQuantity(name: string, value: string): QuantityValue {
  const parts = splitUnescaped(value, '|');
  if (parts.length > 3) throw badRequest(`search parameter '${name}': '${value}' is not number|system|code`, [name]);
  const out: QuantityValue = parseNumber(name, parts[0]);
  const system = parts[1] !== undefined ? unescape(parts[1]) : '';
  const code = parts[2] !== undefined ? unescape(parts[2]) : '';
  if (system) out.system = system;
  if (code) out.code = code;
  return out;
}

/** `near=lat|long|distance|unit` (unit km, m or mi; distance defaults to 50 km). */
export function parseNear(name: string, value: string): { lat: number; lon: number; km: number } {
  const parts = splitUnescaped(value, '|').map(unescape);
  const [lat, lon, dist] = parts.slice(0, 3).map((x) => (x === undefined || x === '' ? NaN : Number(x)));
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw badRequest(`search parameter '${name}': expected latitude|longitude|distance|unit, got '${value}'`, [name]);
  }
  const unit = (parts[3] ?? 'km').toLowerCase();
  const factor = { km: 1, m: 0.001, mi: 1.609344, '[mi_i]': 1.609344 }[unit];
  if (factor === undefined) throw badRequest(`search parameter '${name}': unsupported distance unit '${parts[3]}'`, [name]);
  const distance = parts[2] === undefined || parts[2] === '' ? 50 : dist;
  if (!Number.isFinite(distance) || distance < 0) {
    throw badRequest(`search parameter '${name}': invalid distance '${parts[2]}'`, [name]);
  }
  return { lat, lon, km: distance * factor };
}
