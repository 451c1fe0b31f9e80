/**
 * The offer search relevance set (test/fixtures/offer/relevance.json) and how it is scored: each query, written as
 * analysts and bed coordinators phrase it, with the `/offer/search` parameters it sends and a predicate naming the
 * units it must find; recall@10 = |top 10 ∩ expected| / min(10, |expected|), per query and averaged.
 * Every query must have at least one expected unit (a query expecting nothing measures nothing). Shared by the
 * test (test/offer/relevance.test.ts) and `npm run bench:offer-relevance`, which writes the figure to BENCHMARKS.md.
 *
 * A predicate describes the expected units instead of listing ids, so it holds on the demo region (whose ids are
 * made at load) and on the generated one, and states why a unit is expected. Text fields compare folded (case and
 * accents ignored): `name` and `organization` are "contains", `commune` is the commune name exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fold } from '../../../src/indexing/french';
import type { OfferDocument } from '../../../src/store/offer-index';
import { distanceKm } from '../../../src/indexing/geo';

export interface Expectation {
  name?: string;
  /** Any of these (folded "contains"). */
  nameAny?: string[];
  organization?: string;
  activity?: string[];
  careMode?: string[];
  specialty?: string[];
  unitCategory?: string[];
  category?: string[];
  department?: string[];
  commune?: string;
  /** The unit's age range holds this age. */
  age?: number;
  available?: boolean;
  femaleFree?: boolean;
  within?: { lat: number; lon: number; km: number };
}

export interface RelevanceQuery {
  id: string;
  /** What the person means, in words. */
  intent: string;
  /** `/offer/search` parameters (q, near, radius, available, department, …). */
  params: Record<string, string>;
  expect: Expectation;
  /** A miss the analyser or ranking is known to make: measured and reported, left out of the floor. */
  knownMiss?: string;
}

export interface RelevanceSet {
  demo: RelevanceQuery[];
  generated: RelevanceQuery[];
}

export const RELEVANCE_FILE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'offer', 'relevance.json');

export function loadRelevanceSet(file = RELEVANCE_FILE): RelevanceSet {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RelevanceSet;
}

const has = (codes: { code: string }[], wanted: string[] | undefined) => !wanted || codes.some((c) => wanted.includes(c.code));
/** Folded words, so that "clinique du parc" is not found inside "polyclinique du parc". */
const wordsOf = (text: string) => ` ${fold(text).replace(/[^a-z0-9]+/g, ' ').trim()} `;
const contains = (text: string | undefined, part: string) => wordsOf(text ?? '').includes(wordsOf(part));

/** Whether a document is one the query must find. */
export function matches(doc: OfferDocument, e: Expectation): boolean {
  if (!doc.active) return false;
  if (e.name !== undefined && !contains(doc.name, e.name)) return false;
  if (e.nameAny && !e.nameAny.some((n) => contains(doc.name, n))) return false;
  if (e.organization !== undefined && !contains(doc.organization.name, e.organization)) return false;
  if (!has(doc.activities, e.activity) || !has(doc.careModes, e.careMode) || !has(doc.specialties, e.specialty) || !has(doc.unitCategories, e.unitCategory)) return false;
  if (e.category && !e.category.includes(doc.organization.category?.code ?? '')) return false;
  if (e.department && !e.department.includes(doc.organization.department ?? '')) return false;
  if (e.commune !== undefined && !doc.locations.some((l) => fold(l.communeName ?? '') === fold(e.commune!))) return false;
  if (e.age !== undefined && ((doc.ageRange?.low ?? 0) > e.age || (doc.ageRange?.high ?? Infinity) < e.age)) return false;
  if (e.available !== undefined && doc.capacity.free.total > 0 !== e.available) return false;
  if (e.femaleFree && !(doc.capacity.free.female > 0)) return false;
  if (e.within) {
    const { lat, lon, km } = e.within;
    if (!doc.locations.some((l) => l.position && distanceKm(l.position.lat, l.position.lon, lat, lon) <= km)) return false;
  }
  return true;
}

export interface QueryScore {
  id: string;
  params: Record<string, string>;
  expected: number;
  found: number;
  recall: number;
  knownMiss?: string;
  /** The first results (names) and expected units missed, for the report. */
  top: string[];
  missed: string[];
}

/** Runs every query (`search` answers the ids of the first 10 results, best first) and scores it. */
export async function scoreQueries(
  queries: RelevanceQuery[],
  docs: OfferDocument[],
  search: (params: Record<string, string>) => Promise<string[]>,
): Promise<QueryScore[]> {
  const byId = new Map(docs.map((d) => [d.id, d]));
  const label = (id: string) => {
    const d = byId.get(id);
    return d ? `${d.name} (${d.organization.name}, ${d.locations[0]?.communeName ?? '?'})` : id;
  };
  const scores: QueryScore[] = [];
  for (const q of queries) {
    const expected = docs.filter((d) => matches(d, q.expect)).map((d) => d.id);
    const top = (await search(q.params)).slice(0, 10);
    const wanted = new Set(expected);
    const found = top.filter((id) => wanted.has(id)).length;
    const denominator = Math.min(10, expected.length);
    scores.push({
      id: q.id,
      params: q.params,
      expected: expected.length,
      found,
      recall: denominator ? found / denominator : NaN,
      ...(q.knownMiss ? { knownMiss: q.knownMiss } : {}),
      top: top.slice(0, 5).map(label),
      missed: expected.filter((id) => !top.includes(id)).slice(0, 3).map(label),
    });
  }
  return scores;
}

export function meanRecall(scores: QueryScore[]): number {
  return scores.reduce((n, s) => n + s.recall, 0) / scores.length;
}
