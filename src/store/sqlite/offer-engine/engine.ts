/**
 * The offer engine: every query of the embedded offer index answered from memory. SQLite (../offer-index.ts) keeps
 * the documents durably; this holds, per document slot, what a query reads: typed-array columns (active, sensitive,
 * free beds, capacity date, age range), the facet code ids and positions in flat pools (segments.ts), the analysed
 * text in an inverted index ranked as FTS5's bm25 (text-index.ts), the positions in a grid (geo-grid.ts), the ids in
 * order (id-order.ts), the type-ahead names (suggest-index.ts), and per code the counts of active documents (the
 * whole region's facets). Loaded at open from the stored entries (offer-rows.ts `offerEntry`), kept by `put` and
 * `remove` as documents change.
 *
 * A query: candidates from the text index (filters applied before the longer posting lists are walked), or the geo
 * grid, or every document in id order; the exact distance of each; the total and the facet counts over every match
 * with Int32Array counters; the page with a bounded heap (top-k.ts), or straight from the id order.
 */
import { analyzeQuery } from '../../../indexing/french';
import { distanceKm } from '../../../indexing/geo';
import { OfferQueryError, type OfferFacet, type OfferQuery, type OfferResult } from '../../offer-index';
import { checkOfferQuery } from '../../offer-query-checks';
import { boundingBoxes, CODE_FILTERS, type Box } from '../offer-query';
import type { AnalysedEntry, CodeFacet } from '../offer-rows';
import { GeoGrid } from './geo-grid';
import { IdOrder } from './id-order';
import { PostingList } from './postings';
import { SegmentPool } from './segments';
import { SuggestIndex, type SuggestionKind } from './suggest-index';
import { TermDictionary } from './term-dictionary';
import { RankedTerms } from './ranked-terms';
import { add, TermFacetCounts, type FacetCounts } from './term-facet-counts';
import { TextIndex, type Phrase } from './text-index';
import { TopK } from './top-k';
import { grown } from './typed-arrays';

/**
 * The facets in the order a document's codes are kept: those of a search's page first (src/offer/answers.ts), so
 * counting them stops at the first code of a facet not asked for.
 */
const FACET_NAMES: readonly CodeFacet[] = ['activity', 'careMode', 'category', 'department', 'specialty', 'region', 'commune'];
const FACET_INDEX = new Map(FACET_NAMES.map((f, i) => [f, i]));
/** The facets a query may ask for (commune is a filter only). */
const QUERY_FACETS: readonly OfferFacet[] = ['activity', 'careMode', 'department', 'category', 'specialty', 'region'];

const LIVE = 1;
const ACTIVE = 2;
const SENSITIVE = 4;

/**
 * A document as the engine holds it and as it is stored beside the document (JSON of numbers mostly, quick to load):
 * an AnalysedEntry (offer-rows.ts) with its terms and codes as the engine's ids (`encode`), which the adapter stores
 * in tables of their own (the ids never change; `unpersisted` lists the new ones).
 */
export interface StoredEntry {
  active: boolean;
  sensitive: boolean;
  ageLow: number | null;
  ageHigh: number | null;
  free: [number, number, number, number];
  updatedAt: number | null;
  length: number;
  /** [term id, weighted frequency, …]. */
  terms: number[];
  /** Code ids. */
  codes: number[];
  positions: number[];
  /** Kind, key, label, and the term ids of its text, in order. */
  suggestions: [SuggestionKind, string, string, number[]][];
}

export interface EngineHit {
  slot: number;
  id: string;
  /** Where the document is stored (the adapter's row id). */
  row: number;
  score: number;
  distanceKm?: number;
}

export interface EngineResult {
  total: number;
  hits: EngineHit[];
  facets: OfferResult['facets'];
}

/** Terms held by at least this many documents keep their facet counts and ranked order (term-facet-counts.ts, ranked-terms.ts). */
export const FREQUENT_TERM_MIN_DOCS = 2048;

export class OfferEngine {
  private readonly termFacets: TermFacetCounts;
  private readonly rankedTerms = new RankedTerms();

