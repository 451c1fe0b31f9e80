/**
 * The search-engine offer index fed and queried as the server does it, on a real OpenSearch/Elasticsearch:
 * - the OfferIndexer drains the outbox into the engine; while the engine cannot be reached (a TCP relay in front of
 *   it, closed), a bed update's message stays queued, and it is applied once the engine is back;
 * - a rebuild behind the alias keeps the old index answering until the swap;
 * - injection: hostile values through `q` and every filter of `/offer/search`, `/offer/suggest` and the adapter are
 *   values, never query syntax (no 500, no match they should not make);
 * - the engine's analyser (offer-mapping.ts) gives the tokens of src/indexing/french.ts for the texts of a region.
 */
import net from 'node:net';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { analyzeDocument } from '../../src/indexing/french';
import { OFFER_QUEUE_PREFIX, OfferIndexer } from '../../src/offer/freshness';
import { offerRouter } from '../../src/offer/http';
import { rebuildBehind } from '../../src/offer/rebuild';
import { InvalidCursorError } from '../../src/store/errors';
import { ElasticOfferIndex } from '../../src/store/elastic/offer-index';
import { openSearchEngine } from '../../src/store/elastic/engine';
import type { OfferQuery } from '../../src/store/offer-index';
import { FHIR_JSON } from '../helpers/app';
import { freeBedsParameters } from '../helpers/ror';
import { offerTestServer, type OfferTestServer } from '../offer/helpers/demo';
import { generateOfferDocuments } from '../../scripts/bench/lib/offer-generate';
import { offerDoc } from '../contract/offer-index.contract';
import { engineUnderTest, skipWithoutEngine } from './engine-env';

const engine = engineUnderTest();
const run = `ror-offer-feed-${process.pid}-${Date.now().toString(36)}`;

/** A TCP relay to the engine that can be cut (connections refused) and restored on the same port. */
class Relay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: URL) {}
  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

