/**
 * The term dictionary of a text index: term → id (ids are never reused; a term no document holds any more keeps its
 * id and an empty posting list), and the terms sorted, for prefix matching (type-ahead: every term starting with
 * what was typed). The sorted view is rebuilt lazily: new terms are rare once an index is loaded, and a handful is
 * inserted in place; many (a bulk load) are sorted once, at the first prefix lookup.
 */

export class TermDictionary {
  private readonly ids = new Map<string, number>();
  readonly terms: string[] = [];
  private sorted: string[] = [];
  private pending: string[] = [];

  get size(): number {
    return this.terms.length;
  }

  /** The term of an id. */
  term(id: number): string {
    return this.terms[id];
  }

  id(term: string): number | undefined {
    return this.ids.get(term);
  }

  /** The id of `term`, added when new. */
  intern(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.ids.set(term, id);
      this.terms.push(term);
      this.pending.push(term);
    }
    return id;
  }

  /** Ids of every term starting with `prefix`, in term order. */
  withPrefix(prefix: string): number[] {
    const sorted = this.sortedTerms();
    const out: number[] = [];
    for (let i = lowerBoundString(sorted, prefix); i < sorted.length && sorted[i].startsWith(prefix); i++) {
      out.push(this.ids.get(sorted[i]) as number);
    }
    return out;
  }

  private sortedTerms(): string[] {
    if (!this.pending.length) return this.sorted;
    if (this.pending.length > 64) {
      this.sorted = [...this.terms].sort(compareStrings);
    } else {
      for (const t of this.pending) this.sorted.splice(lowerBoundString(this.sorted, t), 0, t);
    }
    this.pending = [];
    return this.sorted;
  }
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first index of sorted `a` whose value is ≥ `value`. */
export function lowerBoundString(a: readonly string[], value: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
