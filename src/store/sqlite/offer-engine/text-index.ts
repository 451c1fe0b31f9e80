/**
 * An inverted index of analysed terms with the ranking of SQLite FTS5's `bm25()` (the one the embedded index used
 * before it answered from memory, so the order of results is the same): for each phrase of the query (a whole term,
 * or a prefix standing for every term starting with it), idf = ln((N − n + 0.5) / (n + 0.5)) (1e-6 when ≤ 0), and
 * score = Σ idf × f·(k1 + 1) / (f + k1·(1 − b + b·D / avgdl)), with f the phrase's weighted frequency in the document
 * (Σ field weight × occurrences), D the document's length in tokens, avgdl the mean length, k1 = 1.2, b = 0.75.
 * Every phrase must match (AND). Higher scores are better (FTS5's rank is the opposite).
 *
 * Documents are slots (small integers given by the caller); `accept` drops candidates early (the query's filters),
 * before the longer posting lists are walked.
 */
import { gallop, PostingList } from './postings';
import type { TermDictionary } from './term-dictionary';
import { grown } from './typed-arrays';

export interface Phrase {
  /** A whole term, or (with `prefix`) the beginning of terms. */
  text: string;
  prefix: boolean;
}

/** The first `length` slots and scores are the matches. The arrays are the index's scratch: valid until its next match. */
export interface TextMatches {
  slots: Int32Array;
  scores: Float64Array;
  length: number;
}

const K1 = 1.2;
const B = 0.75;

/** A phrase's weight: idf = ln((N − n + 0.5) / (n + 0.5)) over N documents, n of them matching (1e-6 when ≤ 0). */
function idfOf(documents: number, df: number): number {
  const v = Math.log((documents - df + 0.5) / (df + 0.5));
  return v <= 0 ? 1e-6 : v;
}

/** One phrase's part of a score: its weight, its frequency in the document, the document's length (norm and perToken from the mean length). */
function partOf(weight: number, f: number, length: number, norm: number, perToken: number): number {
  return (weight * (f * (K1 + 1))) / (f + norm + perToken * length);
}

/** A term's documents ranked as a search of that term alone ranks them (ranked-terms.ts). */
export interface RankedTerm {
  /** Slots, best first: score descending, then position in id order. */
  slots: Int32Array;
  /** The score of each, as `match` gives it. */
  scores: Float64Array;
}

const EMPTY: TextMatches = { slots: new Int32Array(0), scores: new Float64Array(0), length: 0 };

export class TextIndex {
  private readonly postings: PostingList[] = [];
  private lengths = new Int32Array(1024);
  private documents = 0;
  private tokens = 0;
  /** Raised by every change of a posting list, of the document count or of the token count (scores may change). */
  private changes = 0;
  // Scratch of the prefix unions: a generation stamp and an accumulator per slot, the touched slots.
  private stamp = new Int32Array(1024);
  private acc = new Float64Array(1024);
  private touched = new Int32Array(1024);
  private generation = 0;
  // Scratch of a match's candidates (at most one per slot), reused so a query of 50,000 matches allocates nothing.
  private candidates = new Int32Array(1024);
  private frequencies = new Float64Array(1024);
  private scoring = new Float64Array(1024);

  /** The dictionary of term ids (shared by the text indexes of one engine). */
  constructor(readonly dictionary: TermDictionary) {}

  get documentCount(): number {
    return this.documents;
  }

  /** A counter raised by every change that may change a score or a posting list. */
  get version(): number {
    return this.changes;
  }

  /**
   * Adds a document: `terms` is [term id, weighted frequency, term id, …] (distinct terms of the dictionary),
   * `length` its token count. The slot must not hold a document.
   */
  add(slot: number, terms: ArrayLike<number>, length: number): void {
    this.ensure(slot + 1);
    for (let i = 0; i < terms.length; i += 2) {
      const list = (this.postings[terms[i]] ??= new PostingList());
      list.add(slot, terms[i + 1]);
    }
    this.lengths[slot] = length;
    this.documents++;
    this.tokens += length;
    this.changes++;
  }

  /** Removes the document `add` put in `slot` with these terms. */
  remove(slot: number, terms: ArrayLike<number>): void {
    for (let i = 0; i < terms.length; i += 2) this.postings[terms[i]]?.remove(slot);
    this.documents--;
    this.tokens -= this.lengths[slot];
    this.lengths[slot] = 0;
    this.changes++;
  }