if (!engine) {
  skipWithoutEngine('Offer index fed through the outbox, injection safety and analyser on OpenSearch/Elasticsearch');
} else {
  let n = 0;
  const opened: ElasticOfferIndex[] = [];
  const open = (url = engine.url) => {
    const index = new ElasticOfferIndex({ kind: engine.kind, url, name: `${run}-${n++}` });
    opened.push(index);
    return index;
  };
  afterAll(async () => {
    const cleaner = new ElasticOfferIndex({ ...engine, name: run });
    await cleaner.drop();
    await cleaner.close();
    for (const i of opened) await i.close();
  });

  describe('fed through the outbox', () => {
    let t: OfferTestServer;
    beforeEach(async () => {
      t = await offerTestServer();
    });
    afterEach(() => t.s.close());

    it('keeps a bed update queued while the engine is unreachable, and applies it once the engine is back', async () => {
      const relay = new Relay(new URL(engine.url));
      await relay.up();
      const index = open(`http://127.0.0.1:${relay.port}`);
      let clock = Date.now();
      const indexer = new OfferIndexer({ store: t.s.store, index, labels: t.labels, logger: pino({ level: 'silent' }), now: () => clock });
      expect(await indexer.drain()).toBe(12);
      expect(await index.count()).toBe(12);
      const id = await t.unitId('Cardiologie - hospitalisation complète');
      const freeFemale = async () => (await index.search({ text: 'cardiologie', hideSensitive: false, sort: 'relevance', limit: 50, facets: [] })).hits.find((h) => h.document.id === id)!.document.capacity.free.female;
      expect(await freeFemale()).toBe(2);
      const locationId = (await index.search({ text: 'cardiologie', hideSensitive: false, sort: 'relevance', limit: 50, facets: [] })).hits.find((h) => h.document.id === id)!.document.locations[0].id;

      await relay.down();
      const res = await request(t.s.app).post(`/Location/${locationId}/$set-capacity`).set('Content-Type', FHIR_JSON).send(freeBedsParameters(7));
      expect(res.status).toBe(200);
      // The engine is down: the drain applies nothing and the message stays in the outbox (leased, then due again).
      expect(await indexer.drain()).toBe(0);
      clock += 31_000;
      const queued = await t.s.store.claimOutbox({ limit: 100, now: clock, leaseMs: 0, queues: { prefix: OFFER_QUEUE_PREFIX } });
      expect(queued.map((m) => m.queue)).toEqual([`${OFFER_QUEUE_PREFIX}${id}`]);

      await relay.up();
      expect(await indexer.drain()).toBe(1);
      expect(await freeFemale()).toBe(7);
      await relay.down();
    });

    it('rebuilds behind the alias: the old index answers until the swap, live changes reach the new one', async () => {
      const index = open();
      const indexer = new OfferIndexer({ store: t.s.store, index, labels: t.labels, logger: pino({ level: 'silent' }) });
      await indexer.drain();
      const stranger = offerDoc('not-in-store', { name: 'Unité fantôme' });
      await index.apply({ put: [stranger], remove: [] });
      expect(await index.count()).toBe(13);
      const build = await index.beginRebuild();
      // A live change during the rebuild reaches both indexes.
      await index.apply({ put: [offerDoc('live', { name: 'Unité ouverte pendant la reconstruction' })], remove: [] });
      const count = await new OfferIndexer({ store: t.s.store, index: build.fill, labels: t.labels, logger: pino({ level: 'silent' }) }).reindex();
      expect(count).toBe(12);
      expect(await index.count()).toBe(14); // still the old index
      await build.commit();
      // The new index: the store's 12 units and the live change; the unit that is in no store is gone.
      expect(await index.count()).toBe(13);
      expect((await index.search({ text: 'reconstruction', hideSensitive: false, sort: 'relevance', limit: 5, facets: [] })).total).toBe(1);
      expect((await index.search({ text: 'fantome', hideSensitive: false, sort: 'relevance', limit: 5, facets: [] })).total).toBe(0);
      // rebuildBehind does the same in one call.
      expect(await rebuildBehind(index, { store: t.s.store, labels: t.labels, logger: pino({ level: 'silent' }) })).toBe(12);
      expect(await index.count()).toBe(12);
    });
  });

  describe('injection safety', () => {
    const HOSTILE = ['*', '\\', '"', '{"$gt":""}', 'OR', 'a OR b', 'NOT *', 'name:*', '*:*', '(', '")', '{"script":"1"}', 'é'.repeat(199), 'x'.repeat(5000)];
    let index: ElasticOfferIndex;
    let app: express.Express;
    beforeAll(async () => {
      index = open();
      await index.apply({
        put: [
          offerDoc('a', { name: 'Cardiologie', activities: [{ system: 's', code: 'A1', label: 'Médecine' }], organization: { department: '01', region: '84' } }),
          offerDoc('b', { name: 'Pneumologie', activities: [{ system: 's', code: 'A2', label: 'Chirurgie' }], organization: { department: '69', region: '84' } }),
        ],
        remove: [],
      });
      app = express();
      app.use((_req, res, next) => {
        res.locals.actor = { kind: 'admin', name: 'injection' };
        next();
      });
      app.use(offerRouter({ index, staleHours: 24, publicProfile: 0 }));
    });
    const q = (p: Partial<OfferQuery>): OfferQuery => ({ hideSensitive: false, sort: 'relevance', limit: 20, facets: ['activity'], ...p });

    it('hostile text matches as words or not at all, never as query syntax', async () => {
      for (const text of HOSTILE) {
        const r = await index.search(q({ text }));
        // Nothing here is a word of either document: either no word to match (every document) or none found.
        expect([0, 2]).toContain(r.total);
        expect(await index.suggest(text, { limit: 5, hideSensitive: false })).toEqual([]);
      }
      expect((await index.search(q({ text: 'cardiologie OR pneumologie' }))).total).toBe(0);
      expect((await index.search(q({ text: 'cardio*' }))).hits.map((h) => h.document.id)).toEqual(['a']);
    });

    it('hostile codes are codes: exact values, no wildcard, no operator', async () => {
      for (const code of HOSTILE) {
        for (const key of ['activity', 'careMode', 'specialty', 'category', 'department', 'region', 'commune'] as const) {
          expect((await index.search(q({ [key]: [code] }))).total).toBe(0);
        }
      }
      expect((await index.search(q({ activity: ['A*'] }))).total).toBe(0);
      expect((await index.search(q({ activity: ['A1'] }))).total).toBe(1);
    });

    it('a cursor carrying anything but the sort values of its own query is refused', async () => {
      const forged = (a: unknown) => Buffer.from(JSON.stringify({ a, q: 'x' })).toString('base64url');
      for (const cursor of ['*', forged([{ script: 'x' }]), forged(['{"$gt":""}']), Buffer.from('{"a":[{"match_all":{}}]}').toString('base64url')]) {
        await expect(index.search(q({ cursor }))).rejects.toThrow(InvalidCursorError);
      }
    });

    it('every parameter of the HTTP API: a 200 or a 400, never a 500', async () => {
      const params = ['q', 'activity', 'careMode', 'specialty', 'category', 'department', 'region', 'commune', 'age', 'gender', 'available', 'fresh', 'near', 'radius', 'sort', 'limit', 'cursor'];
      for (const name of params) {
        for (const value of HOSTILE) {
          for (const path of ['/offer/search', '/offer/facets']) {
            const res = await request(app).get(path).query({ [name]: value });
            expect([200, 400]).toContain(res.status);
            if (res.status === 200 && path === '/offer/search' && name !== 'q') expect(res.body.total).toBe(0);
          }
        }
      }
      for (const value of HOSTILE) expect([200, 400]).toContain((await request(app).get('/offer/suggest').query({ q: value })).status);
    });
  });

  it('the engine analyses the texts of a region into the tokens of src/indexing/french.ts', async () => {
    const index = open();
    await index.ready();
    const texts = new Set<string>();
    for (const d of generateOfferDocuments({ seed: 3, units: 400, departments: ['01', '69', '25'], now: Date.now() })) {
      texts.add(d.name);
      texts.add(d.organization.name);
      for (const c of [...d.activities, ...d.careModes, ...d.specialties, ...d.unitCategories]) texts.add(c.label);
      if (d.organization.category) texts.add(d.organization.category.label);
    }
    texts.add("Établissement d'hébergement pour personnes âgées dépendantes");
    texts.add('Hôpitaux de jour, Bourg-en-Bresse : l’Orée du Bois');
    const client = openSearchEngine(engine.kind, engine.url);
    const differ: { text: string; engine: string[]; js: string[] }[] = [];
    try {
      for (const text of texts) {
        const res = await client.request<{ tokens: { token: string }[] }>({ method: 'POST', path: `/${index.alias}/_analyze`, body: { analyzer: 'ror_text', text } });
        const got = [...new Set(res.tokens.map((t) => t.token))].sort();
        const want = [...new Set(analyzeDocument(text))].sort();
        if (got.join(' ') !== want.join(' ')) differ.push({ text, engine: got, js: want });
      }
    } finally {
      await client.close();
    }
    expect(texts.size).toBeGreaterThan(100);
    expect(differ).toEqual([]);
  });
}