  /** `frequentTermMinDocs`: from how many documents a term keeps its facet counts and ranked order (tests change it). */
  constructor(options: { frequentTermMinDocs?: number } = {}) {
    this.termFacets = new TermFacetCounts(options.frequentTermMinDocs ?? FREQUENT_TERM_MIN_DOCS);
  }

  private readonly slotOf = new Map<string, number>();
  private ids: string[] = [];
  private readonly freeSlots: number[] = [];
  private capacity = 0;
  private rows = new Float64Array(0);
  private flags = new Uint8Array(0);
  private ageLow = new Float64Array(0);
  private ageHigh = new Float64Array(0);
  private freeTotal = new Int32Array(0);
  private freeByGender = { female: new Int32Array(0), male: new Int32Array(0), undetermined: new Int32Array(0) };
  private updatedAt = new Float64Array(0);
  private readonly codes = new SegmentPool((n) => new Int32Array(n));
  private readonly positions = new SegmentPool((n) => new Float64Array(n));
  private readonly dictionary = new TermDictionary();
  private readonly text = new TextIndex(this.dictionary);
  private readonly grid = new GeoGrid();
  private readonly order = new IdOrder();
  private readonly suggestions = new SuggestIndex(this.dictionary);
  // Scratch of queries: the grid's cells around a position (a generation per query), the distances of matches.
  private cellMarks = new Int32Array(0);
  private cellGeneration = 0;
  private distances = new Float64Array(0);
  /** How many terms and codes the adapter has stored (ids from there on are new). */
  private persistedTerms = 0;
  private persistedCodes = 0;

  // Codes: id ↔ (facet, code), the label last written by an active document, counts of active documents.
  private readonly codeIds = new Map<string, number>();
  private readonly codeFacet: number[] = [];
  private readonly codeValue: string[] = [];
  private readonly codeLabel: string[] = [];
  private readonly codeDocs: number[] = [];
  /** Per code, the slots of every document with it (active or not): what drives a query with only filters. */
  private readonly codeSlots: PostingList[] = [];
  private readonly codeVisible: number[] = [];
  private activeDocs = 0;
  private activeVisible = 0;

  /** Documents held (active or not). */
  get size(): number {
    return this.slotOf.size;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /**
   * Adds a document, or replaces the one of the same id (`old` is its entry as it was put). `row` is where the
   * adapter stores it. The text index is left as it is when the text did not change (a bed update).
   */
  put(id: string, row: number, entry: StoredEntry, old?: StoredEntry): void {
    let slot = this.slotOf.get(id);
    let keepText = false;
    if (slot !== undefined) {
      if (!old) throw new Error(`replacing offer document ${id} needs its former entry`);
      keepText = old.length === entry.length && sameTerms(old.terms, entry.terms);
      this.unlink(slot, old, keepText);
    } else {
      slot = this.freeSlots.pop() ?? this.capacity;
      this.ensure(slot + 1);
      this.slotOf.set(id, slot);
      this.ids[slot] = id;
      this.order.add(id, slot);
    }
    this.link(slot, row, entry, keepText);
  }

  remove(id: string, old: StoredEntry): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.unlink(slot, old, false);
    this.flags[slot] = 0;
    this.slotOf.delete(id);
    this.order.remove(id);
    this.freeSlots.push(slot);
  }

  clear(): void {
    this.slotOf.clear();
    this.ids = [];
    this.freeSlots.length = 0;
    this.capacity = 0;
    this.flags = new Uint8Array(0);
    this.ensure(0);
    this.codes.clear();
    this.positions.clear();
    this.text.clear();
    this.grid.clear();
    this.order.clear();
    this.suggestions.clear();
    this.termFacets.clear();
    this.rankedTerms.clear();
    this.codeDocs.fill(0);
    this.codeVisible.fill(0);
    for (const list of this.codeSlots) list.length = 0;
    this.activeDocs = 0;
    this.activeVisible = 0;
  }

