/**
 * The documents of the embedded offer index's hits, parsed once and kept for the next answers (the most recently
 * used `capacity` of them, about 45 MiB for 20,000): reading a hit's stored JSON and parsing it was a quarter of a
 * text search's cost, and the first pages of common searches show the same units again and again (with 5,000,
 * searches around the towns of a region still parsed most of their hits). An entry is keyed by the document's id and
 * checked against its row; the writes of the index (or of the index a replica follows) forget the ids they change.
 * The objects are shared by every answer that shows them: read-only (OfferHit).
 */
import type { OfferDocument } from '../offer-index';

export class OfferDocuments {
  private readonly parsed = new Map<string, { row: number; document: OfferDocument }>();

  constructor(
    /** The stored JSON of a row (undefined when the row is gone). */
    private readonly json: (row: number) => string | undefined,
    private readonly capacity = 20_000,
  ) {}

  /** The document of `id` stored in `row`; undefined when the row is gone (a replica a moment behind its index). */
  get(id: string, row: number): OfferDocument | undefined {
    const kept = this.parsed.get(id);
    if (kept && kept.row === row) {
      // Most recently used last: the Map's order is the eviction order.
      this.parsed.delete(id);
      this.parsed.set(id, kept);
      return kept.document;
    }
    const json = this.json(row);
    if (json === undefined) return undefined;
    const document = JSON.parse(json) as OfferDocument;
    this.parsed.delete(id);
    this.parsed.set(id, { row, document });
    if (this.parsed.size > this.capacity) this.parsed.delete(this.parsed.keys().next().value as string);
    return document;
  }

  /** Documents written or removed: their parsed copies are dropped. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.parsed.delete(id);
  }

  clear(): void {
    this.parsed.clear();
  }
}
