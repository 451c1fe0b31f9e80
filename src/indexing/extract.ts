/**
 * Index extraction: what a resource contributes to each of its search parameters, as storage-neutral rows.
 * Run on every write, so it stays cheap: expressions are parsed once by the registry.
 * Value semantics per type: https://hl7.org/fhir/R4/search.html#ptypes
 */
import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { SearchParamDef, SearchParamRegistry, SearchParamType } from './registry';
import { dateRange, decimalRange, MAX_TIME, MIN_TIME, normalizeString } from './index-values';

/** `grp` is the element instance a row comes from (1-based) for grouped parameters (composites); 0 otherwise. */
export interface StringRow { code: string; norm: string; exact: string; grp: number }
export interface TokenRow {
  code: string;
  system: string | null;
  value: string | null;
  /** Normalized display / text, for `:text`. */
  text: string | null;
  /** Identifier.type coding, for `:of-type`. */
  typeSystem: string | null;
  typeCode: string | null;
  grp: number;
}
export interface ReferenceRow { code: string; type: string | null; id: string | null; url: string | null; grp: number }
export interface DateRow { code: string; lo: number; hi: number; grp: number }
/** Numbers and quantities; `system`/`unit` only for quantities (unit = code, or the unit text without a system). */
export interface NumberRow {
  code: string;
  value: number;
  lo: number;
  hi: number;
  system: string | null;
  unit: string | null;
  grp: number;
}
export interface GeoRow { code: string; lat: number; lon: number }

export interface IndexRows {
  strings: StringRow[];
  tokens: TokenRow[];
  refs: ReferenceRow[];
  dates: DateRow[];
  numbers: NumberRow[];
  geos: GeoRow[];
  /** Normalized narrative (`_text`) and all string content (`_content`). */
  narrative: string;
  content: string;
}

export function emptyRows(): IndexRows {
  return { strings: [], tokens: [], refs: [], dates: [], numbers: [], geos: [], narrative: '', content: '' };
}

export function extractIndexRows(registry: SearchParamRegistry, resource: Resource): IndexRows {
  const rows = emptyRows();
  const input = [toTypedValue(resource)];
  for (const def of registry.indexedParams(resource.resourceType)) {
    let values: TypedValue[];
    try {
      values = def.fast ? def.fast(resource) : evalFhirPathTyped(def.atom!, input);
    } catch {
      continue; // an expression that fails on odd data indexes nothing rather than refusing the write
    }
    if (values.length) addValues(rows, def.code, def.type, values, 0);
  }
  for (const def of registry.compositeParams(resource.resourceType)) addComposite(rows, def, input);
  for (const defs of registry.groupedParams(resource.resourceType).values()) addGroup(rows, defs, resource, input);
  rows.narrative = narrativeText(resource);
  rows.content = contentText(resource);
  return rows;
}

/** Each element selected by the composite expression is one group; components are indexed as `code#i`. */
function addComposite(rows: IndexRows, def: SearchParamDef, input: TypedValue[]): void {
  let elements: TypedValue[];
  try {
    elements = evalFhirPathTyped(def.atom!, input);
  } catch {
    return;
  }
  elements.forEach((el, n) => {
    def.components!.forEach((c, i) => {
      try {
        addValues(rows, componentCode(def.code, i), c.type, evalFhirPathTyped(c.atom, [el]), n + 1);
      } catch {
        /* skip a component that cannot be evaluated */
      }
    });
  });
}

/** Grouped parameters: each element of the group's context is one group (ordinal from 1). */
function addGroup(rows: IndexRows, defs: SearchParamDef[], resource: Resource, input: TypedValue[]): void {
  const group = defs[0].group!;
  let elements: TypedValue[];
  try {
    elements = group.fastContext ? group.fastContext(resource) : evalFhirPathTyped(group.contextAtom, input);
  } catch {
    return;
  }
  elements.forEach((el, n) => {
    for (const def of defs) {
      const g = def.group!;
      try {
        addValues(rows, def.code, def.type, g.fast ? g.fast(el.value) : evalFhirPathTyped(g.atom, [el]), n + 1);
      } catch {
        /* skip a value that cannot be evaluated */
      }
    }
  });
}

