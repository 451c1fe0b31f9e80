/**
 * RecordSource over a FINESS+ structures file (`finess-structures-*.json[.gz]`): the `pmej` array is streamed one
 * legal entity at a time (stream-json), never parsed whole. "Line" numbers in reports are the entity's position in
 * `pmej` (1-based), the JSON having no meaningful lines.
 *
 * Daily files (`journalier`) carry only what changed: absence from them means nothing, so they deactivate only what
 * they mark closed (etatObjet I). Monthly files (`mensuel`) are full stocks: absence deactivates, under the guard.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Transform } from 'node:stream';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';
import type { ParsedRecord, RecordSource, Rejection, SyncKind } from '../types';
import { mapPmej } from './map';

export class FinessPlusSource implements RecordSource {
  readonly name = 'finess-plus';
  readonly kinds: SyncKind[];
  readonly warnings: Rejection[] = [];
  readonly encoding = 'utf-8';
  private bytesRead = 0;
  private readonly size: number;

  constructor(private readonly file: string) {
    this.size = fs.statSync(file).size;
    this.kinds = /journalier/i.test(path.basename(file)) ? [] : ['finess-ej', 'finess-et', 'finess-et-location'];
  }

  progress() {
    return { done: this.bytesRead, total: this.size };
  }

  async *read(): AsyncGenerator<ParsedRecord> {
    const first = this.bytesRead === 0;
    this.bytesRead = 0;
    const raw = fs.createReadStream(this.file, { highWaterMark: 1 << 20 });
    const meter = new Transform({
      transform: (chunk: Buffer, _e, done) => {
        this.bytesRead += chunk.length;
        done(null, chunk);
      },
    });
    let stream = raw.pipe(meter);
    if (isGzip(this.file)) stream = stream.pipe(zlib.createGunzip());
    const items = stream.pipe(parser()).pipe(pick({ filter: 'pmej' })).pipe(streamArray());
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      const line = key + 1;
      const mapped = mapPmej(value);
      if (first) for (const w of mapped.warnings) this.warnings.push({ line, reason: w });
      if (mapped.error) {
        yield { rejected: { line, reason: mapped.error } };
        continue;
      }
      for (const item of mapped.items) item.line = line;
      yield { items: mapped.items };
    }
  }
}

function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    fs.readSync(fd, b, 0, 2, 0);
    return b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}
