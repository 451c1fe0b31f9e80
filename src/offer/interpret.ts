/**
 * From what the words of `q` mean (./understand.ts) to the queries offer search runs, and the `interpretation` its
 * answer carries (README "Offer search", "How q is understood"). A search is tried as up to three readings, the
 * first that finds something answers:
 * 1. understood: criteria words as filters (`available`, `gender`, `department`), a commune named with a place word
 *    as `near` it (`radius`, default 20 km), the other words as text; a commune named alone stays text here;
 * 2. placed: the same, with the communes named alone as `near` too (the words "bourg en bresse" find nothing when
 *    the CH of Bourg-en-Bresse is in Viriat; 20 km around Bourg-en-Bresse does);
 * 3. as typed: the plain text match of `q`, without any of it (a reading that found nothing must not hide what the
 *    words themselves find).
 * When none finds anything the first one answers, so the caller sees how `q` was understood.
 *
 * A commune is placed at the mean position of the index's units there (`communePosition`: the COG has no
 * coordinates); homonyms are tried most populous first (those of a department also named in `q` before them). A
 * commune named with a place word that has no unit at all falls back to its department, said in the interpretation.
 */
import { InvalidCursorError } from '../store/errors';
import { badRequest } from '../errors';
import type { OfferIndex, OfferQuery, OfferResult } from '../store/offer-index';
import type { Commune, Places } from './places';
import { remainingText, understand, understoodAnything, type Part } from './understand';

/** The radius around a commune named in `q`, when `radius` is not given. */
export const TEXT_PLACE_RADIUS_KM = 20;
/** Homonyms placed at most (each costs a search). */
const MAX_HOMONYMS = 3;
/** Units averaged to place a commune given by its INSEE code. */
const COMMUNE_SAMPLE = 100;

/** How `q` was understood, in the answer (`interpretation`). */
export interface Interpretation {
  /** The words matched as text ('' when none is left). */
  text: string;
  /** The filters the words added. */
  filters: {
    available?: true;
    gender?: 'female' | 'male';
    department?: string[];
    near?: { commune: string; name: string; lat: number; lon: number; radiusKm: number };
  };
  /** Each run of words understood as more than text, and as what. */
  recognised: { words: string; as: 'available' | 'gender' | 'filler' | 'department' | 'commune'; value?: string; label?: string; note?: string }[];
  /** `typed`: what was understood found nothing, the words as typed were matched instead. */
  reading: 'understood' | 'placed' | 'typed';
}

export interface Reading {
  query: OfferQuery;
  interpretation?: Interpretation;
}

/** A reading, or one made only if the readings before it found nothing (it costs searches to place a commune). */
export type LazyReading = Reading | (() => Promise<Reading | undefined>);

export interface ReadOptions {
  index: OfferIndex;
  places: Places;
  /** The caller sees bed availability (access profile above 0): otherwise criteria of beds are dropped, not applied. */
  availability: boolean;
  /** `radius` given without `near`. */
  radiusKm?: number;
}

