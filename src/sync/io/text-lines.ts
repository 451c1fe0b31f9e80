/**
 * Decoded lines of a file (or stream) with their line numbers and the encoding detected so far; undecodable lines
 * come as errors instead of text. Also counts bytes read, for progress.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { readLines } from './lines';
import { LineDecoder, UndecodableLineError } from './decode';

export type TextLine = { lineNo: number; text: string } | { lineNo: number; error: string };

export class TextFile {
  bytesRead = 0;
  readonly size: number;
  encoding: string = 'auto';

  constructor(
    readonly path: string,
    private readonly open: () => Readable = () => fs.createReadStream(path, { highWaterMark: 1 << 20 }),
    size?: number,
  ) {
    this.size = size ?? safeSize(path);
  }

  async *lines(): AsyncGenerator<TextLine> {
    const decoder = new LineDecoder();
    this.bytesRead = 0;
    const stream = this.open();
    stream.on('data', (c: Buffer) => (this.bytesRead += c.length));
    for await (const { lineNo, bytes } of readLines(stream)) {
      try {
        yield { lineNo, text: decoder.decode(bytes) };
      } catch (err) {
        if (!(err instanceof UndecodableLineError)) throw err;
        yield { lineNo, error: `undecodable bytes: ${err.message}` };
      } finally {
        this.encoding = decoder.encoding;
      }
    }
  }
}

function safeSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}
