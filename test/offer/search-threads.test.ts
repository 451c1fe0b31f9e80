/**
 * Offer search on threads (ROR_OFFER_SEARCH_THREADS): a replica of the embedded index follows its writes exactly
 * (however a load and the writes cross), and the threads answer `/offer/*` as the request's thread does, follow
 * bed updates, and lose no request when one of them ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { FhirError } from '../../src/errors';
import { offerRouter } from '../../src/offer/http';
import { OfferSearchThreads } from '../../src/offer/search-threads/pool';
import type { OfferDocument, OfferQuery } from '../../src/store/offer-index';
import type { OfferIndexChange } from '../../src/store/sqlite/offer-reading';
import { SqliteOfferIndex } from '../../src/store/sqlite/offer-index';
import { OfferReplica } from '../../src/store/sqlite/offer-replica';
import { corpus } from '../contract/offer-index.contract';

const ENTRY = path.resolve(__dirname, '../../src/offer-search-thread.ts');
const query = (q: Partial<OfferQuery>): OfferQuery => ({ hideSensitive: false, sort: 'relevance', limit: 30, facets: ['activity', 'careMode', 'department', 'category'], ...q });
const QUERIES: Partial<OfferQuery>[] = [
  {},
  { text: 'service', prefix: true },
  { text: 'neurologie' },
  { text: 'soins suite', hideSensitive: true },
  { near: { lat: 46.2, lon: 5.2, radiusKm: 40 }, sort: 'distance' },
  { available: true, sort: 'freeBeds' },
  { department: ['01'], age: 70 },
  { includeInactive: true, facets: ['region', 'specialty'] },
];

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-offer-threads-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Random writes: new units, bed updates, renames, removals; `n` batches. */
async function churn(index: SqliteOfferIndex, docs: OfferDocument[], seed: number, n: number): Promise<void> {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let b = 0; b < n; b++) {
    const put: OfferDocument[] = [];
    const remove: string[] = [];
    for (let i = 0; i < 5; i++) {
      const d = docs[Math.floor(next() * docs.length)];
      const roll = next();
      if (roll < 0.4) put.push({ ...d, capacity: { ...d.capacity, free: { ...d.capacity.free, total: d.capacity.free.total + 1, undetermined: d.capacity.free.undetermined + 1 } } });
      else if (roll < 0.6) put.push({ ...d, name: `${d.name} rénové ${b}`, activities: [{ system: 'act', code: `N${b}`, label: `Nouvelle activité ${b}` }] });
      else if (roll < 0.8) remove.push(d.id);
      else put.push({ ...d, id: `${d.id}-b${b}`, name: `Annexe ${b} de ${d.name}` });
    }
    await index.apply({ put, remove });
  }
}

async function sameAnswers(a: SqliteOfferIndex | OfferReplica, b: SqliteOfferIndex | OfferReplica): Promise<void> {
  for (const q of QUERIES) expect(await b.search(query(q))).toEqual(await a.search(query(q)));
  for (const text of ['etab', 'service neu', 'bourg']) {
    for (const hideSensitive of [false, true]) expect(await b.suggest(text, { limit: 8, hideSensitive })).toEqual(await a.suggest(text, { limit: 8, hideSensitive }));
  }
  expect(await b.count()).toBe(await a.count());
}

describe('a replica of the embedded offer index', () => {
  it('follows every write, and answers as the index does', async () => {
    const index = new SqliteOfferIndex({ dataDir: dir });
    const docs = corpus(11, 300);
    await index.apply({ put: docs, remove: [] });
    const replica = new OfferReplica(index.file!);
    index.onChange((c) => replica.receive(c as OfferIndexChange));
    await sameAnswers(index, replica);
    await churn(index, docs, 5, 40);
    expect(replica.changeCount).toBe(index.changeCount);
    await sameAnswers(index, replica);
    await index.clear();
    await index.apply({ put: docs.slice(0, 50), remove: [] });
    await sameAnswers(index, replica);
    await replica.close();
    await index.close();
  });

  it('takes each write once when its load and the writes cross', async () => {
    const index = new SqliteOfferIndex({ dataDir: dir });
    const docs = corpus(12, 200);
    const sent: OfferIndexChange[] = [];
    index.onChange((c) => sent.push(c));
    await index.apply({ put: docs, remove: [] });
    await churn(index, docs, 7, 10);
    // Loaded after 11 writes, it is then handed all of them and the ones after, as a thread receives its queue.
    const replica = new OfferReplica(index.file!);
    expect(replica.changeCount).toBe(index.changeCount);
    await churn(index, docs, 8, 10);
    for (const c of sent) replica.receive(c);
    await sameAnswers(index, replica);
    // A write that skips a number means some were lost: the replica refuses to go on.
    const last = sent[sent.length - 1];
    expect(() => replica.receive({ ...last, seq: last.seq + 2 })).toThrow(/lost/);
    await replica.close();
    await index.close();
  });

  it('is read-only, and refuses a file of another schema', async () => {
    const index = new SqliteOfferIndex({ dataDir: dir });
    const replica = new OfferReplica(index.file!);
    await expect(replica.apply({ put: [], remove: [] })).rejects.toThrow(/read-only/);
    await expect(replica.clear()).rejects.toThrow(/read-only/);
    await replica.close();
    await index.close();
    expect(() => new OfferReplica(path.join(dir, 'absent.sqlite'))).toThrow();
  });
});