  private link(slot: number, row: number, e: StoredEntry, keepText: boolean): void {
    this.rows[slot] = row;
    this.flags[slot] = LIVE | (e.active ? ACTIVE : 0) | (e.sensitive ? SENSITIVE : 0);
    this.ageLow[slot] = e.ageLow ?? -Infinity;
    this.ageHigh[slot] = e.ageHigh ?? Infinity;
    this.freeTotal[slot] = e.free[0];
    this.freeByGender.female[slot] = e.free[1];
    this.freeByGender.male[slot] = e.free[2];
    this.freeByGender.undetermined[slot] = e.free[3];
    this.updatedAt[slot] = e.updatedAt ?? NaN;
    if (e.active) {
      for (const id of e.codes) {
        this.codeDocs[id]++;
        if (!e.sensitive) this.codeVisible[id]++;
      }
    }
    for (const id of e.codes) this.codeSlots[id].add(slot, 1);
    const codes = this.byFacet(e.codes);
    this.codes.set(slot, codes);
    if (e.active) this.termFacets.change(e.terms, codes, e.sensitive, 1);
    this.positions.set(slot, e.positions);
    if (e.positions.length) this.grid.add(slot, e.positions);
    if (!keepText) this.text.add(slot, e.terms, e.length);
    if (e.active) {
      this.activeDocs++;
      if (!e.sensitive) this.activeVisible++;
      for (const [kind, key, label, text] of e.suggestions) this.suggestions.count(kind, key, label, text, 1, e.sensitive ? 0 : 1);
    }
  }

  private unlink(slot: number, old: StoredEntry, keepText: boolean): void {
    const flags = this.flags[slot];
    const active = (flags & ACTIVE) !== 0;
    const sensitive = (flags & SENSITIVE) !== 0;
    if (active) {
      for (const id of this.codes.get(slot)) {
        this.codeDocs[id]--;
        if (!sensitive) this.codeVisible[id]--;
      }
      this.activeDocs--;
      if (!sensitive) this.activeVisible--;
      for (const [kind, key, label, text] of old.suggestions) this.suggestions.count(kind, key, label, text, -1, sensitive ? 0 : -1);
      this.termFacets.change(old.terms, this.codes.get(slot), sensitive, -1);
    }
    for (const id of this.codes.get(slot)) this.codeSlots[id].remove(slot);
    const positions = this.positions.get(slot);
    if (positions.length) this.grid.remove(slot, positions);
    this.codes.delete(slot);
    this.positions.delete(slot);
    if (!keepText) this.text.remove(slot, old.terms);
  }

  /**
   * The engine's form of an analysed document: terms and codes as ids (new ones are added), and the labels it
   * writes anew (an active document's labels are the ones facets show), to pass to `setLabels` once stored.
   */
  encode(a: AnalysedEntry): { entry: StoredEntry; labels: [number, string][] } {
    const terms: number[] = [];
    for (let i = 0; i < a.terms.length; i += 2) terms.push(this.dictionary.intern(a.terms[i] as string), a.terms[i + 1] as number);
    const labels: [number, string][] = [];
    const codes = a.codes.map(([facet, code, label]) => {
      const id = this.codeId(facet, code);
      if (a.active && this.codeLabel[id] !== label) labels.push([id, label]);
      return id;
    });
    const suggestions = a.suggestions.map(([kind, key, label, text]): StoredEntry['suggestions'][number] => [
      kind,
      key,
      label,
      text.split(' ').filter(Boolean).map((t) => this.dictionary.intern(t)),
    ]);
    const { active, sensitive, ageLow, ageHigh, free, updatedAt, length, positions } = a;
    return { entry: { active, sensitive, ageLow, ageHigh, free, updatedAt, length, terms, codes, positions, suggestions }, labels };
  }

  setLabels(labels: readonly [number, string][]): void {
    for (const [id, label] of labels) this.codeLabel[id] = label;
  }

