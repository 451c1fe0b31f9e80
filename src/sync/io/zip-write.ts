/**
 * Writes a one-entry zip (deflate, data descriptor, entries under 4 GiB), streaming: for the extract generator and the
 * tests, which need `PS_LibreAcces_*.zip` files like the RPPS ones. The sync itself only reads zips (./zip.ts).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function writeZip(dest: string, entryName: string, source: AsyncIterable<Buffer | string> | string): Promise<void> {
  const name = Buffer.from(entryName, 'utf8');
  const flags = 0x0008 | 0x0800; // sizes in the data descriptor; UTF-8 name
  const dosTime = 0;
  const dosDate = (2026 - 1980) << 9 | 10 << 5 | 8;
  const out = fs.createWriteStream(dest);
  const write = async (b: Buffer) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt16LE(dosTime, 10);
  local.writeUInt16LE(dosDate, 12);
  local.writeUInt16LE(name.length, 26);
  await write(local);
  await write(name);
  let crc = 0;
  let size = 0;
  let compressed = 0;
  const input = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const meter = new Transform({
    transform(chunk: Buffer | string, _enc, done) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      crc = zlib.crc32(b, crc);
      size += b.length;
      done(null, b);
    },
  });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      compressed += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(input, meter, zlib.createDeflateRaw(), counter, async (chunks: AsyncIterable<Buffer>) => {
    for await (const c of chunks) await write(c);
  });
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc >>> 0, 4);
  descriptor.writeUInt32LE(compressed, 8);
  descriptor.writeUInt32LE(size, 12);
  await write(descriptor);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(dosTime, 12);
  central.writeUInt16LE(dosDate, 14);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(compressed, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const centralOffset = 30 + name.length + compressed + 16;
  await write(central);
  await write(name);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  await write(end);
  out.end();
  await once(out, 'finish');
}