export function componentCode(code: string, index: number): string {
  return `${code}#${index}`;
}

export function addValues(rows: IndexRows, code: string, type: SearchParamType, values: TypedValue[], grp: number) {
  for (const tv of values) {
    const v = tv.value as any;
    if (v === undefined || v === null) continue;
    switch (type) {
      case 'string':
        for (const s of stringsOf(tv)) rows.strings.push({ code, norm: normalizeString(s), exact: s, grp });
        break;
      case 'token':
        addTokens(rows, code, tv, grp);
        break;
      case 'uri':
        if (typeof v === 'string') rows.tokens.push(tokenRow(code, null, v, null, grp));
        break;
      case 'reference':
        addReference(rows, code, tv, grp);
        break;
      case 'date': {
        const r = dateOf(tv);
        if (r) rows.dates.push({ code, lo: r[0], hi: r[1], grp });
        break;
      }
      case 'number':
      case 'quantity':
        addNumber(rows, code, tv, grp);
        break;
      case 'special':
        if (typeof v.latitude === 'number' && typeof v.longitude === 'number') {
          rows.geos.push({ code, lat: v.latitude, lon: v.longitude });
        }
        break;
      default:
        break;
    }
  }
}

function stringsOf(tv: TypedValue): string[] {
  const v = tv.value as any;
  if (typeof v === 'string') return [v];
  if (typeof v !== 'object') return [String(v)];
  const out: string[] = [];
  const push = (x: unknown) => {
    if (typeof x === 'string') out.push(x);
    else if (Array.isArray(x)) for (const y of x) push(y);
  };
  if (tv.type === 'HumanName') {
    push(v.text); push(v.family); push(v.given); push(v.prefix); push(v.suffix);
  } else if (tv.type === 'Address') {
    push(v.text); push(v.line); push(v.city); push(v.district); push(v.state); push(v.postalCode); push(v.country);
  } else {
    for (const x of Object.values(v)) push(x);
  }
  return out;
}

function tokenRow(code: string, system: string | null, value: string | null, text: string | null, grp: number): TokenRow {
  return { code, system, value, text: text ? normalizeString(text) : null, typeSystem: null, typeCode: null, grp };
}

function addTokens(rows: IndexRows, code: string, tv: TypedValue, grp: number): void {
  const v = tv.value as any;
  switch (tv.type) {
    case 'CodeableConcept':
      for (const c of v.coding ?? []) rows.tokens.push(tokenRow(code, c.system ?? null, c.code ?? null, c.display ?? null, grp));
      if (v.text) rows.tokens.push(tokenRow(code, null, null, v.text, grp));
      break;
    case 'Coding':
      rows.tokens.push(tokenRow(code, v.system ?? null, v.code ?? null, v.display ?? null, grp));
      break;
    case 'Identifier': {
      const row = tokenRow(code, v.system ?? null, v.value ?? null, v.type?.text ?? null, grp);
      const t = v.type?.coding?.[0];
      if (t) {
        row.typeSystem = t.system ?? null;
        row.typeCode = t.code ?? null;
      }
      rows.tokens.push(row);
      break;
    }
    case 'ContactPoint':
      rows.tokens.push(tokenRow(code, v.system ?? null, v.value ?? null, null, grp));
      break;
    default:
      if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') {
        rows.tokens.push(tokenRow(code, null, String(v), null, grp));
      } else if (typeof v === 'object' && typeof v.value === 'string') {
        rows.tokens.push(tokenRow(code, v.system ?? null, v.value, null, grp)); // e.g. ContactPoint-like shapes
      }
  }
}

const REL_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/;
const ABS_REF = /^(?:https?|urn):.*?\/?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/;

