/**
 * The offer search API alone, for the offer bench's concurrent load: the project's offer router (src/offer/http.ts)
 * on an Express 5 app, over the embedded offer index of BENCH_OFFER_DIR (opened here, as the server opens it at
 * start), every request as an administrator (sensitive units included, free beds shown). With BENCH_OFFER_THREADS=N
 * (N ≥ 1) the router answers through N search threads (src/offer/search-threads, as ROR_OFFER_SEARCH_THREADS does),
 * and the server listens once they are all ready. `/bench/stats` reports how long the index took to open and the
 * process's memory once it is open (threads included), and the request thread's busy time and offer requests so far.
 * Errors answer a JSON 500/400.
 */
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import express, { type NextFunction, type Request, type Response } from 'express';
import pino from 'pino';
import { FhirError } from '../../../../src/errors';
import { offerRouter } from '../../../../src/offer/http';
import { OfferSearchThreads } from '../../../../src/offer/search-threads/pool';
import { OfferQueryError } from '../../../../src/store/offer-index';
import { SqliteOfferIndex } from '../../../../src/store/sqlite/offer-index';
import { listenAndStopOnSigterm } from './payload';

const dir = process.env.BENCH_OFFER_DIR;
if (!dir) throw new Error('BENCH_OFFER_DIR is not set');
const threadCount = Number(process.env.BENCH_OFFER_THREADS ?? 0);

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const index = new SqliteOfferIndex({ dataDir: dir! });
  const openMs = performance.now() - start;
  let threads: OfferSearchThreads | undefined;
  let threadsReadyMs: number | undefined;
  if (threadCount > 0) {
    const entry = path.resolve(__dirname, '../../../../src/offer-search-thread.ts');
    threads = new OfferSearchThreads({ index, entry, threads: threadCount, logger: pino({ level: 'warn' }), fallback: { index, staleHours: 24 } });
    const t = performance.now();
    threads.start();
    while (threads.readyCount < threadCount) await new Promise((r) => setTimeout(r, 50));
    threadsReadyMs = performance.now() - t;
  }
  global.gc?.();
  const memory = process.memoryUsage();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.locals.actor = { kind: 'admin', name: 'bench' };
    next();
  });
  let offerRequests = 0;
  app.use('/offer', (_req, _res, next) => {
    offerRequests++;
    next();
  });
  app.use(offerRouter({ index, staleHours: 24, publicProfile: 0, threads }));
  app.get('/healthz', (_req, res) => {
    res.end('ok');
  });
  app.get('/bench/stats', (_req, res) => {
    // The request thread's busy time so far (ms) and the offer requests it took: what a request costs the one thread
    // every request crosses.
    res.json({ requestThreadBusyMs: performance.eventLoopUtilization().active, offerRequests, openMs, threads: threadCount, threadsReadyMs, answered: threads?.answered, rssBeforeOpen: rssBefore, rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers, ...index.stats() });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = err instanceof FhirError ? err.status : err instanceof OfferQueryError ? 400 : 500;
    res.status(status).json({ error: String(err) });
  });
  const server = http.createServer(app);
  server.on('close', () => {
    void threads?.close().then(() => index.close());
    if (!threads) void index.close();
  });
  listenAndStopOnSigterm(server);
}

void main();
