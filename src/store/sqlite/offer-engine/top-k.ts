/**
 * The k best items of a stream under an order, with a binary heap of at most k items whose root is the worst kept:
 * an item worse than the root is dropped with one comparison, so ranking 20,000 matches for a page of 20 costs
 * about 20,000 comparisons. Items are numbers (candidate indexes) compared by the caller's function.
 */

export class TopK {
  private readonly heap: number[] = [];

  /** `compare(a, b) < 0` when a comes before b in the wanted order. */
  constructor(
    private readonly k: number,
    private readonly compare: (a: number, b: number) => number,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** The last of the kept items (the first to go); only when some are kept. */
  worst(): number {
    return this.heap[0];
  }

  push(item: number): void {
    const h = this.heap;
    if (this.k <= 0) return;
    if (h.length < this.k) {
      h.push(item);
      this.up(h.length - 1);
    } else if (this.compare(item, h[0]) < 0) {
      h[0] = item;
      this.down(0);
    }
  }

  /** The kept items, best first. */
  sorted(): number[] {
    return [...this.heap].sort(this.compare);
  }

  // A max-heap under `compare`: the root is the item that comes last.
  private up(i: number): void {
    const h = this.heap;
    const item = h[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(item, h[parent]) <= 0) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = item;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const item = h[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.compare(h[child + 1], h[child]) > 0) child++;
      if (this.compare(h[child], item) <= 0) break;
      h[i] = h[child];
      i = child;
    }
    h[i] = item;
  }
}
