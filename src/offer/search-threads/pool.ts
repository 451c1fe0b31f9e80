/**
 * Offer search on several threads (ROR_OFFER_SEARCH_THREADS), for the embedded index at national scale: one Node
 * thread answers one request at a time, so with dozens of clients a search waits for all those ahead of it. Each
 * search thread (src/offer-search-thread.ts) holds a replica of the index (its own engine, loaded from `offer.sqlite`, about as much
 * memory as the index's own) and answers `/offer/search`, `/offer/facets` and `/offer/suggest` with the same code as
 * the request's thread (../answers.ts); the request's thread only passes the query string and what the caller may
 * see, and sends the JSON back.
 *
 * Writes stay where they are (the kernel's write path, the index in the main thread); the index hands each write,
 * once committed, to every thread (`onChange`), which applies it in order: a bed update reaches the threads in a few
 * milliseconds. Requests wait in one queue, taken by the threads as they free up; while none is ready (at start,
 * while the replicas load) or when a thread fails, the request's thread answers itself from the index. A thread that
 * ends is started again after `restartDelayMs`.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { FhirError } from '../../errors';
import { answerOffer, type OfferAnswerDeps, type OfferAnswerKind, type OfferVisibility } from '../answers';
import type { FromThread, SearchThreadData, SearchThreadError, ToThread } from './messages';

/** The index the threads replicate: its file, and its writes once committed (opaque here, taken by the replicas). */
export interface ReplicatedOfferIndex {
  readonly file: string | undefined;
  onChange(listener: (change: unknown) => void): () => void;
}

export interface SearchThreadsOptions {
  index: ReplicatedOfferIndex;
  /** The thread's entry (src/offer-search-thread.ts, or its compiled .js). */
  entry: string;
  threads: number;
  logger: Logger;
  /** How the request's thread answers when no search thread can (the index itself); the threads answer alike. */
  fallback: OfferAnswerDeps;
  restartDelayMs?: number;
}

interface Pending {
  kind: OfferAnswerKind;
  params: string;
  vis: OfferVisibility;
  now: number;
  resolve(json: string): void;
  reject(err: unknown): void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  pending: Map<number, Pending>;
}