describe('search threads', () => {
  let index: SqliteOfferIndex;
  let threads: OfferSearchThreads;
  const logger = pino({ level: 'silent' });
  const appOf = (t?: OfferSearchThreads) => {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.actor = { kind: 'admin', name: 'test' };
      next();
    });
    app.use(offerRouter({ index, staleHours: 24, publicProfile: 0, now: () => Date.UTC(2024, 4, 2), threads: t }));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      const status = err instanceof FhirError ? err.status : 500;
      res.status(status).json({ status, message: err instanceof Error ? err.message : String(err) });
    });
    return app;
  };
  const until = async (what: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 20_000;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const URLS = [
    '/offer/search?q=service&limit=15',
    '/offer/search?q=neurologie+disponible',
    '/offer/search?near=46.2,5.2&radius=30&sort=distance',
    '/offer/search?department=01&age=70&available=true',
    '/offer/facets',
    '/offer/facets?department=69',
    '/offer/suggest?q=etab&limit=5',
    '/offer/search?limit=-1',
    '/offer/search?sort=sideways',
    '/offer/suggest',
  ];

  beforeEach(async () => {
    index = new SqliteOfferIndex({ dataDir: dir });
    await index.apply({ put: corpus(13, 400), remove: [] });
    threads = new OfferSearchThreads({ index, entry: ENTRY, threads: 2, logger, fallback: { index, staleHours: 24 }, restartDelayMs: 50 });
    threads.start();
  });
  afterEach(async () => {
    await threads.close();
    await index.close();
  });

  it('answer every query, mistakes included, as the request’s thread does', async () => {
    await until(() => threads.readyCount === 2);
    const here = appOf();
    const there = appOf(threads);
    for (const url of URLS) {
      const [a, b] = await Promise.all([request(here).get(url), request(there).get(url)]);
      expect({ url, status: b.status, body: b.body }).toEqual({ url, status: a.status, body: a.body });
    }
    // Many at once: spread over both threads, each answer the one of its own query.
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => request(there).get(`/offer/search?q=service&limit=${1 + (i % 7)}`)));
    answers.forEach((r, i) => expect(r.body.results).toHaveLength(1 + (i % 7)));
    expect(threads.answered).toEqual({ byThreads: URLS.length + 40, here: 0 });
  });

  it('see a bed update within moments, and a unit added or removed', async () => {
    await until(() => threads.readyCount === 2);
    const app = appOf(threads);
    const doc = corpus(13, 400).find((d) => d.active && !d.sensitive && d.locations.length)!;
    const freeOf = async () => {
      const r = await request(app).get(`/offer/search?q=${encodeURIComponent(doc.name)}&limit=50`);
      return r.body.results.find((x: { healthcareService: { id: string } }) => x.healthcareService.id === doc.id)?.freeBeds?.total;
    };
    await index.apply({ put: [{ ...doc, capacity: { ...doc.capacity, free: { total: 42, female: 0, male: 0, undetermined: 42 } } }], remove: [] });
    // Both threads: several requests, so each thread answers some.
    await until(async () => (await Promise.all([freeOf(), freeOf(), freeOf(), freeOf()])).every((n) => n === 42));
    await index.apply({ put: [], remove: [doc.id] });
    await until(async () => (await Promise.all([freeOf(), freeOf(), freeOf(), freeOf()])).every((n) => n === undefined));
  });

  it('answer from the index while the threads load, and lose no request when a thread ends', async () => {
    // Before any thread is ready, the request's thread answers.
    const app = appOf(threads);
    const early = await request(app).get('/offer/search?q=service');
    expect(early.status).toBe(200);
    expect(threads.answered).toEqual({ byThreads: 0, here: 1 });
    await until(() => threads.readyCount === 2);
    // A thread ends while requests are in flight: they are answered all the same, and another thread starts.
    const inFlight = Promise.all(Array.from({ length: 20 }, () => request(app).get('/offer/search?q=service&limit=5')));
    const victim = [...(threads as unknown as { threads: Set<{ worker: { terminate(): Promise<number> } }> }).threads][0];
    await victim.worker.terminate();
    for (const r of await inFlight) expect(r.status).toBe(200);
    expect(threads.answered.byThreads + threads.answered.here).toBe(21);
    await until(() => threads.readyCount === 2);
    expect((await request(app).get('/offer/search?q=service')).body.total).toBe(early.body.total);
  });

  it('do not keep answered requests while the queue never drains', async () => {
    await until(() => threads.readyCount === 2);
    const held = () => (threads as unknown as { queue: unknown[] }).queue.length;
    // 40 requests in flight at all times, 3,000 in all: the threads hold 4, the rest wait, so the queue never empties.
    const params = new URLSearchParams({ q: 'service', limit: '3' }).toString();
    let started = 0;
    let most = 0;
    const client = async () => {
      while (started < 3000) {
        started++;
        most = Math.max(most, held());
        const json = await threads.answer('search', params, { sensitiveUnits: true, availability: true }, Date.UTC(2024, 4, 2));
        expect(JSON.parse(json).results).toHaveLength(3);
      }
    };
    await Promise.all(Array.from({ length: 40 }, client));
    expect(threads.answered.byThreads).toBe(3000);
    // Taken requests are dropped from the queue's start as it goes (it held every one of them until it drained).
    expect(most).toBeLessThan(1024 * 2 + 40);
  });
});
