/**
 * What one offer document contributes to the embedded index's tables (offer-schema.ts): its filter columns, its
 * (facet, code) rows with their labels, its analysed text by weighted column, its positions, and its type-ahead
 * names. Pure: the adapter writes them.
 */
import { analyze, analyzeDocument } from '../../indexing/french';
import type { OfferDocument, OfferFacet, OfferPosition } from '../offer-index';

/** Facets and multi-valued filters kept as (facet, code) rows; `commune` is a filter, not a facet of the port. */
export type CodeFacet = OfferFacet | 'commune';

export interface CodeRow { facet: CodeFacet; code: string; label: string }

/** Relative weights of the text columns in the bm25 ranking, in the table's column order. */
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