export class OfferSearchThreads {
  private readonly threads = new Set<Thread>();
  private nextId = 1;
  /** Requests waiting for a thread, from `queueStart` on. */
  private readonly queue: Pending[] = [];
  private queueStart = 0;
  private closing = false;
  private unsubscribe: (() => void) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: SearchThreadsOptions) {
    if (!options.index.file) throw new Error('offer search threads need the index in a file (not in memory)');
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new Error(`offer search threads: ${options.threads} is not a number of threads ≥ 1`);
  }

  /** Starts the threads; they load their replicas in the background (requests are answered here meanwhile). */
  start(): void {
    this.unsubscribe = this.options.index.onChange((change) => this.broadcast(change));
    for (let i = 0; i < this.options.threads; i++) this.spawn();
  }

  /** How many threads are ready (their replica loaded). */
  get readyCount(): number {
    let n = 0;
    for (const t of this.threads) if (t.ready) n++;
    return n;
  }

  /** Answers given by the search threads, and by the request's thread (none ready, or one ended with it in hand). */
  readonly answered = { byThreads: 0, here: 0 };

  /** Requests waiting for a thread (not those a thread holds). */
  get waiting(): number {
    return this.queue.length - this.queueStart;
  }

  /**
   * The JSON of an answer (../answers.ts `answerOffer`); a FhirError for the caller's mistakes. Requests wait in one
   * queue that every thread takes from as it frees up (at most IN_HAND each): with one queue per thread, a thread
   * given a few costly searches in a row kept its queue waiting while the other ran dry.
   */
  answer(kind: OfferAnswerKind, params: string, vis: OfferVisibility, now: number): Promise<string> {
    if (!this.readyCount) return this.answerHere(kind, params, vis, now);
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ kind, params, vis: { sensitiveUnits: vis.sensitiveUnits, availability: vis.availability }, now, resolve, reject });
      this.pump();
    });
  }

  /** Hands queued requests to the ready threads with room; with none ready any more, answers them here. */
  private pump(): void {
    while (this.queueStart < this.queue.length) {
      const thread = this.pick();
      if (!thread) {
        if (this.readyCount) return this.compact();
        const p = this.take();
        this.answerHere(p.kind, p.params, p.vis, p.now).then(p.resolve, p.reject);
        continue;
      }
      const p = this.take();
      const id = this.nextId++;
      thread.pending.set(id, p);
      this.answered.byThreads++;
      const message: ToThread = { type: 'answer', id, kind: p.kind, params: p.params, vis: p.vis, now: p.now };
      thread.worker.postMessage(message);
    }
    // Drained: the array is reused from its start.
    this.queue.length = 0;
    this.queueStart = 0;
  }

  /** The first queued request, out of the queue (its slot emptied: a taken request is not held until the queue drains). */
  private take(): Pending {
    const p = this.queue[this.queueStart];
    this.queue[this.queueStart++] = undefined as unknown as Pending;
    return p;
  }

  /**
   * Under steady load the queue may never drain: the slots already taken are dropped from its start once they are
   * half of it, or it would grow with every request.
   */
  private compact(): void {
    if (this.queueStart >= 1024 && this.queueStart * 2 >= this.queue.length) {
      this.queue.splice(0, this.queueStart);
      this.queueStart = 0;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.threads].map((t) => t.worker.terminate()));
    this.threads.clear();
  }

  private async answerHere(kind: OfferAnswerKind, params: string, vis: OfferVisibility, now: number): Promise<string> {
    this.answered.here++;
    return answerOffer(kind, new URLSearchParams(params), vis, now, this.options.fallback);
  }

  /** The ready thread with the fewest requests in hand, if it has room for another. */
  private pick(): Thread | undefined {
    let best: Thread | undefined;
    for (const t of this.threads) if (t.ready && (!best || t.pending.size < best.pending.size)) best = t;
    return best && best.pending.size < IN_HAND ? best : undefined;
  }

  private broadcast(change: unknown): void {
    const message: ToThread = { type: 'change', change };
    for (const t of this.threads) t.worker.postMessage(message);
  }

  private spawn(): void {
    const data: SearchThreadData = { file: this.options.index.file!, staleHours: this.options.fallback.staleHours };
    const thread: Thread = { worker: startWorker(this.options.entry, data), ready: false, pending: new Map() };
    this.threads.add(thread);
    const { logger } = this.options;
    thread.worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') {
        thread.ready = true;
        logger.info({ thread: thread.worker.threadId, seq: m.seq }, 'offer search thread ready');
        this.pump();
        return;
      }
      const p = thread.pending.get(m.id);
      if (!p) return;
      thread.pending.delete(m.id);
      this.pump();
      if (m.json !== undefined) p.resolve(m.json);
      else p.reject(toError(m.error!));
    });
    thread.worker.on('error', (err) => logger.error({ err, thread: thread.worker.threadId }, 'offer search thread failed'));
    thread.worker.on('exit', (code) => {
      this.threads.delete(thread);
      // What it had in hand is answered here: the caller never sees the thread go.
      for (const p of thread.pending.values()) {
        this.answered.byThreads--;
        this.answerHere(p.kind, p.params, p.vis, p.now).then(p.resolve, p.reject);
      }
      thread.pending.clear();
      // Queued requests go to the other threads, or are answered here when none is ready.
      this.pump();
      if (this.closing) return;
      logger.warn({ code, thread: thread.worker.threadId }, 'offer search thread ended; another starts');
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.closing) this.spawn();
      }, this.options.restartDelayMs ?? 1000);
      this.timers.add(timer);
    });
  }
}

function toError(e: SearchThreadError): Error {
  if (e.outcome) {
    const fe = new FhirError(e.status, e.outcome);
    Object.assign(fe.headers, e.headers ?? {});
    return fe;
  }
  return new Error(`offer search thread: ${e.message}`);
}

/**
 * The young generation of a thread's heap (V8's default is a few MiB): every answer leaves ~100 KiB of garbage, and
 * with a small young generation much of it survived into the old one, whose collections (a heap of several hundred
 * MiB, the replica's) paused the thread with requests queued behind it. Measured at 32 concurrent clients on 2 CPUs:
 * about 10 % more requests answered and a lower p95 with 64 MiB (128 did no better).
 */
const YOUNG_GENERATION_MB = 64;

/**
 * Requests a thread holds at once: one it answers and one waiting in its port, so it never waits for the next one to
 * cross; more would only queue there instead of in the shared queue.
 */
const IN_HAND = 2;

/** A thread on `entry`: compiled JavaScript as it is, TypeScript sources (`npm start`, the tests) through tsx's hook. */
function startWorker(entry: string, workerData: SearchThreadData): Worker {
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  if (!entry.endsWith('.ts')) return new Worker(entry, { workerData, resourceLimits });
  const boot = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}
