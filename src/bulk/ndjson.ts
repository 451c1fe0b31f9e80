/**
 * An NDJSON file being written (https://github.com/ndjson/ndjson-spec): chunks go through a write stream, and a
 * chunk waits for `drain` when the stream's buffer is full, so a fast reader never piles up a slow disk's backlog
 * in memory. Closed, the file is flushed to disk (fsync) before the export records it as done.
 */
import fs from 'node:fs';
import { once } from 'node:events';

export class NdjsonFile {
  private readonly out: fs.WriteStream;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.out = fs.createWriteStream(path, { flags: 'w' });
    this.out.on('error', (err) => (this.failure = err));
  }

  async write(chunk: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.out.write(chunk)) await Promise.race([once(this.out, 'drain'), once(this.out, 'error')]);
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (this.failure) throw this.failure;
    const handle = await fs.promises.open(this.path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Stops writing (the file is removed by the caller). */
  destroy(): void {
    this.out.destroy();
  }
}
