/**
 * The OfferIndex contract on the embedded adapter (in memory), and what is the embedded adapter's own: its file in
 * the data directory, kept across a restart, and `needsRebuild` when it starts empty.
 */
import fs from 'node:fs';
import path from 'node:path';
import { offerIndexContract, offerDoc } from '../offer-index.contract';
import { SqliteOfferIndex } from '../../../src/store/sqlite/offer-index';
import { tempDir } from '../../helpers/tmp';

offerIndexContract('SQLite', async () => new SqliteOfferIndex({ inMemory: true }));

describe('SqliteOfferIndex on a data directory', () => {
  it('keeps its documents in <dataDir>/offer.sqlite across a restart, and says when it starts empty', async () => {
    const dataDir = tempDir();
    const first = new SqliteOfferIndex({ dataDir });
    expect(first.needsRebuild).toBe(true);
    await first.apply({ put: [offerDoc('u1', { name: 'Soins palliatifs' })], remove: [] });
    await first.close();
    expect(fs.existsSync(path.join(dataDir, 'offer.sqlite'))).toBe(true);

    const again = new SqliteOfferIndex({ dataDir });
    try {
      expect(again.needsRebuild).toBe(false);
      expect(await again.count()).toBe(1);
      const r = await again.search({ text: 'soin palliatif', hideSensitive: false, sort: 'relevance', limit: 5, facets: [] });
      expect(r.hits.map((h) => h.document.id)).toEqual(['u1']);
    } finally {
      await again.close();
    }
  });

  it('answers the same after a restart: ranking, facets and their labels, suggestions, and later writes', async () => {
    const dataDir = tempDir();
    const cat = { system: 'cat', code: '355', label: 'Centre hospitalier' };
    const docs = [
      offerDoc('a', { name: 'Cardiologie', organization: { id: 'o1', name: 'CH de Bourg', category: cat, department: '01' }, locations: [{ id: 'l1', commune: '01053', communeName: 'Bourg-en-Bresse', position: { lat: 46.2, lon: 5.22 } }] }),
      offerDoc('b', { name: 'Cardiologie interventionnelle', aliases: ['USIC'], organization: { id: 'o1', name: 'CH de Bourg', category: cat, department: '01' } }),
      offerDoc('c', { name: 'Pneumologie', sensitive: true, organization: { id: 'o2', name: 'Clinique du Parc', department: '69' }, capacity: { free: { total: 2, female: 2, male: 0, undetermined: 0 } } }),
    ];
    const queries = [
      { text: 'cardio', prefix: true, hideSensitive: false, sort: 'relevance' as const, limit: 10, facets: ['category' as const, 'department' as const] },
      { hideSensitive: true, sort: 'freeBeds' as const, limit: 10, facets: ['department' as const] },
      { near: { lat: 46.2, lon: 5.2, radiusKm: 20 }, hideSensitive: false, sort: 'distance' as const, limit: 10, facets: [] },
    ];
    const first = new SqliteOfferIndex({ dataDir });
    await first.apply({ put: docs, remove: [] });
    // A bed update (the text unchanged) and a relabelled category.
    await first.apply({ put: [{ ...docs[0], capacity: { ...docs[0].capacity, free: { total: 4, female: 1, male: 1, undetermined: 2 } } }], remove: [] });
    await first.apply({ put: [{ ...docs[1], organization: { ...docs[1].organization, category: { ...cat, label: 'Centre hospitalier (CH)' } } }], remove: [] });
    const before = await Promise.all(queries.map((q) => first.search(q)));
    const suggested = await first.suggest('car', { limit: 10, hideSensitive: false });
    await first.close();

    const again = new SqliteOfferIndex({ dataDir });
    try {
      expect(await Promise.all(queries.map((q) => again.search(q)))).toEqual(before);
      expect(before[0].facets.category).toEqual([{ code: '355', label: 'Centre hospitalier (CH)', count: 2 }]);
      expect(before[1].hits[0].document.id).toBe('a');
      expect(await again.suggest('car', { limit: 10, hideSensitive: false })).toEqual(suggested);
      // Writes after the restart use the same term and code ids.
      await again.apply({ put: [offerDoc('d', { name: 'Cardiologie pédiatrique', organization: { id: 'o3', name: 'Hôpital mère-enfant', category: cat } })], remove: ['b'] });
      const r = await again.search({ ...queries[0], text: 'cardiologie' });
      expect(r.hits.map((h) => h.document.id).sort()).toEqual(['a', 'd']);
      expect(r.facets.category).toEqual([{ code: '355', label: 'Centre hospitalier', count: 2 }]);
    } finally {
      await again.close();
    }
    const third = new SqliteOfferIndex({ dataDir });
    try {
      expect((await third.search({ ...queries[0], text: 'cardiologie pedia' })).hits.map((h) => h.document.id)).toEqual(['d']);
    } finally {
      await third.close();
    }
  });
});
