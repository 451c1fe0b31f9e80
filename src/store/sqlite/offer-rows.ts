/**
 * What one offer document contributes to the embedded index: its filter values, its (facet, code) rows with their
 * labels, its analysed text by weighted field, its positions, and its type-ahead names; `analysedEntry` puts them in
 * one form the in-memory engine (offer-engine/engine.ts) indexes and stores beside the document
 * (offer-schema.ts), so opening the index does not analyse every text again. Pure.
 */
import { analyze, analyzeDocument } from '../../indexing/french';
import type { OfferDocument, OfferFacet, OfferPosition } from '../offer-index';

/** Facets and multi-valued filters kept as (facet, code) rows; `commune` is a filter, not a facet of the port. */
export type CodeFacet = OfferFacet | 'commune';

export interface CodeRow { facet: CodeFacet; code: string; label: string }

/** Relative weights of the text fields in the bm25 ranking. */
export const TEXT_WEIGHTS = { name: 10, labels: 4, organization: 2, place: 1 } as const;

export interface TextRow { name: string; labels: string; organization: string; place: string }

export interface SuggestionRow { kind: 'unit' | 'establishment' | 'commune'; key: string; label: string; text: string }

export function codeRows(doc: OfferDocument): CodeRow[] {
  const rows: CodeRow[] = [];
  const add = (facet: CodeFacet, code: string | undefined, label: string | undefined) => {
    if (code) rows.push({ facet, code, label: label || code });
  };
  for (const c of doc.activities) add('activity', c.code, c.label);
  for (const c of doc.careModes) add('careMode', c.code, c.label);
  for (const c of doc.specialties) add('specialty', c.code, c.label);
  add('category', doc.organization.category?.code, doc.organization.category?.label);
  add('department', doc.organization.department, doc.organization.department);
  add('region', doc.organization.region, doc.organization.region);
  for (const l of doc.locations) add('commune', l.commune, l.communeName);
  return rows;
}

const tokens = (parts: (string | undefined)[]) => analyzeDocument(parts.filter(Boolean).join(' . ')).join(' ');

export function textRow(doc: OfferDocument): TextRow {
  // The field of activity (TRE_R227, e.g. "Médecine, Chirurgie, Obstétrique (MCO)") names what every unit of a sector
  // shares: weighted with the establishment's words, not with the unit's own labels, or "médecine" would rank any
  // MCO unit as high as a medicine unit.
  const sectors = doc.unitCategories.filter((c) => c.system.includes('R227'));
  const unitCategories = doc.unitCategories.filter((c) => !c.system.includes('R227'));
  const labels = [...doc.activities, ...doc.specialties, ...doc.careModes, ...unitCategories, ...doc.patientTypes];
  const org = doc.organization;
  return {
    name: tokens([doc.name, ...doc.aliases]),
    labels: tokens(labels.map((c) => c.label)),
    organization: tokens([org.name, org.finess, org.category?.label, org.legalStatus?.label, ...sectors.map((c) => c.label)]),
    place: tokens(doc.locations.flatMap((l) => [l.communeName, l.name])),
  };
}

export function positions(doc: OfferDocument): OfferPosition[] {
  return doc.locations
    .map((l) => l.position)
    .filter((p): p is OfferPosition => !!p && Number.isFinite(p.lat) && Number.isFinite(p.lon));
}

/** The type-ahead names of a document: the unit (with its aliases searchable), its establishment, its communes. */
export function suggestionRows(doc: OfferDocument): SuggestionRow[] {
  const rows: SuggestionRow[] = [];
  const text = (parts: string[]) => analyze(parts.join(' . ')).join(' ');
  if (doc.name) rows.push({ kind: 'unit', key: doc.id, label: doc.name, text: text([doc.name, ...doc.aliases]) });
  const org = doc.organization;
  if (org.id && org.name) rows.push({ kind: 'establishment', key: org.id, label: org.name, text: text([org.name]) });
  const seen = new Set<string>();
  for (const l of doc.locations) {
    if (!l.commune || !l.communeName || seen.has(l.commune)) continue;
    seen.add(l.commune);
    rows.push({ kind: 'commune', key: l.commune, label: l.communeName, text: text([l.communeName]) });
  }
  return rows;
}

/**
 * A document as the engine indexes it, in words: the engine turns terms and codes into its ids (engine.ts
 * `StoredEntry`, what is stored beside the document).
 */
export interface AnalysedEntry {
  active: boolean;
  sensitive: boolean;
  ageLow: number | null;
  ageHigh: number | null;
  /** Free beds now: total, female, male, undetermined. */
  free: [number, number, number, number];
  /** capacity.updatedAt in ms since epoch. */
  updatedAt: number | null;
  /** Tokens of the text, every field together (the document length of bm25). */
  length: number;
  /** The distinct terms with their weighted frequency (Σ TEXT_WEIGHTS of the field × occurrences): [term, f, …]. */
  terms: (string | number)[];
  /** Distinct (facet, code) with the label of the code's last row. */
  codes: [CodeFacet, string, string][];
  /** Positions as [lat, lon, lat, lon, …]. */
  positions: number[];
  suggestions: [SuggestionRow['kind'], string, string, string][];
}

const finiteOrNull = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n : null);

/** Counts of each token of a space-joined token string, weighted, added to `into`; returns how many tokens. */
function countTokens(text: string, weight: number, into: Map<string, number>): number {
  let n = 0;
  for (const token of text.split(' ')) {
    if (!token) continue;
    n++;
    into.set(token, (into.get(token) ?? 0) + weight);
  }
  return n;
}

export function analysedEntry(doc: OfferDocument): AnalysedEntry {
  const text = textRow(doc);
  const counts = new Map<string, number>();
  const length =
    countTokens(text.name, TEXT_WEIGHTS.name, counts) +
    countTokens(text.labels, TEXT_WEIGHTS.labels, counts) +
    countTokens(text.organization, TEXT_WEIGHTS.organization, counts) +
    countTokens(text.place, TEXT_WEIGHTS.place, counts);
  const terms: (string | number)[] = [];
  for (const [term, f] of counts) terms.push(term, f);
  const codes = new Map<string, [CodeFacet, string, string]>();
  for (const r of codeRows(doc)) codes.set(`${r.facet}\u0000${r.code}`, [r.facet, r.code, r.label]);
  const free = doc.capacity.free;
  const updatedAt = doc.capacity.updatedAt ? Date.parse(doc.capacity.updatedAt) : NaN;
  return {
    active: doc.active,
    sensitive: doc.sensitive,
    ageLow: finiteOrNull(doc.ageRange?.low),
    ageHigh: finiteOrNull(doc.ageRange?.high),
    free: [free.total, free.female, free.male, free.undetermined],
    updatedAt: Number.isFinite(updatedAt) ? updatedAt : null,
    length,
    terms,
    codes: [...codes.values()],
    positions: positions(doc).flatMap((p) => [p.lat, p.lon]),
    suggestions: suggestionRows(doc).map((r) => [r.kind, r.key, r.label, r.text]),
  };
}
