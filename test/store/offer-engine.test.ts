/**
 * The pure structures of the in-memory offer engine (src/store/sqlite/offer-engine/): posting lists and their
 * intersection, prefix lookup in the term dictionary, the bounded heap of top-k, the geo grid, the flat segment
 * pools, the id order, and the bm25 of the text index against a direct computation. Each is checked against a
 * plain-code oracle over seeded random data.
 */
import { distanceKm } from '../../src/indexing/geo';
import { boundingBoxes } from '../../src/store/sqlite/offer-query';
import { GeoGrid } from '../../src/store/sqlite/offer-engine/geo-grid';
import { IdOrder } from '../../src/store/sqlite/offer-engine/id-order';
import { gallop, intersect, PostingList } from '../../src/store/sqlite/offer-engine/postings';
import { SegmentPool } from '../../src/store/sqlite/offer-engine/segments';
import { TermDictionary } from '../../src/store/sqlite/offer-engine/term-dictionary';
import { TextIndex } from '../../src/store/sqlite/offer-engine/text-index';
import { TopK } from '../../src/store/sqlite/offer-engine/top-k';
import { seededRandom } from '../helpers/random';

const rng = seededRandom;

const sortedUnique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

describe('PostingList', () => {
  it('keeps slots ascending through appends, inserts in the middle and removals, with their frequencies', () => {
    const r = rng(1);
    const list = new PostingList(2);
    const oracle = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const doc = Math.floor(r() * 1000);
      if (r() < 0.3) {
        expect(list.remove(doc)).toBe(oracle.delete(doc));
      } else {
        const f = 1 + Math.floor(r() * 30);
        list.add(doc, f);
        oracle.set(doc, f);
      }
    }
    const expected = [...oracle.keys()].sort((a, b) => a - b);
    expect([...list.docs.subarray(0, list.length)]).toEqual(expected);
    expect([...list.freqs.subarray(0, list.length)]).toEqual(expected.map((d) => oracle.get(d)));
  });

  it('caps a frequency at what a Uint16 holds', () => {
    const list = new PostingList();
    list.add(3, 1e6);
    expect(list.freqs[0]).toBe(0xffff);
  });
});

describe('gallop and intersect', () => {
  it('gallop finds the first value ≥ the target from a position', () => {
    const a = Int32Array.from([1, 3, 5, 7, 9, 11, 13]);
    expect(gallop(a, 0, a.length, 0)).toBe(0);
    expect(gallop(a, 0, a.length, 6)).toBe(3);
    expect(gallop(a, 2, a.length, 5)).toBe(2);
    expect(gallop(a, 4, a.length, 14)).toBe(7);
    expect(gallop(a, 0, a.length, 13)).toBe(6);
  });

  it('intersects sorted lists of any lengths as a set intersection does', () => {
    const r = rng(2);
    for (let round = 0; round < 50; round++) {
      const a = sortedUnique(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 500)));
      const b = sortedUnique(Array.from({ length: Math.floor(r() * 2000) }, () => Math.floor(r() * 500)));
      const expected = a.filter((x) => b.includes(x));
      expect([...intersect(Int32Array.from(a), a.length, Int32Array.from(b), b.length)]).toEqual(expected);
      expect([...intersect(Int32Array.from(b), b.length, Int32Array.from(a), a.length)]).toEqual(expected);
    }
  });
});

