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
});