  clear(): void {
    for (const list of this.postings) if (list) list.length = 0;
    this.documents = 0;
    this.tokens = 0;
    this.lengths.fill(0);
    this.changes++;
  }

  /** The posting list of a term id (undefined when no document holds it). */
  postingOf(term: number): PostingList | undefined {
    const list = this.postings[term];
    return list && list.length ? list : undefined;
  }

  /** The term a query of these phrases stands for when it is exactly one (one word, or a beginning of one term). */
  singleTerm(phrases: readonly Phrase[]): number | undefined {
    if (phrases.length !== 1) return undefined;
    const p = phrases[0];
    const ids = p.prefix ? this.dictionary.withPrefix(p.text).filter((id) => this.postingOf(id)) : [this.dictionary.id(p.text)];
    return ids.length === 1 ? ids[0] : undefined;
  }

  /** The documents matching every phrase and accepted, with their scores (slots ascending). */
  match(phrases: readonly Phrase[], accept: (slot: number) => boolean): TextMatches {
    if (!phrases.length || this.documents === 0) return EMPTY;
    const resolved: { lists: PostingList[]; size: number }[] = [];
    for (const p of phrases) {
      const ids = p.prefix ? this.dictionary.withPrefix(p.text) : [this.dictionary.id(p.text)];
      const lists: PostingList[] = [];
      let size = 0;
      for (const id of ids) {
        const list = id === undefined ? undefined : this.postings[id];
        if (list && list.length) {
          lists.push(list);
          size += list.length;
        }
      }
      if (!lists.length) return EMPTY;
      resolved.push({ lists, size });
    }
    resolved.sort((a, b) => a.size - b.size);
    const documents = this.documents;
    const { norm, perToken } = this.normalisation();
    const idf = (df: number) => idfOf(documents, df);
    const lengths = this.lengths;

    // The rarest phrase gives the candidates.
    const first = resolved[0];
    const slots = this.candidates;
    const freqs = this.frequencies;
    let count = 0;
    let df: number;
    if (first.lists.length === 1) {
      const list = first.lists[0];
      df = list.length;
      for (let i = 0; i < df; i++) {
        const slot = list.docs[i];
        if (!accept(slot)) continue;
        slots[count] = slot;
        freqs[count++] = list.freqs[i];
      }
    } else {
      df = this.union(first.lists);
      const keep = (slot: number) => {
        if (!accept(slot)) return;
        slots[count] = slot;
        freqs[count++] = this.acc[slot];
      };
      if (df > this.lengths.length >>> 6) {
        // Many: a walk of every slot's stamp gives them in order, cheaper than sorting them.
        const { stamp, generation } = this;
        for (let slot = 0; slot < stamp.length; slot++) if (stamp[slot] === generation) keep(slot);
      } else {
        const touched = this.touched.subarray(0, df).sort();
        for (let i = 0; i < df; i++) keep(touched[i]);
      }
    }
    const scores = this.scoring;
    /** One phrase's part of a score: its weight, its frequency in the document, the document's length. */
    const part = (weight: number, f: number, slot: number) => partOf(weight, f, lengths[slot], norm, perToken);
    const firstWeight = idf(df);
    if (resolved.length === 1) {
      for (let i = 0; i < count; i++) scores[i] = part(firstWeight, freqs[i], slots[i]);
      return { slots, scores, length: count };
    }

    // Each further phrase keeps the candidates it also matches; the first phrase's part of a score is computed for
    // those kept by the second only (most candidates of a two-word query are not), then the parts are summed in order.
    let w: number;
    for (let p = 1; p < resolved.length && count > 0; p++) {
      const { lists } = resolved[p];
      let kept = 0;
      if (lists.length === 1) {
        const list = lists[0];
        const docs = list.docs;
        const n = list.length;
        w = idf(n);
        // A list not much longer than the candidates is walked step by step; a far longer one is galloped through.
        const walk = n < count * 16;
        let j = 0;
        for (let i = 0; i < count; i++) {
          const slot = slots[i];
          if (walk) while (j < n && docs[j] < slot) j++;
          else j = gallop(docs, j, n, slot);
          if (j >= n) break;
          if (docs[j] !== slot) continue;
          const before = p === 1 ? part(firstWeight, freqs[i], slot) : scores[i];
          slots[kept] = slot;
          scores[kept++] = before + part(w, list.freqs[j], slot);
        }
      } else {
        w = idf(this.union(lists));
        const gen = this.generation;
        for (let i = 0; i < count; i++) {
          const slot = slots[i];
          if (this.stamp[slot] !== gen) continue;
          const before = p === 1 ? part(firstWeight, freqs[i], slot) : scores[i];
          slots[kept] = slot;
          scores[kept++] = before + part(w, this.acc[slot], slot);
        }
      }
      count = kept;
    }
    return { slots, scores, length: count };
  }