  /** Terms and codes added since `persisted` (the adapter stores them with the documents that use them). */
  unpersisted(): { terms: [number, string][]; codes: [number, CodeFacet, string, string][] } {
    const terms: [number, string][] = [];
    for (let id = this.persistedTerms; id < this.dictionary.size; id++) terms.push([id, this.dictionary.term(id)]);
    const codes: [number, CodeFacet, string, string][] = [];
    for (let id = this.persistedCodes; id < this.codeValue.length; id++) codes.push([id, FACET_NAMES[this.codeFacet[id]], this.codeValue[id], this.codeLabel[id]]);
    return { terms, codes };
  }

  persisted(): void {
    this.persistedTerms = this.dictionary.size;
    this.persistedCodes = this.codeValue.length;
  }

  /** At open, before the documents: the stored terms and codes, in id order. */
  restoreTerm(id: number, term: string): void {
    if (this.dictionary.intern(term) !== id) throw new Error(`offer index: term ${id} '${term}' out of order`);
    this.persistedTerms = this.dictionary.size;
  }

  /**
   * In a replica (../offer-replica.ts): the terms and codes the writing engine stored with a change, in id order;
   * those this engine knows already (loaded with the stored entries) are passed over.
   */
  restoreNew(terms: readonly [number, string][], codes: readonly [number, CodeFacet, string, string][]): void {
    for (const [id, term] of terms) if (id >= this.dictionary.size) this.restoreTerm(id, term);
    for (const [id, facet, code, label] of codes) if (id >= this.codeValue.length) this.restoreCode(id, facet, code, label);
  }

  restoreCode(id: number, facet: CodeFacet, code: string, label: string): void {
    if (this.codeId(facet, code) !== id) throw new Error(`offer index: code ${id} ${facet} ${code} out of order`);
    this.codeLabel[id] = label;
    this.persistedCodes = this.codeValue.length;
  }

  private codeId(facet: CodeFacet, code: string): number {
    const key = `${facet}\u0000${code}`;
    let id = this.codeIds.get(key);
    if (id === undefined) {
      id = this.codeValue.length;
      this.codeIds.set(key, id);
      this.codeFacet.push(FACET_INDEX.get(facet) as number);
      this.codeValue.push(code);
      this.codeLabel.push(code);
      this.codeDocs.push(0);
      this.codeVisible.push(0);
      this.codeSlots.push(new PostingList());
    }
    return id;
  }

