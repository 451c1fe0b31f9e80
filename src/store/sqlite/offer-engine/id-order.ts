/**
 * The documents in the order of their ids: the order of results without text nor position (and the last tie-break
 * of every other order), so such a page is the first matches walking this list, without ranking every match.
 * Changes are queued and applied at the next read: a few are inserted in place (binary search and splice), many
 * (a bulk load) make one sort of every id.
 */
import { compareStrings, lowerBoundString } from './term-dictionary';

export class IdOrder {
  private ids: string[] = [];
  private slots: number[] = [];
  /** Queued changes, in order: [id, slot] added, [id, -1] removed. */
  private pending: [string, number][] = [];

  add(id: string, slot: number): void {
    this.pending.push([id, slot]);
  }

  remove(id: string): void {
    this.pending.push([id, -1]);
  }

  clear(): void {
    this.ids = [];
    this.slots = [];
    this.pending = [];
  }

  /** Slots in id order; `all` lists every (id, slot) now, for a rebuild after many changes. */
  view(all: () => Iterable<[string, number]>): readonly number[] {
    if (!this.pending.length) return this.slots;
    if (this.pending.length > 2000) {
      const entries = [...all()].sort((a, b) => compareStrings(a[0], b[0]));
      this.ids = entries.map((e) => e[0]);
      this.slots = entries.map((e) => e[1]);
    } else {
      for (const [id, slot] of this.pending) {
        const at = lowerBoundString(this.ids, id);
        const present = at < this.ids.length && this.ids[at] === id;
        if (slot < 0) {
          if (present) {
            this.ids.splice(at, 1);
            this.slots.splice(at, 1);
          }
        } else if (present) {
          this.slots[at] = slot;
        } else {
          this.ids.splice(at, 0, id);
          this.slots.splice(at, 0, slot);
        }
      }
    }
    this.pending = [];
    return this.slots;
  }
}