describe('TermDictionary', () => {
  it('gives stable ids and every term with a prefix, whether added before or after a lookup', () => {
    const d = new TermDictionary();
    const words = ['cardiolog', 'cardiaqu', 'car', 'chirurg', 'carcinolog', 'ca', 'b', 'cb'];
    const ids = words.map((w) => d.intern(w));
    expect(ids).toEqual(words.map((_, i) => i));
    expect(d.intern('cardiolog')).toBe(0);
    const withPrefix = (p: string) => d.withPrefix(p).map((id) => d.term(id));
    expect(withPrefix('car')).toEqual(['car', 'carcinolog', 'cardiaqu', 'cardiolog']);
    expect(withPrefix('cardi')).toEqual(['cardiaqu', 'cardiolog']);
    expect(withPrefix('z')).toEqual([]);
    d.intern('cardinal');
    expect(withPrefix('cardi')).toEqual(['cardiaqu', 'cardinal', 'cardiolog']);
    // Many new terms at once (a bulk load) are sorted in one go.
    for (let i = 0; i < 200; i++) d.intern(`t${String(i).padStart(3, '0')}`);
    expect(withPrefix('t19')).toEqual(Array.from({ length: 10 }, (_, i) => `t19${i}`));
    expect(withPrefix('')).toHaveLength(d.size);
  });
});

describe('TopK', () => {
  it('keeps the k first items of a stream under an order, best first', () => {
    const r = rng(3);
    for (const k of [0, 1, 5, 20, 1000]) {
      const values = Array.from({ length: 500 }, () => Math.floor(r() * 100));
      // Ties broken by index, so the order is total.
      const compare = (a: number, b: number) => values[b] - values[a] || a - b;
      const top = new TopK(k, compare);
      values.forEach((_, i) => top.push(i));
      const expected = values.map((_, i) => i).sort(compare).slice(0, k);
      expect(top.sorted()).toEqual(expected);
    }
  });
});

describe('GeoGrid', () => {
  it('hands back, once each, every slot with a position within the bounding boxes of a radius', () => {
    const r = rng(4);
    const grid = new GeoGrid(0.1);
    const docs = new Map<number, number[]>();
    for (let slot = 0; slot < 2000; slot++) {
      const n = 1 + Math.floor(r() * 3);
      const positions: number[] = [];
      for (let i = 0; i < n; i++) positions.push(45 + r() * 3, 3 + r() * 4);
      docs.set(slot, positions);
      grid.add(slot, positions);
    }
    // Some documents removed, one moved.
    for (let slot = 0; slot < 2000; slot += 7) {
      grid.remove(slot, docs.get(slot)!);
      docs.delete(slot);
    }
    grid.remove(1, docs.get(1)!);
    docs.set(1, [46.2, 5.2]);
    grid.add(1, docs.get(1)!);
    for (const [lat, lon, km] of [[46.2, 5.2, 30], [45.5, 4.0, 80], [47.9, 6.9, 10], [46, 5, 1000]]) {
      const got = grid.within(boundingBoxes(lat, lon, km));
      expect(new Set(got).size).toBe(got.length);
      const gotSet = new Set(got);
      for (const [slot, positions] of docs) {
        let nearest = Infinity;
        for (let i = 0; i < positions.length; i += 2) nearest = Math.min(nearest, distanceKm(lat, lon, positions[i], positions[i + 1]));
        if (nearest <= km) expect(gotSet.has(slot)).toBe(true);
      }
      for (const slot of got) expect(docs.has(slot)).toBe(true);
    }
  });

  it('finds positions across the antimeridian', () => {
    const grid = new GeoGrid();
    grid.add(1, [-13.3, -179.8]);
    grid.add(2, [-13.2, 179.5]);
    grid.add(3, [-13.3, 170]);
    expect(grid.within(boundingBoxes(-13.3, 179.9, 60)).sort()).toEqual([1, 2]);
  });
});

describe('SegmentPool', () => {
  it('keeps each slot’s row through rewrites and compactions', () => {
    const r = rng(5);
    const pool = new SegmentPool((n) => new Int32Array(n));
    const oracle = new Map<number, number[]>();
    for (let i = 0; i < 20000; i++) {
      const slot = Math.floor(r() * 300);
      if (r() < 0.2) {
        pool.delete(slot);
        oracle.delete(slot);
      } else {
        const row = Array.from({ length: Math.floor(r() * 12) }, () => Math.floor(r() * 1000));
        pool.set(slot, row);
        oracle.set(slot, row);
      }
    }
    for (let slot = 0; slot < 300; slot++) {
      expect([...pool.get(slot)]).toEqual(oracle.get(slot) ?? []);
      expect(pool.lengthOf(slot)).toBe(oracle.get(slot)?.length ?? 0);
    }
  });
});