/** Splits a literal reference: relative `Type/id` → type/id; absolute → url (+ type/id when it ends with them). */
export function parseReferenceString(ref: string): { type: string | null; id: string | null; url: string | null } {
  const rel = REL_REF.exec(ref);
  if (rel) return { type: rel[1], id: rel[2], url: null };
  const abs = ABS_REF.exec(ref);
  if (abs) return { type: abs[1], id: abs[2], url: ref };
  return { type: null, id: null, url: ref };
}

function addReference(rows: IndexRows, code: string, tv: TypedValue, grp: number): void {
  const v = tv.value as any;
  if (typeof v === 'string') {
    // canonical / uri: keep the url without a |version suffix
    rows.refs.push({ code, type: null, id: null, url: v.split('|')[0], grp });
    return;
  }
  if (typeof v !== 'object') return;
  if (typeof v.reference === 'string' && !v.reference.startsWith('#')) {
    rows.refs.push({ code, ...parseReferenceString(v.reference), grp });
  }
  if (v.identifier?.value) {
    rows.tokens.push(tokenRow(code, v.identifier.system ?? null, v.identifier.value, null, grp));
  }
}

function dateOf(tv: TypedValue): [number, number] | undefined {
  const v = tv.value as any;
  if (typeof v === 'string') return dateRange(v);
  if (tv.type === 'Period' || (typeof v === 'object' && (v.start || v.end))) {
    const lo = v.start ? dateRange(v.start)?.[0] : MIN_TIME;
    const hi = v.end ? dateRange(v.end)?.[1] : MAX_TIME;
    return lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
  }
  if (tv.type === 'Timing') {
    const events: string[] = v.event ?? [];
    const ranges = events.map(dateRange).filter((r): r is [number, number] => !!r);
    if (!ranges.length) return undefined;
    return [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
  }
  return undefined;
}

function addNumber(rows: IndexRows, code: string, tv: TypedValue, grp: number): void {
  const v = tv.value as any;
  if (typeof v === 'number') {
    const [lo, hi] = decimalRange(String(v)) ?? [v, v];
    rows.numbers.push({ code, value: v, lo, hi, system: null, unit: null, grp });
  } else if (typeof v === 'object' && typeof v.value === 'number') {
    const [lo, hi] = decimalRange(String(v.value)) ?? [v.value, v.value];
    const unit = v.code ?? v.unit ?? v.currency ?? null;
    rows.numbers.push({ code, value: v.value, lo, hi, system: v.system ?? null, unit, grp });
    // A quantity with a system is also findable by its human unit (`value||unit`).
    if (v.system && v.unit && v.unit !== v.code) {
      rows.numbers.push({ code, value: v.value, lo, hi, system: null, unit: v.unit, grp });
    }
  } else if (typeof v === 'object' && (v.low || v.high)) {
    // Range: one row spanning low..high
    const lo = typeof v.low?.value === 'number' ? v.low.value : -Number.MAX_VALUE;
    const hi = typeof v.high?.value === 'number' ? v.high.value : Number.MAX_VALUE;
    rows.numbers.push({ code, value: lo, lo, hi, system: v.low?.system ?? null, unit: v.low?.code ?? null, grp });
  }
}

function narrativeText(resource: Resource): string {
  const div = (resource as { text?: { div?: string } }).text?.div;
  return div ? normalizeString(div.replace(/<[^>]*>/g, ' ')) : '';
}

/** All string values of the resource (not its meta nor narrative markup), normalized, capped. */
export function contentText(resource: Resource): string {
  const parts: string[] = [];
  let size = 0;
  const walk = (x: unknown, key: string) => {
    if (size > 8000) return;
    if (typeof x === 'string') {
      if (key === 'div' || key === 'reference' || key === 'system' || key === 'url') return;
      parts.push(x);
      size += x.length;
    } else if (Array.isArray(x)) for (const y of x) walk(y, key);
    else if (x && typeof x === 'object') {
      // Keys, not Object.entries: no [key, value] array per property (this walks every element of every write).
      for (const k of Object.keys(x)) if (k !== 'meta' && k !== 'id' && k !== 'resourceType') walk((x as Record<string, unknown>)[k], k);
    }
  };
  walk(resource, '');
  return normalizeString(parts.join(' '));
}