  /** The length normalisation of bm25 at the present mean document length. */
  private normalisation(): { norm: number; perToken: number } {
    return { norm: K1 * (1 - B), perToken: (K1 * B) / (this.tokens / this.documents) };
  }

  /**
   * The documents of one term ranked as `match` of that term alone ranks them, with the same scores: score
   * descending, then position in id order. `inIdOrder` is every slot in id order. Documents of one term share few
   * distinct scores (a score depends on a frequency and a length), so they are grouped by score and each group
   * filled walking the id order: linear, where sorting with a comparison of two keys took about four times longer.
   */
  rank(term: number, inIdOrder: readonly number[]): RankedTerm {
    const list = this.postingOf(term);
    if (!list) return { slots: new Int32Array(0), scores: new Float64Array(0) };
    const n = list.length;
    const { norm, perToken } = this.normalisation();
    const weight = idfOf(this.documents, n);
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) score[i] = partOf(weight, list.freqs[i], this.lengths[list.docs[i]], norm, perToken);
    // The distinct scores, best first, and where each group starts.
    const distinct = Float64Array.from(new Set(score)).sort().reverse();
    const group = new Map<number, number>();
    distinct.forEach((v, g) => group.set(v, g));
    const next = new Int32Array(distinct.length);
    const groupOfSlot = new Int32Array(this.lengths.length).fill(-1);
    for (let i = 0; i < n; i++) {
      const g = group.get(score[i]) as number;
      groupOfSlot[list.docs[i]] = g;
      next[g]++;
    }
    for (let g = 0, at = 0; g < next.length; g++) {
      const size = next[g];
      next[g] = at;
      at += size;
    }
    const slots = new Int32Array(n);
    const scores = new Float64Array(n);
    for (const slot of inIdOrder) {
      const g = slot < groupOfSlot.length ? groupOfSlot[slot] : -1;
      if (g < 0) continue;
      const at = next[g]++;
      slots[at] = slot;
      scores[at] = distinct[g];
    }
    return { slots, scores };
  }

  /** The union of posting lists into the scratch (stamped with a new generation): how many distinct documents. */
  private union(lists: PostingList[]): number {
    if (++this.generation >= 0x7fffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;
    const { stamp, acc, touched } = this;
    let n = 0;
    for (const list of lists) {
      const { docs, freqs } = list;
      for (let i = 0; i < list.length; i++) {
        const d = docs[i];
        if (stamp[d] !== gen) {
          stamp[d] = gen;
          acc[d] = freqs[i];
          touched[n++] = d;
        } else {
          acc[d] += freqs[i];
        }
      }
    }
    return n;
  }

  private ensure(slots: number): void {
    if (slots <= this.lengths.length) return;
    const capacity = Math.max(slots, this.lengths.length * 2);
    this.lengths = grown(this.lengths, capacity);
    this.stamp = grown(this.stamp, capacity);
    this.acc = grown(this.acc, capacity);
    this.touched = new Int32Array(capacity);
    this.candidates = new Int32Array(capacity);
    this.frequencies = new Float64Array(capacity);
    this.scoring = new Float64Array(capacity);
  }

  /** Bytes held by the posting lists and per-slot arrays (for memory reports). */
  get bytes(): number {
    let b = this.lengths.byteLength + this.stamp.byteLength + this.acc.byteLength + this.touched.byteLength;
    b += this.candidates.byteLength + this.frequencies.byteLength + this.scoring.byteLength;
    for (const list of this.postings) if (list) b += list.bytes;
    return b;
  }
}