describe('IdOrder', () => {
  it('lists slots in id order through a few changes (in place) and many (one sort)', () => {
    const order = new IdOrder();
    const live = new Map<string, number>();
    const all = () => live.entries();
    const expected = () => [...live].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
    const r = rng(6);
    let slot = 0;
    for (const burst of [3000, 10, 1, 2500, 5]) {
      for (let i = 0; i < burst; i++) {
        const id = `u${Math.floor(r() * 5000)}`;
        if (live.has(id) && r() < 0.5) {
          live.delete(id);
          order.remove(id);
        } else if (!live.has(id)) {
          live.set(id, slot);
          order.add(id, slot++);
        }
      }
      expect([...order.view(all)]).toEqual(expected());
      // Each slot's position in that order; -1 for a slot without a document.
      const ranks = order.ranks(all, slot);
      expected().forEach((s, i) => expect(ranks[s]).toBe(i));
      for (let s = 0; s < slot; s++) if (![...live.values()].includes(s)) expect(ranks[s]).toBe(-1);
    }
  });
});

describe('TextIndex', () => {
  it('ranks with bm25 as FTS5 does: AND of phrases, prefixes summed over their terms', () => {
    const dictionary = new TermDictionary();
    const index = new TextIndex(dictionary);
    const id = (t: string) => dictionary.intern(t);
    // Documents as [term, weighted frequency] pairs and their lengths.
    const docs: [number, [string, number][], number][] = [
      [0, [['cardiolog', 10], ['servic', 10], ['lyon', 1]], 3],
      [1, [['cardiaqu', 4], ['chirurg', 14], ['lyon', 1]], 4],
      [2, [['pneumolog', 10], ['lyon', 1]], 2],
      [5, [['cardiolog', 4], ['pediatr', 4], ['servic', 10]], 5],
    ];
    for (const [slot, terms, length] of docs) index.add(slot, terms.flatMap(([t, f]) => [id(t), f]), length);
    const n = docs.length;
    const avgdl = docs.reduce((s, d) => s + d[2], 0) / n;
    const idf = (df: number) => Math.max(1e-6, Math.log((n - df + 0.5) / (df + 0.5)));
    const part = (f: number, len: number, df: number) => idf(df) * ((f * 2.2) / (f + 1.2 * (1 - 0.75 + (0.75 * len) / avgdl)));
    const all = () => true;

    const m = index.match([{ text: 'cardiolog', prefix: false }, { text: 'servic', prefix: false }], all);
    expect([...m.slots.subarray(0, m.length)]).toEqual([0, 5]);
    expect(m.scores[0]).toBeCloseTo(part(10, 3, 2) + part(10, 3, 2), 10);
    expect(m.scores[1]).toBeCloseTo(part(4, 5, 2) + part(10, 5, 2), 10);

    // A prefix: 'cardi' is cardiolog or cardiaqu, summed per document; the phrase's df counts documents.
    const p = index.match([{ text: 'cardi', prefix: true }], all);
    expect([...p.slots.subarray(0, p.length)]).toEqual([0, 1, 5]);
    expect(p.scores[1]).toBeCloseTo(part(4, 4, 3), 10);

    const filtered = index.match([{ text: 'lyon', prefix: false }], (slot) => slot !== 1);
    expect([...filtered.slots.subarray(0, filtered.length)]).toEqual([0, 2]);
    expect(index.match([{ text: 'cardiolog', prefix: false }, { text: 'absent', prefix: false }], all).length).toBe(0);

    index.remove(0, [id('cardiolog'), 10, id('servic'), 10, id('lyon'), 1]);
    const after = index.match([{ text: 'servic', prefix: false }], all);
    expect([...after.slots.subarray(0, after.length)]).toEqual([5]);
  });
});
