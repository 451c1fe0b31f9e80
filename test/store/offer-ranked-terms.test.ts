/**
 * When the offer engine keeps a frequent term's ranked order (src/store/sqlite/offer-engine/ranked-terms.ts): made at
 * the second search of a term at one version, not before; made again only after a second search at a new version;
 * the least recently searched orders go first once the slots held pass the bound.
 */
import { RankedTerms } from '../../src/store/sqlite/offer-engine/ranked-terms';

const order = (n: number) => ({ slots: Int32Array.from({ length: n }, (_, i) => i), scores: new Float64Array(n) });

test('an order is made at the second search of a term at one version, and again after a change', () => {
  const kept = new RankedTerms();
  let made = 0;
  const make = () => {
    made++;
    return order(10);
  };
  expect(kept.of(1, 'v1', make)).toBeUndefined();
  expect(made).toBe(0);
  const first = kept.of(1, 'v1', make);
  expect(first?.slots.length).toBe(10);
  expect(kept.of(1, 'v1', make)).toBe(first);
  expect(made).toBe(1);
  // A change: the old order is dropped, the next search at the new version does not make one yet.
  expect(kept.of(1, 'v2', make)).toBeUndefined();
  expect(kept.size).toBe(0);
  expect(kept.of(1, 'v2', make)).not.toBe(first);
  expect(made).toBe(2);
  // Writes between every search: never made.
  for (let v = 3; v < 10; v++) expect(kept.of(1, `v${v}`, make)).toBeUndefined();
  expect(made).toBe(2);
});

test('orders past the bound go least recently searched first', () => {
  const kept = new RankedTerms(25);
  for (const term of [1, 2, 3]) {
    kept.of(term, 'v', () => order(10));
    kept.of(term, 'v', () => order(10));
  }
  // 30 slots made, 25 allowed: term 1, the least recently searched, went.
  expect(kept.size).toBe(20);
  let remade = false;
  kept.of(1, 'v', () => ((remade = true), order(10)));
  expect(remade).toBe(false);
  kept.of(2, 'v', () => ((remade = true), order(10)));
  expect(remade).toBe(false);
  kept.clear();
  expect(kept.size).toBe(0);
});
