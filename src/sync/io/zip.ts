/** Streams one entry of a zip file (yauzl reads the central directory, then inflates the entry as a stream). */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

export interface ZipEntryInfo {
  name: string;
  size: number;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

/** The first entry whose name matches `pattern`, or undefined. */
export async function findZipEntry(file: string, pattern: RegExp): Promise<ZipEntryInfo | undefined> {
  const zip = await openZip(file);
  try {
    const entry = await nextMatching(zip, pattern);
    return entry ? { name: entry.fileName, size: entry.uncompressedSize } : undefined;
  } finally {
    zip.close();
  }
}

export async function openZipEntry(file: string, pattern: RegExp): Promise<Readable> {
  const zip = await openZip(file);
  const entry = await nextMatching(zip, pattern);
  if (!entry) {
    zip.close();
    throw new Error(`no entry matching ${pattern} in ${file}`);
  }
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
  );
  stream.on('close', () => zip.close());
  return stream;
}

function nextMatching(zip: yauzl.ZipFile, pattern: RegExp): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (pattern.test(entry.fileName)) resolve(entry);
      else zip.readEntry();
    });
    zip.on('end', () => resolve(undefined));
    zip.on('error', reject);
    zip.readEntry();
  });
}
