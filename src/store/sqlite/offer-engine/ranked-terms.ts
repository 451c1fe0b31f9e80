/**
 * Frequent terms ranked once: a search of one frequent word ("ehpad", "urgences", "smr") with no criterion but the
 * caller's visibility matches tens of thousands of units at national scale, and scoring and ranking all of them for
 * a page of 20 was most of its cost. Its total and facets come from the term's kept counts (term-facet-counts.ts);
 * with the term's documents kept in the order of such a search (text-index.ts `rank`), its page is the first visible
 * ones of that order, whatever the term's size.
 *
 * An order holds while the text index and the id order are as they were when it was made (`version`): a bed update
 * changes neither, a new, renamed or removed unit changes the mean length, hence every score. Making an order costs
 * a few searches of the term (about 13 ms for 120,000 units), so it is made only once the term has been searched
 * `searches` times at one version (the engine asks more of larger terms): while writes come between searches (a sync
 * run), an order is made at most once per that many searches, and mostly not at all. Orders are kept for
 * `maxSlots` slots in all, the least recently searched term going first.
 */
import type { RankedTerm } from './text-index';

export class RankedTerms {
  /** Per term id: the version it was searched at, how many times, and its order once made. Map order: least recently used first. */
  private readonly byTerm = new Map<number, { version: string; searches: number; ranked?: RankedTerm }>();
  private held = 0;

  constructor(private readonly maxSlots = 2_000_000) {}

  /** The order of `term` at `version`, made by `make` once the term has been searched `searches` times at that version. */
  of(term: number, version: string, searches: number, make: () => RankedTerm): RankedTerm | undefined {
    const known = this.byTerm.get(term);
    this.byTerm.delete(term);
    if (known?.version !== version) {
      if (known?.ranked) this.held -= known.ranked.slots.length;
      this.byTerm.set(term, { version, searches: 1 });
      return undefined;
    }
    known.searches++;
    this.byTerm.set(term, known);
    if (!known.ranked && known.searches >= searches) {
      known.ranked = make();
      this.held += known.ranked.slots.length;
      this.evict();
    }
    return known.ranked;
  }

  clear(): void {
    this.byTerm.clear();
    this.held = 0;
  }

  /** Slots held by the kept orders (for memory reports). */
  get size(): number {
    return this.held;
  }

  private evict(): void {
    for (const [term, entry] of this.byTerm) {
      if (this.held <= this.maxSlots) return;
      if (entry.ranked) this.held -= entry.ranked.slots.length;
      this.byTerm.delete(term);
    }
  }
}
