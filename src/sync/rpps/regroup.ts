/**
 * External sort of RPPS lines by person, for a Personne_activite file whose lines of one person are not contiguous
 * (../shared/referentiels/NOTES.md says one line per person × site × savoir-faire, nothing about their order).
 * The file is read once and cut into runs of at most `chunkChars` characters, each sorted in memory by
 * (person, line number) and written to a temporary file; reading merges the runs. Memory is one run, whatever the
 * size of the file; every line keeps its number and text, so the records and reports are the same as for a file
 * sorted by person.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { readLines } from '../io/lines';
import type { TextLine } from '../io/text-lines';

/** A line of a run: the person's key, the original line number, and the text (or the decoding error). */
interface Entry {
  key: string;
  lineNo: number;
  text: string;
  error: boolean;
}

const compare = (a: Entry, b: Entry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.lineNo - b.lineNo);

export interface SortedRuns {
  /** The lines in (person, line number) order. */
  lines(): AsyncGenerator<TextLine>;
  /** Removes the temporary files. */
  close(): void;
  runs: number;
}

/**
 * Sorts `lines` (without the header) by `keyOf(text)` into temporary runs. `keyOf` returns '' for a line it cannot
 * key (such lines come first and are rejected by the reader with their own line numbers).
 */
export async function sortRuns(lines: AsyncIterable<TextLine>, keyOf: (text: string) => string, opts: { chunkChars?: number; tmpDir?: string } = {}): Promise<SortedRuns> {
  const dir = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'ror-rpps-sort-'));
  const files: string[] = [];
  const limit = opts.chunkChars ?? 32 << 20;
  try {
    let chunk: Entry[] = [];
    let chars = 0;
    const flush = async () => {
      if (!chunk.length) return;
      chunk.sort(compare);
      const file = path.join(dir, `run-${files.length}.txt`);
      files.push(file);
      const out = fs.createWriteStream(file, { highWaterMark: 1 << 20 });
      for (const e of chunk) {
        if (!out.write(`${e.key}\t${e.lineNo}\t${e.error ? 'E' : 'T'}${e.text}\n`)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      chunk = [];
      chars = 0;
    };
    for await (const l of lines) {
      const e: Entry = 'error' in l ? { key: '', lineNo: l.lineNo, text: l.error, error: true } : { key: keyOf(l.text), lineNo: l.lineNo, text: l.text, error: false };
      chunk.push(e);
      chars += e.text.length + 32;
      if (chars >= limit) await flush();
    }
    await flush();
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    runs: files.length,
    lines: () => mergeRuns(files),
    close: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function* mergeRuns(files: string[]): AsyncGenerator<TextLine> {
  const readers = files.map((f) => readRun(f));
  const heads: (Entry | undefined)[] = [];
  try {
    for (const r of readers) heads.push((await r.next()).value || undefined);
    for (;;) {
      let min = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (min < 0 || compare(h, heads[min]!) < 0)) min = i;
      }
      if (min < 0) return;
      const e = heads[min]!;
      yield e.error ? { lineNo: e.lineNo, error: e.text } : { lineNo: e.lineNo, text: e.text };
      heads[min] = (await readers[min].next()).value || undefined;
    }
  } finally {
    await Promise.all(readers.map((r) => r.return(undefined)));
  }
}

async function* readRun(file: string): AsyncGenerator<Entry> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 16 });
  try {
    for await (const { bytes } of readLines(stream)) {
      const s = bytes.toString('utf8');
      const t1 = s.indexOf('\t');
      const t2 = s.indexOf('\t', t1 + 1);
      yield { key: s.slice(0, t1), lineNo: Number(s.slice(t1 + 1, t2)), error: s[t2 + 1] === 'E', text: s.slice(t2 + 2) };
    }
  } finally {
    stream.destroy();
  }
}
