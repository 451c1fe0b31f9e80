/**
 * The documents in the order of their ids: the order of results without text nor position (and the last tie-break
 * of every other order), so such a page is the first matches walking this list, without ranking every match.
 * Changes are queued and applied at the next read: a few are inserted in place (binary search and splice), many
 * (a bulk load) make one sort of every id. `ranks` gives each slot its position in that order, so rankings compare
 * two numbers instead of two ids.
 */
import { compareStrings, lowerBoundString } from './term-dictionary';

export class IdOrder {
  private ids: string[] = [];
  private slots: number[] = [];
  /** Queued changes, in order: [id, slot] added, [id, -1] removed. */
  private pending: [string, number][] = [];
  /** Position in id order by slot (-1: no document), rebuilt at the first read after a change of the order. */
  private rankBySlot: Int32Array | undefined;
  private changes = 0;

  /** A counter raised by every change of the order. */
  get version(): number {
    return this.changes;
  }

  add(id: string, slot: number): void {
    this.pending.push([id, slot]);
    this.changes++;
  }

  remove(id: string): void {
    this.pending.push([id, -1]);
    this.changes++;
  }

  clear(): void {
    this.changes++;
    this.ids = [];
    this.slots = [];
    this.pending = [];
    this.rankBySlot = undefined;
  }

  /** Each slot's position in id order (slots are below `capacity`; a slot without a document is -1). */
  ranks(all: () => Iterable<[string, number]>, capacity: number): Int32Array {
    const slots = this.view(all);
    let r = this.rankBySlot;
    if (!r || r.length < capacity) {
      r = new Int32Array(Math.max(capacity, 1024)).fill(-1);
      for (let i = 0; i < slots.length; i++) r[slots[i]] = i;
      this.rankBySlot = r;
    }
    return r;
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
    this.rankBySlot = undefined;
    return this.slots;
  }
}
