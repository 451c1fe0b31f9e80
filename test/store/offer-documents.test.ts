/** The parsed documents of the embedded offer index's hits (src/store/sqlite/offer-documents.ts). */
import { OfferDocuments } from '../../src/store/sqlite/offer-documents';

test('parses a row once, keeps the most recently used, reloads a changed or forgotten one', () => {
  const rows = new Map<number, string>([1, 2, 3, 4].map((r) => [r, JSON.stringify({ id: `d${r}`, name: `v1-${r}` })]));
  const reads: number[] = [];
  const docs = new OfferDocuments((row) => {
    reads.push(row);
    return rows.get(row);
  }, 2);
  const first = docs.get('d1', 1);
  expect(first).toEqual({ id: 'd1', name: 'v1-1' });
  expect(docs.get('d1', 1)).toBe(first); // the same object, not read again
  expect(reads).toEqual([1]);
  docs.get('d2', 2);
  docs.get('d1', 1); // d1 used last: d2 is the one to go
  docs.get('d3', 3);
  reads.length = 0;
  docs.get('d1', 1);
  docs.get('d2', 2);
  expect(reads).toEqual([2]);
  // Written anew: forgotten, read again.
  rows.set(1, JSON.stringify({ id: 'd1', name: 'v2-1' }));
  docs.forget(['d1']);
  expect(docs.get('d1', 1)?.name).toBe('v2-1');
  // Another row for the same id (removed, then put again): read from that row.
  rows.set(9, JSON.stringify({ id: 'd1', name: 'v3-1' }));
  expect(docs.get('d1', 9)?.name).toBe('v3-1');
  // A row gone: nothing.
  expect(docs.get('d7', 7)).toBeUndefined();
  docs.clear();
  reads.length = 0;
  docs.get('d1', 9);
  expect(reads).toEqual([9]);
});
