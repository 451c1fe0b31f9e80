/**
 * A coarse grid of positions for `near` queries: the Earth cut in cells of `cellDeg` degrees (latitude × longitude),
 * each holding the slots of the documents with a position in it. A radius query visits the cells overlapping its
 * bounding boxes (offer-query.ts `boundingBoxes`, two across the antimeridian) and hands back each slot once; the
 * caller measures the exact distance. With 0.1° cells (about 11 × 8 km in France) a 30 km radius visits ~50 cells.
 */
import type { Box } from '../offer-query';
import { grown } from './typed-arrays';

export class GeoGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly columns: number;
  private stamp = new Int32Array(1024);
  private generation = 0;

  constructor(private readonly cellDeg = 0.1) {
    this.columns = Math.ceil(360 / cellDeg) + 1;
  }

  private row(lat: number): number {
    return Math.floor((Math.min(90, Math.max(-90, lat)) + 90) / this.cellDeg);
  }

  private column(lon: number): number {
    return Math.floor((Math.min(180, Math.max(-180, lon)) + 180) / this.cellDeg);
  }

  private key(lat: number, lon: number): number {
    return this.row(lat) * this.columns + this.column(lon);
  }

  /** The distinct cells of positions given as [lat, lon, lat, lon, …]. */
  private keysOf(positions: ArrayLike<number>): Set<number> {
    const keys = new Set<number>();
    for (let i = 0; i + 1 < positions.length; i += 2) keys.add(this.key(positions[i], positions[i + 1]));
    return keys;
  }

  add(slot: number, positions: ArrayLike<number>): void {
    for (const key of this.keysOf(positions)) {
      const cell = this.cells.get(key);
      if (cell) cell.push(slot);
      else this.cells.set(key, [slot]);
    }
  }

  remove(slot: number, positions: ArrayLike<number>): void {
    for (const key of this.keysOf(positions)) {
      const cell = this.cells.get(key);
      if (!cell) continue;
      const at = cell.indexOf(slot);
      if (at < 0) continue;
      cell[at] = cell[cell.length - 1];
      cell.pop();
      if (!cell.length) this.cells.delete(key);
    }
  }

  clear(): void {
    this.cells.clear();
  }

  /** Each slot with a position in a cell overlapping one of the boxes, once. */
  within(boxes: readonly Box[]): number[] {
    if (++this.generation >= 0x7fffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;
    const out: number[] = [];
    this.visit(boxes, (cell) => {
      for (const slot of cell) {
        if (slot >= this.stamp.length) this.grow(slot + 1);
        if (this.stamp[slot] === gen) continue;
        this.stamp[slot] = gen;
        out.push(slot);
      }
    });
    return out;
  }

  /**
   * Sets `marks[slot] = mark` for each slot with a position in a cell overlapping one of the boxes (`marks` is at
   * least as long as the slots): what a text search around a position tests its matches against, without listing
   * the cells' slots first.
   */
  mark(boxes: readonly Box[], marks: Int32Array, mark: number): void {
    this.visit(boxes, (cell) => {
      for (let i = 0; i < cell.length; i++) marks[cell[i]] = mark;
    });
  }

  /** Calls `visit` with each occupied cell overlapping one of the boxes (a cell in two boxes twice). */
  private visit(boxes: readonly Box[], visit: (cell: number[]) => void): void {
    for (const box of boxes) {
      const r0 = this.row(box.minLat);
      const r1 = this.row(box.maxLat);
      const c0 = this.column(box.minLon);
      const c1 = this.column(box.maxLon);
      if ((r1 - r0 + 1) * (c1 - c0 + 1) > this.cells.size) {
        // A box wider than the occupied cells: walk those instead.
        for (const [key, cell] of this.cells) {
          const r = Math.floor(key / this.columns);
          const c = key % this.columns;
          if (r >= r0 && r <= r1 && c >= c0 && c <= c1) visit(cell);
        }
        continue;
      }
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const cell = this.cells.get(r * this.columns + c);
          if (cell) visit(cell);
        }
      }
    }
  }

  private grow(n: number): void {
    this.stamp = grown(this.stamp, Math.max(n, this.stamp.length * 2));
  }
}
