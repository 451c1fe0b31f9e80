/**
 * Facet counts of the documents holding one frequent term ("ehpad", "urgences", "smr"), kept by every write: a search
 * of that one word matches tens of thousands of units at national scale, and counting their facets was the largest
 * part of its cost. Terms held by at least `minDocs` documents get counters the first time a search needs them (built
 * from the term's documents), then every link and unlink of a document keeps them exact. Two sets per term: the
 * active documents, and the active documents that are not sensitive (what a caller who may not see sensitive units
 * counts), and how many documents each set holds. Only a search whose sole criteria are that one term and the
 * caller's visibility reads them.
 */
import { grown } from './typed-arrays';

export interface FacetCounts {
  /** Per code id: active documents holding the term. */
  all: Int32Array;
  /** Per code id: active, not sensitive documents holding the term. */
  visible: Int32Array;
  /** Active documents holding the term: all of them, and those not sensitive (a search's totals). */
  documents: { all: number; visible: number };
}

export class TermFacetCounts {
  private readonly byTerm: (FacetCounts | undefined)[] = [];

  constructor(readonly minDocs: number) {}

  /**
   * The counts of `term` (held by `documents` documents), built by `build` the first time; undefined for a term
   * held by fewer than `minDocs` (counting its matches is cheap).
   */
  of(term: number, documents: number, build: (counts: FacetCounts) => void): FacetCounts | undefined {
    const known = this.byTerm[term];
    if (known) return known;
    if (documents < this.minDocs) return undefined;
    const counts: FacetCounts = { all: new Int32Array(256), visible: new Int32Array(256), documents: { all: 0, visible: 0 } };
    build(counts);
    this.byTerm[term] = counts;
    return counts;
  }

  /** A document taken in (+1) or out (−1): [term id, frequency, …] its terms, its code ids, whether it is sensitive. */
  change(terms: readonly number[], codes: ArrayLike<number>, sensitive: boolean, delta: 1 | -1): void {
    for (let i = 0; i < terms.length; i += 2) {
      const counts = this.byTerm[terms[i]];
      if (counts) add(counts, codes, sensitive, delta);
    }
  }

  clear(): void {
    this.byTerm.length = 0;
  }
}

/** Counts one document and its codes into a term's counts (grown for new code ids). */
export function add(counts: FacetCounts, codes: ArrayLike<number>, sensitive: boolean, delta: 1 | -1): void {
  counts.documents.all += delta;
  if (!sensitive) counts.documents.visible += delta;
  for (let j = 0; j < codes.length; j++) {
    const c = codes[j];
    if (c >= counts.all.length) {
      const n = Math.max(c + 1, counts.all.length * 2);
      counts.all = grown(counts.all, n);
      counts.visible = grown(counts.visible, n);
    }
    counts.all[c] += delta;
    if (!sensitive) counts.visible[c] += delta;
  }
}
