/**
 * Writes a one-entry zip, streaming (yazl): for the extract generator and the tests, which need
 * `PS_LibreAcces_*.zip` files like the RPPS ones. The sync itself only reads zips (src/sync/io/zip.ts).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export async function writeZip(dest: string, entryName: string, source: AsyncIterable<Buffer | string> | string): Promise<void> {
  const zip = new yazl.ZipFile();
  const input =
    typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: 1 << 20 }) : Readable.from(bytes(source), { objectMode: false });
  zip.addReadStream(input, entryName, { mtime: new Date('2026-10-08T08:00:00Z'), compress: true });
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(dest));
}

async function* bytes(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  for await (const chunk of source) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}
