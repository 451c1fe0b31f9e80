/**
 * Splits a byte stream into lines without decoding it (the encoding is decided per line, see ./decode.ts).
 * Accepts `\n` and `\r\n` (FINESS files exist in both, ../shared/referentiels/NOTES.md). Line numbers start at 1.
 */
import type { Readable } from 'node:stream';

export interface RawLine {
  lineNo: number;
  bytes: Buffer;
}

export async function* readLines(input: Readable): AsyncGenerator<RawLine> {
  let pending: Buffer | undefined;
  let lineNo = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      yield { lineNo: ++lineNo, bytes: buf.subarray(start, end) };
      start = nl + 1;
    }
    buf = buf.subarray(start);
    // Copy the tail so the big chunk it came from can be collected.
    pending = buf.length ? Buffer.from(buf) : undefined;
  }
  if (pending?.length) {
    const end = pending[pending.length - 1] === 13 ? pending.length - 1 : pending.length;
    yield { lineNo: ++lineNo, bytes: pending.subarray(0, end) };
  }
}