/** The readings of a query whose `text` is `q` as typed (in order; the plain one alone when nothing was understood). */
export async function readingsOf(base: OfferQuery, options: ReadOptions): Promise<LazyReading[]> {
  if (!base.text) return [{ query: base }];
  const plain: Reading = { query: base, interpretation: { text: base.text, filters: {}, recognised: [], reading: 'understood' } };
  const u = understand(base.text, options.places, {
    prefix: !!base.prefix,
    given: { available: !!base.available, gender: base.gender !== undefined, department: base.department !== undefined, near: base.near !== undefined },
  });
  if (options.radiusKm !== undefined && !u.parts.some((p) => p.role === 'commune')) {
    throw badRequest(`'radius' needs 'near', or a commune named in 'q' ("près de Lyon")`, ['radius']);
  }
  if (!understoodAnything(u)) return [plain];
  const radiusKm = options.radiusKm ?? TEXT_PLACE_RADIUS_KM;

  const filters: Interpretation['filters'] = {};
  const recognised: Interpretation['recognised'] = [];
  const query: OfferQuery = { ...base };
  const departments = new Set<string>();
  const noAvailability = 'not applied: your access profile (0) does not see bed availability';
  for (const p of u.parts) {
    if (p.role === 'available') {
      if (options.availability) query.available = filters.available = true;
      recognised.push({ words: p.words, as: 'available', ...(options.availability ? {} : { note: noAvailability }) });
    } else if (p.role === 'gender') {
      if (options.availability) query.gender = filters.gender = p.gender;
      recognised.push({ words: p.words, as: 'gender', value: p.gender, ...(options.availability ? {} : { note: noAvailability }) });
    } else if (p.role === 'filler') {
      recognised.push({ words: p.words, as: 'filler' });
    } else if (p.role === 'department' && p.department) {
      departments.add(p.department.code);
      recognised.push({ words: p.words, as: 'department', value: p.department.code, label: p.department.name });
    }
  }

  // Communes named with a place word: the first is `near`; one without any unit becomes its department.
  const communeParts = u.parts.filter((p) => p.role === 'commune');
  const marked = communeParts.filter((p) => p.marked);
  let placedMarked = false;
  for (const p of marked) {
    if (placedMarked) {
      recognised.push({ words: p.words, as: 'commune', value: p.communes![0].code, label: p.communes![0].name, note: 'not applied: one place at a time' });
      continue;
    }
    const placed = await place(p, departments, base.hideSensitive, options.index);
    if (placed) {
      query.near = { lat: placed.lat, lon: placed.lon, radiusKm };
      filters.near = { commune: placed.commune.code, name: placed.commune.name, lat: placed.lat, lon: placed.lon, radiusKm };
      recognised.push({ words: p.words, as: 'commune', value: placed.commune.code, label: placed.commune.name });
      placedMarked = true;
    } else if (u.typing && p === u.parts[u.parts.length - 1]) {
      // "près de bourg" being typed: Bourg (Gironde) has no unit, the name is likely still being typed
      // ("bourg-en-bresse"): the words stay text, matched as a beginning.
      p.role = 'text';
    } else {
      const c = p.communes![0];
      departments.add(c.department);
      recognised.push({ words: p.words, as: 'commune', value: c.code, label: c.name, note: `no unit is known in ${c.name} to measure distances from: its department (${c.department}) is used` });
    }
  }
  if (departments.size) query.department = filters.department = [...departments];

  const typed = (): Reading => ({ query: base, interpretation: { text: base.text!, filters: {}, recognised: [], reading: 'typed' } });
  const withText = (q: OfferQuery, keepCandidates: boolean): OfferQuery => {
    const { text, prefix } = remainingText(u, { keepCandidates });
    const out: OfferQuery = { ...q, prefix };
    if (text) out.text = text;
    else delete out.text;
    return out;
  };
  const understood = withText(query, true);
  const readings: LazyReading[] = [
    { query: understood, interpretation: { text: understood.text ?? '', filters, recognised, reading: 'understood' } },
  ];

  // Communes named alone: placed only in the second reading, and only when no place word named one.
  const candidate = placedMarked ? undefined : communeParts.find((p) => !p.marked);
  if (candidate) {
    readings.push(async () => {
      const placed = await place(candidate, departments, base.hideSensitive, options.index);
      if (!placed) return undefined;
      const q = withText({ ...query, near: { lat: placed.lat, lon: placed.lon, radiusKm } }, false);
      return {
        query: q,
        interpretation: {
          text: q.text ?? '',
          filters: { ...filters, near: { commune: placed.commune.code, name: placed.commune.name, lat: placed.lat, lon: placed.lon, radiusKm } },
          recognised: [...recognised, { words: candidate.words, as: 'commune', value: placed.commune.code, label: placed.commune.name }],
          reading: 'placed',
        },
      };
    });
  }
  readings.push(typed());
  return readings;
}

/**
 * Runs the readings in order and answers the first that finds something (else the first). A cursor belongs to the
 * reading that made it (its checksum binds it to its query): the readings it does not belong to are skipped.
 */
export async function searchReadings(index: OfferIndex, readings: LazyReading[]): Promise<{ result: OfferResult; reading: Reading }> {
  let first: { result: OfferResult; reading: Reading } | undefined;
  let cursorError: InvalidCursorError | undefined;
  for (const lazy of readings) {
    const reading = typeof lazy === 'function' ? await lazy() : lazy;
    if (!reading) continue;
    // A distance sort needs a position: a reading without one (the words as typed) cannot answer it.
    if (reading.query.sort === 'distance' && !reading.query.near) continue;
    let result: OfferResult;
    try {
      result = await index.search(reading.query);
    } catch (err) {
      if (err instanceof InvalidCursorError) {
        cursorError ??= err;
        continue;
      }
      throw err;
    }
    if (result.total > 0 || result.hits.length > 0) return { result, reading };
    first ??= { result, reading };
  }
  if (first) return first;
  if (cursorError) throw badRequest(`'cursor' is not a cursor of this search`, ['cursor']);
  throw badRequest(`'sort=distance' needs 'near', or a commune named in 'q' ("près de Lyon")`, ['sort']);
}

/** Where a commune of `q` is: the first of its homonyms (those of `departments` first) with units in the index. */
async function place(part: Part, departments: Set<string>, hideSensitive: boolean, index: OfferIndex): Promise<{ commune: Commune; lat: number; lon: number } | undefined> {
  const candidates = [...part.communes!].sort((a, b) => Number(departments.has(b.department)) - Number(departments.has(a.department))).slice(0, MAX_HOMONYMS);
  for (const commune of candidates) {
    const position = await communePosition(index, commune.code, hideSensitive);
    if (position) return { commune, ...position };
  }
  return undefined;
}

/**
 * Where a commune is: the mean position of the indexed locations whose INSEE code it is (the index is the only
 * gazetteer with positions this server has; a commune without any unit is not placed).
 */
export async function communePosition(index: OfferIndex, code: string, hideSensitive: boolean): Promise<{ lat: number; lon: number } | undefined> {
  const result = await index.search({ commune: [code], hideSensitive, sort: 'relevance', limit: COMMUNE_SAMPLE, facets: [] });
  const points = result.hits.flatMap((h) => h.document.locations.filter((l) => l.commune === code && l.position).map((l) => l.position!));
  if (!points.length) return undefined;
  return {
    lat: points.reduce((s, p) => s + p.lat, 0) / points.length,
    lon: points.reduce((s, p) => s + p.lon, 0) / points.length,
  };
}
