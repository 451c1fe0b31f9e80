/**
 * WAL checkpoints on a thread of their own.
 *
 * In WAL mode every commit appends pages to the -wal file; a checkpoint copies them back into the database file
 * and fsyncs it. SQLite runs it by default inside the COMMIT that makes the WAL reach 1,000 pages, on the
 * committing connection, which here is the server's event loop: each checkpoint held every request for its copy
 * and two fsyncs. Here a worker thread with its own connection runs a PASSIVE checkpoint (it never blocks the
 * writer or the readers, https://sqlite.org/c3ref/wal_checkpoint_v2.html) every `intervalMs`; the writer keeps
 * SQLite's automatic checkpoint only as a backstop, at `backstopPages`, should the thread fall behind or die.
 *
 * The worker's code is plain JavaScript evaluated in the thread, so it runs the same under tsx, ts-jest and the
 * compiled build.
 */
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** The database file (its -wal file sits next to it). */
  file: string;
  /** Time between two checkpoints. */
  intervalMs?: number;
  /** Called with the message of a failed checkpoint (the next one is tried all the same). */
  onError?: (message: string) => void;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(options: CheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: options.file, intervalMs: options.intervalMs ?? 500, driver: require.resolve('better-sqlite3') },
    });
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error) options.onError?.(m.error);
    });
    // A thread that fails to start or dies leaves checkpoints to the writer's backstop.
    this.worker.on('error', (err) => options.onError?.(err.message));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // The thread must not keep a process alive that is otherwise done.
    this.worker.unref();
  }

  /** Stops the thread and waits until its connection is closed. */
  async stop(): Promise<void> {
    // Awaiting a promise does not keep a process alive: without this, a process whose last work is closing the
    // store would exit here, before the close completes.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
