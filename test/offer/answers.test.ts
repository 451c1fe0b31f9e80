/**
 * A search result written from a document's kept fragments (src/offer/answers.ts `hitJson`) is the result as
 * presentHit builds it, member for member and in the same order, whoever asks and from wherever, the first time and
 * from the kept fragments.
 */
import { hitJson, presentHit } from '../../src/offer/answers';
import type { OfferHit } from '../../src/store/offer-index';
import { corpus } from '../contract/offer-index.contract';

const NOW = Date.UTC(2024, 4, 2, 12);

test('hitJson is presentHit as JSON, with and without availability, a position, a distance, twice', () => {
  const docs = corpus(31, 120);
  let compared = 0;
  for (const [i, document] of docs.entries()) {
    const hit: OfferHit = { document, score: i % 3 === 0 ? 0 : 1 / (i + 3), ...(i % 2 ? { distanceKm: i * 0.731 } : {}) };
    for (const availability of [true, false]) {
      for (const near of [undefined, { lat: 46.2, lon: 5.22 }]) {
        const vis = { availability, sensitiveUnits: true };
        const expected = JSON.stringify(presentHit(hit, vis, 24, NOW, near));
        expect(hitJson(hit, vis, 24, NOW, near)).toBe(expected);
        expect(hitJson(hit, vis, 24, NOW, near)).toBe(expected);
        compared++;
      }
    }
  }
  expect(compared).toBe(480);
});

test('the kept fragments are of the document object: a new version is written anew; the clock still decides staleness', () => {
  const [document] = corpus(32, 1).map((d) => ({ ...d, capacity: { ...d.capacity, updatedAt: new Date(NOW - 3_600_000).toISOString() } }));
  const vis = { availability: true, sensitiveUnits: true };
  const first = JSON.parse(hitJson({ document, score: 1 }, vis, 24, NOW));
  expect(first.stale).toBe(false);
  expect(JSON.parse(hitJson({ document, score: 1 }, vis, 24, NOW + 48 * 3_600_000)).stale).toBe(true);
  const renamed = { ...document, name: 'Nouveau nom', capacity: { ...document.capacity, installed: 99 } };
  const second = JSON.parse(hitJson({ document: renamed, score: 2 }, vis, 24, NOW));
  expect(second.healthcareService.name).toBe('Nouveau nom');
  expect(second.installedBeds).toBe(99);
  expect(second.score).toBe(2);
});
