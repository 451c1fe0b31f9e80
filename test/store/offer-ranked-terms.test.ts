/**
 * When the offer engine keeps a frequent term's ranked order (src/store/sqlite/offer-engine/ranked-terms.ts): made
 * once the term has been searched the asked number of times at one version, not before; made again only after as
 * many searches at a new version, so writes between searches never make one; the least recently searched orders go
 * first once the slots held pass the bound.
 */
import { RankedTerms } from '../../src/store/sqlite/offer-engine/ranked-terms';

const order = (n: number) => ({ slots: Int32Array.from({ length: n }, (_, i) => i), scores: new Float64Array(n) });

/** A maker of orders that counts how many it made. */
function maker() {
  const counted = { made: 0, make: () => (counted.made++, order(10)) };
  return counted;
}

test('an order is made at the asked search of a term at one version, and again after a change', () => {
  const kept = new RankedTerms();
  const counted = maker();
  const make = counted.make;
  expect(kept.of(1, 'v1', 2, make)).toBeUndefined();
  expect(counted.made).toBe(0);
  const first = kept.of(1, 'v1', 2, make);
  expect(first?.slots.length).toBe(10);
  expect(kept.of(1, 'v1', 2, make)).toBe(first);
  expect(counted.made).toBe(1);
  // A change: the old order is dropped, the next search at the new version does not make one yet.
  expect(kept.of(1, 'v2', 2, make)).toBeUndefined();
  expect(kept.size).toBe(0);
  expect(kept.of(1, 'v2', 2, make)).not.toBe(first);
  expect(counted.made).toBe(2);
  // Writes between every search: never made.
  for (let v = 3; v < 10; v++) expect(kept.of(1, `v${v}`, 2, make)).toBeUndefined();
  expect(counted.made).toBe(2);
});

test('a larger term waits for more searches at one version, and writes in between start the count again', () => {
  const kept = new RankedTerms();
  const counted = maker();
  const make = counted.make;
  for (let i = 0; i < 4; i++) expect(kept.of(7, 'v1', 5, make)).toBeUndefined();
  expect(kept.of(7, 'v2', 5, make)).toBeUndefined();
  for (let i = 0; i < 3; i++) expect(kept.of(7, 'v2', 5, make)).toBeUndefined();
  expect(counted.made).toBe(0);
  expect(kept.of(7, 'v2', 5, make)).toBeDefined();
  expect(counted.made).toBe(1);
});

test('orders past the bound go least recently searched first', () => {
  const kept = new RankedTerms(25);
  for (const term of [1, 2, 3]) {
    kept.of(term, 'v', 2, () => order(10));
    kept.of(term, 'v', 2, () => order(10));
  }
  // 30 slots made, 25 allowed: term 1, the least recently searched, went.
  expect(kept.size).toBe(20);
  let remade = false;
  kept.of(1, 'v', 2, () => ((remade = true), order(10)));
  expect(remade).toBe(false);
  kept.of(2, 'v', 2, () => ((remade = true), order(10)));
  expect(remade).toBe(false);
  kept.clear();
  expect(kept.size).toBe(0);
});
