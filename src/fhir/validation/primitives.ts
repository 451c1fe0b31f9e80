/**
 * Checks on primitive values that @medplum/core's validator does not make (it does check the JSON type and the
 * regular expressions of https://hl7.org/fhir/R4/datatypes.html#primitive).
 */
import type { Issue } from './issues';
import { error, warning } from './issues';

const STRING_TYPES_ALLOWING_BLANK = new Set(['string', 'markdown']);
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

/** Checks a string primitive; returns false when the value is too broken for further checks. */
export function checkString(value: string, type: string, path: string, issues: Issue[]): boolean {
  if (value === '') {
    // https://hl7.org/fhir/R4/json.html#primitive: "empty values are not allowed"; medplum treats '' as absent.
    issues.push(error('value', 'Empty string values are not allowed; omit the element instead', path));
    return false;
  }
  if (value.trim() === '') {
    issues.push(blankString(type, path));
    return false;
  }
  if (DATE_TYPES.has(type)) checkCalendarDate(value, type, path, issues);
  return true;
}

/**
 * FHIR `string`/`markdown` only SHOULD contain non-whitespace content (https://hl7.org/fhir/R4/datatypes.html#string);
 * for every other string-based type (code, id, uri, date...) a blank value fails the type's regular expression.
 */
function blankString(type: string, path: string): Issue {
  if (STRING_TYPES_ALLOWING_BLANK.has(type)) {
    return warning('value', 'String contains only whitespace', path);
  }
  return error('value', `Invalid ${type} format: a blank value is not a valid ${type}`, path);
}

/**
 * The R4 regular expressions accept any day 01-31 in any month; FHIR requires real dates
 * ("Dates SHALL be valid dates", https://hl7.org/fhir/R4/datatypes.html#date), so `2026-02-30` is rejected here.
 * Partial dates (`2026`, `2026-02`) and malformed strings are left alone (the latter fail medplum's format check).
 */
function checkCalendarDate(value: string, type: string, path: string, issues: Issue[]): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) return;
  if (day > daysInMonth(year, month)) {
    issues.push(error('value', `Invalid ${type}: ${m[0]} does not exist in the calendar`, path));
  }
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** FHIR integers are 32-bit signed (https://hl7.org/fhir/R4/datatypes.html#integer); medplum checks no range. */
export function checkNumber(value: number, type: string, path: string, issues: Issue[]): void {
  if (INTEGER_TYPES.has(type) && Number.isInteger(value) && (value > 2147483647 || value < -2147483648)) {
    issues.push(error('value', `Invalid ${type}: ${value} is outside the 32-bit range`, path));
  }
}

// Elements and attributes the narrative may not contain (txt-1, https://hl7.org/fhir/R4/narrative.html#xhtml):
// "no active content" - scripts, forms, frames, objects, base/link/meta, event attributes.
const FORBIDDEN_ELEMENT =
  /<\s*(script|style|form|input|button|select|option|textarea|iframe|frame|frameset|object|embed|applet|base|link|meta|head|body|html)\b/i;
const EVENT_ATTRIBUTE = /<[^>]*\son[a-z]+\s*=/i;
const SCRIPT_URL = /\s(href|src)\s*=\s*["']?\s*(javascript|vbscript):|\shref\s*=\s*["']?\s*data:/i;
const XHTML_DIV = /^\s*<div\b[^>]*\bxmlns\s*=\s*(["'])http:\/\/www\.w3\.org\/1999\/xhtml\1[^>]*>[\s\S]*<\/div>\s*$/;

/**
 * Narrative.div invariants txt-1 and txt-2: medplum implements their FHIRPath function `htmlChecks()` as `true`.
 * This is a conservative screen, not an XHTML parser: an XHTML <div> root, no active content, some text or image.
 */
export function checkXhtml(value: string, path: string, issues: Issue[]): void {
  const problem = xhtmlProblem(value);
  if (problem) issues.push(error('invariant', `Narrative ${problem} (txt-1/txt-2)`, path));
}

function xhtmlProblem(div: string): string | undefined {
  if (!XHTML_DIV.test(div)) return 'must be a single <div xmlns="http://www.w3.org/1999/xhtml"> element';
  const forbidden = FORBIDDEN_ELEMENT.exec(div);
  if (forbidden) return `must not contain <${forbidden[1].toLowerCase()}> elements`;
  if (EVENT_ATTRIBUTE.test(div)) return 'must not contain event attributes (on...)';
  if (SCRIPT_URL.test(div)) return 'must not contain script URLs (javascript:, vbscript:, data: links)';
  const text = div.replace(/<[^>]*>/g, '').trim();
  if (!text && !/<img\b/i.test(div)) return 'must have some non-whitespace content';
  return undefined;
}