  private ensure(slots: number): void {
    this.capacity = Math.max(this.capacity, slots);
    if (slots <= this.flags.length && this.flags.length > 0) return;
    const n = Math.max(1024, slots, this.flags.length * 2);
    this.rows = grown(this.rows, n);
    this.flags = grown(this.flags, n);
    this.ageLow = grown(this.ageLow, n);
    this.ageHigh = grown(this.ageHigh, n);
    this.freeTotal = grown(this.freeTotal, n);
    this.freeByGender = {
      female: grown(this.freeByGender.female, n),
      male: grown(this.freeByGender.male, n),
      undetermined: grown(this.freeByGender.undetermined, n),
    };
    this.updatedAt = grown(this.updatedAt, n);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Queries

  /**
   * The filters of a query as one test of a slot, and the slots of its most selective code filter (every match is
   * one of them); undefined when nothing can match (a code filter of no known code).
   */
  private compileFilter(q: OfferQuery): { accept: (slot: number) => boolean; driver?: Int32Array } | undefined {
    const need = LIVE | (q.includeInactive ? 0 : ACTIVE);
    const hideSensitive = q.hideSensitive;
    const { flags, ageLow, ageHigh, freeTotal, updatedAt } = this;
    const age = q.age;
    const byGender = q.gender ? this.freeByGender[q.gender] : undefined;
    const available = !!q.available;
    const since = q.updatedSince;
    // Each code filter: a mark per code id of the wanted codes.
    const codeFilters: Uint8Array[] = [];
    let driver: Int32Array | undefined;
    for (const [key, facet] of CODE_FILTERS) {
      const wanted = q[key];
      if (wanted === undefined) continue;
      if (!Array.isArray(wanted)) throw new OfferQueryError(`${key} must be a list of codes`);
      const mark = new Uint8Array(this.codeValue.length);
      const lists: PostingList[] = [];
      for (const code of wanted) {
        const id = this.codeIds.get(`${facet}\u0000${code}`);
        if (id !== undefined && !mark[id]) {
          mark[id] = 1;
          lists.push(this.codeSlots[id]);
        }
      }
      if (!lists.length) return undefined;
      codeFilters.push(mark);
      const size = lists.reduce((n, l) => n + l.length, 0);
      if (!driver || size < driver.length) driver = unionOf(lists, size);
    }
    const pool = this.codes;
    const accept = (slot: number) => {
      const f = flags[slot];
      if ((f & need) !== need) return false;
      if (hideSensitive && f & SENSITIVE) return false;
      if (age !== undefined && (ageLow[slot] > age || ageHigh[slot] < age)) return false;
      if (byGender && byGender[slot] <= 0) return false;
      if (available && freeTotal[slot] <= 0) return false;
      if (since !== undefined && !(updatedAt[slot] >= since)) return false;
      if (codeFilters.length) {
        const values = pool.values;
        const start = pool.startOf(slot);
        const end = start + pool.lengthOf(slot);
        for (const mark of codeFilters) {
          let found = false;
          for (let j = start; j < end; j++) {
            if (mark[values[j]]) {
              found = true;
              break;
            }
          }
          if (!found) return false;
        }
      }
      return true;
    };
    return { accept, driver };
  }

  /** The distance from a position to the nearest of a slot's positions (Infinity without any). */
  private nearest(slot: number, lat: number, lon: number): number {
    const values = this.positions.values;
    const start = this.positions.startOf(slot);
    const end = start + this.positions.lengthOf(slot);
    let best = Infinity;
    for (let j = start; j + 1 < end; j += 2) {
      const d = distanceKm(lat, lon, values[j], values[j + 1]);
      if (d < best) best = d;
    }
    return best;
  }

  /** Sorts what is sorted lazily (the id order, the term dictionary), so the first queries after a load do not. */
  prepare(): void {
    this.idsInOrder();
    this.dictionary.withPrefix('\uffff');
  }

  private idsInOrder(): readonly number[] {
    return this.order.view(() => this.slotOf.entries());
  }

  /** Answers a query; `offset` is the position of its page (from its cursor). */
  search(q: OfferQuery, offset: number): EngineResult {
    checkOfferQuery(q);
    const wanted = [...new Set(q.facets)];
    for (const f of wanted) if (!QUERY_FACETS.includes(f)) throw new OfferQueryError(`unknown facet '${f}'`);
    const compiled = this.compileFilter(q);
    const accept = compiled?.accept;
    const analysed = q.text ? analyzeQuery(q.text, !!q.prefix) : { terms: [] as string[], prefix: undefined };
    const phrases: Phrase[] = analysed.terms.map((t) => ({ text: t, prefix: false }));
    if (analysed.prefix) phrases.push({ text: analysed.prefix, prefix: true });
    const hasText = phrases.length > 0;
    const k = offset + q.limit;

    if (!accept) return { total: 0, hits: [], facets: Object.fromEntries(wanted.map((f) => [f, []])) };

    const wholeRegion = isWholeRegion(q);
    if (wholeRegion && q.sort === 'relevance') {
      // The whole region: counts kept by every write; the page is the first visible documents in id order.
      const total = q.hideSensitive ? this.activeVisible : this.activeDocs;
      const hits: EngineHit[] = [];
      if (k > 0 && offset < total) {
        let seen = 0;
        for (const slot of this.idsInOrder()) {
          if (!accept(slot)) continue;
          if (seen++ < offset) continue;
          hits.push(this.hit(slot, 0));
          if (hits.length >= q.limit) break;
        }
      }
      return { total, hits, facets: this.facetsOf(wanted, q.hideSensitive ? this.codeVisible : this.codeDocs) };
    }

    const termCounts = hasText && !q.near && onlyVisibility(q) ? this.termCounts(phrases) : undefined;
    if (termCounts && q.sort === 'relevance') {
      // One frequent word, no other criterion: its kept counts and order answer without reading its matches.
      const ranked = this.rankedTerm(termCounts.term, termCounts.documents);
      if (ranked) {
        const hits: EngineHit[] = [];
        let seen = 0;
        for (let i = 0; i < ranked.slots.length && hits.length < q.limit; i++) {
          const slot = ranked.slots[i];
          if (!accept(slot) || seen++ < offset) continue;
          hits.push(this.hit(slot, ranked.scores[i]));
        }
        const counts = q.hideSensitive ? termCounts.counts.visible : termCounts.counts.all;
        const total = q.hideSensitive ? termCounts.counts.documents.visible : termCounts.counts.documents.all;
        return { total, hits, facets: wanted.length ? this.facetsOf(wanted, counts) : {} };
      }
    }

    // Candidates and their scores.
    let slots: ArrayLike<number>;
    let scores: Float64Array | undefined;
    let count: number;
    /** Whether the candidates come in id order (the walk of every document). */
    let idOrdered = true;
    // With a position, the grid's cells around it bound the candidates before anything else is read.
    let inCells: number | undefined;
    let cellSlots: number[] | undefined;
    if (q.near) {
      const boxes = boundingBoxes(q.near.lat, q.near.lon, q.near.radiusKm);
      if (hasText) inCells = this.markCells(boxes);
      else cellSlots = this.grid.within(boxes);
    }
    if (hasText) {
      const mark = inCells;
      const marks = this.cellMarks;
      const m = this.text.match(phrases, mark !== undefined ? (slot) => marks[slot] === mark && accept(slot) : accept);
      slots = m.slots;
      scores = m.scores;
      count = m.length;
    } else if (q.near) {
      const within = cellSlots as number[];
      let n = 0;
      for (const slot of within) if (accept(slot)) within[n++] = slot;
      within.length = n;
      slots = Int32Array.from(within).sort();
      count = n;
    } else if (compiled?.driver && compiled.driver.length < this.size / 4) {
      // A selective code filter drives: its slots, filtered (the page is then ranked by id with the heap).
      const kept: number[] = [];
      for (const slot of compiled.driver) if (accept(slot)) kept.push(slot);
      slots = kept;
      idOrdered = false;
      count = kept.length;
    } else {
      const all = this.idsInOrder();
      const kept: number[] = [];
      for (const slot of all) if (accept(slot)) kept.push(slot);
      slots = kept;
      count = kept.length;
    }
    let distances: Float64Array | undefined;
    if (q.near) {
      // Exact distances; beyond the radius (or without a position) is out.
      const { lat, lon, radiusKm } = q.near;
      // In place: a match is kept at or before where it was read.
      const keptSlots = slots instanceof Int32Array ? slots : Int32Array.from(slots);
      const keptScores = scores;
      distances = this.distanceScratch(count);
      let n = 0;
      for (let i = 0; i < count; i++) {
        const slot = slots[i];
        const d = this.nearest(slot, lat, lon);
        if (!(d <= radiusKm)) continue;
        keptSlots[n] = slot;
        if (keptScores) keptScores[n] = (scores as Float64Array)[i];
        distances[n++] = d;
      }
      slots = keptSlots;
      scores = keptScores;
      count = n;
    }

    // Facet counts over every match.
    let facets: OfferResult['facets'] = {};
    if (wholeRegion) {
      facets = this.facetsOf(wanted, q.hideSensitive ? this.codeVisible : this.codeDocs);
    } else if (termCounts && wanted.length) {
      facets = this.facetsOf(wanted, q.hideSensitive ? termCounts.counts.visible : termCounts.counts.all);
    } else if (wanted.length) {
      // A document's codes are in facet order: counting stops at the first facet after the last one asked for
      // (codes of facets in between are counted too, cheaper than testing each; facetsOf keeps the wanted ones).
      const counts = new Int32Array(this.codeValue.length);
      const values = this.codes.values;
      const facetOf = this.codeFacet;
      let upto = 0;
      for (const f of wanted) upto = Math.max(upto, (FACET_INDEX.get(f) as number) + 1);
      for (let i = 0; i < count; i++) {
        const slot = slots[i];
        const start = this.codes.startOf(slot);
        const end = start + this.codes.lengthOf(slot);
        for (let j = start; j < end; j++) {
          const c = values[j];
          if (facetOf[c] >= upto) break;
          counts[c]++;
        }
      }
      facets = this.facetsOf(wanted, counts);
    }

    // The page.
    const hits: EngineHit[] = [];
    const score = (i: number) => (scores ? scores[i] : 0);
    const dist = (i: number) => (distances ? distances[i] : 0);
    if (k > 0 && offset < count) {
      let pageIdx: number[];
      if (!hasText && !q.near && q.sort === 'relevance' && idOrdered) {
        // Already in id order.
        pageIdx = [];
        for (let i = offset; i < Math.min(count, k); i++) pageIdx.push(i);
      } else {
        const rank = this.order.ranks(() => this.slotOf.entries(), this.capacity);
        const byId = (a: number, b: number) => rank[slots[a]] - rank[slots[b]];
        const freeTotal = this.freeTotal;
        let compare: (a: number, b: number) => number;
        if (q.sort === 'distance') compare = (a, b) => dist(a) - dist(b) || byId(a, b);
        else if (q.sort === 'freeBeds') compare = (a, b) => freeTotal[slots[b]] - freeTotal[slots[a]] || dist(a) - dist(b) || score(b) - score(a) || byId(a, b);
        else if (hasText) compare = (a, b) => score(b) - score(a) || dist(a) - dist(b) || byId(a, b);
        else compare = (a, b) => dist(a) - dist(b) || byId(a, b);
        const top = new TopK(k, compare);
        if (hasText && q.sort === 'relevance' && scores) {
          // Most matches score below the k-th kept one, or tie with it and come later by id (names alike score
          // alike): a comparison or two of numbers drops them.
          // The kept one to beat, read again only when the heap changed.
          const sc = scores;
          let full = false;
          let worstScore = 0;
          let worstRank = 0;
          for (let i = 0; i < count; i++) {
            const s = sc[i];
            if (full && (s < worstScore || (!distances && s === worstScore && rank[slots[i]] > worstRank))) continue;
            top.push(i);
            if (top.size === k) {
              full = true;
              const w = top.worst();
              worstScore = sc[w];
              worstRank = rank[slots[w]];
            }
          }
        } else {
          for (let i = 0; i < count; i++) top.push(i);
        }
        pageIdx = top.sorted().slice(offset);
      }
      for (const i of pageIdx) {
        const hit = this.hit(slots[i], score(i));
        if (distances) hit.distanceKm = distances[i];
        hits.push(hit);
      }
    }
    return { total: count, hits, facets };
  }

  /** The one term the phrases stand for, how many documents hold it, and its kept counts, when it is frequent enough to have them. */
  private termCounts(phrases: readonly Phrase[]): { term: number; documents: number; counts: FacetCounts } | undefined {
    const term = this.text.singleTerm(phrases);
    const list = term === undefined ? undefined : this.text.postingOf(term);
    if (term === undefined || !list) return undefined;
    const counts = this.termFacets.of(term, list.length, (built) => {
      for (let i = 0; i < list.length; i++) {
        const slot = list.docs[i];
        const f = this.flags[slot];
        if (f & ACTIVE) add(built, this.codes.get(slot), (f & SENSITIVE) !== 0, 1);
      }
    });
    return counts && { term, documents: list.length, counts };
  }

  /**
   * A frequent term's documents in the order of a search of it alone, once it has been searched unchanged a few
   * times: twice, and once more per 16,384 documents it holds (making the order costs about as many searches).
   */
  private rankedTerm(term: number, documents: number) {
    const version = `${this.text.version}:${this.order.version}`;
    return this.rankedTerms.of(term, version, 2 + Math.floor(documents / 16_384), () => this.text.rank(term, this.idsInOrder()));
  }

  /** Code ids in the order of their facets (FACET_NAMES), each facet's in the order given. */
  private byFacet(codes: readonly number[]): number[] {
    const facet = this.codeFacet;
    return codes.map((id, i) => [facet[id], i, id]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((t) => t[2]);
  }

  /** Marks the slots of the grid's cells over the boxes with a new generation (no array cleared per query); the generation. */
  private markCells(boxes: readonly Box[]): number {
    if (this.cellMarks.length < this.capacity) this.cellMarks = new Int32Array(Math.max(this.capacity, this.cellMarks.length * 2));
    if (++this.cellGeneration >= 0x7fffffff) {
      this.cellMarks.fill(0);
      this.cellGeneration = 1;
    }
    this.grid.mark(boxes, this.cellMarks, this.cellGeneration);
    return this.cellGeneration;
  }

  /** Scratch for the distances of `count` matches, reused from query to query. */
  private distanceScratch(count: number): Float64Array {
    if (this.distances.length < count) this.distances = new Float64Array(Math.max(count, this.distances.length * 2));
    return this.distances;
  }

  private hit(slot: number, score: number): EngineHit {
    return { slot, id: this.ids[slot], row: this.rows[slot], score };
  }

  private facetsOf(wanted: OfferFacet[], counts: ArrayLike<number>): OfferResult['facets'] {
    const out: OfferResult['facets'] = {};
    const byFacet = new Map<number, { code: string; label: string; count: number }[]>();
    for (const f of wanted) {
      const list: { code: string; label: string; count: number }[] = [];
      out[f] = list;
      byFacet.set(FACET_INDEX.get(f) as number, list);
    }
    for (let c = 0; c < this.codeValue.length; c++) {
      const n = counts[c];
      if (!(n > 0)) continue;
      const list = byFacet.get(this.codeFacet[c]);
      if (list) list.push({ code: this.codeValue[c], label: this.codeLabel[c], count: n });
    }
    for (const list of byFacet.values()) list.sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return out;
  }

  suggest(text: string, limit: number, hideSensitive: boolean) {
    return this.suggestions.suggest(text, limit, hideSensitive);
  }

  /** Sizes for reports: documents, terms, type-ahead names, and the bytes of the typed arrays. */
  stats(): { documents: number; terms: number; suggestions: number; codes: number; typedArrayBytes: number } {
    const columns = [this.rows, this.flags, this.ageLow, this.ageHigh, this.freeTotal, this.freeByGender.female, this.freeByGender.male, this.freeByGender.undetermined, this.updatedAt];
    return {
      documents: this.size,
      terms: this.dictionary.size,
      suggestions: this.suggestions.size,
      codes: this.codeValue.length,
      // A ranked term's slot is 4 bytes, its score 8.
      typedArrayBytes: columns.reduce((n, a) => n + a.byteLength, 0) + this.codes.bytes + this.positions.bytes + this.text.bytes + this.rankedTerms.size * 12,
    };
  }
}

/** The distinct slots of posting lists, ascending. */
function unionOf(lists: PostingList[], size: number): Int32Array {
  if (lists.length === 1) return lists[0].docs.slice(0, lists[0].length);
  const all = new Int32Array(size);
  let n = 0;
  for (const l of lists) {
    all.set(l.docs.subarray(0, l.length), n);
    n += l.length;
  }
  all.sort();
  let w = 0;
  for (let i = 0; i < n; i++) if (i === 0 || all[i] !== all[i - 1]) all[w++] = all[i];
  return all.slice(0, w);
}

function sameTerms(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A query whose only criteria besides its text are the caller's visibility (no filter, no position). */
function onlyVisibility(q: OfferQuery): boolean {
  if (q.near || q.includeInactive || q.age !== undefined || q.gender || q.available || q.updatedSince !== undefined) return false;
  return !CODE_FILTERS.some(([k]) => q[k] !== undefined);
}

/** A query without any criterion but the caller's visibility: its facets are the region's counts. */
function isWholeRegion(q: OfferQuery): boolean {
  return !q.text?.trim() && onlyVisibility(q);
}
