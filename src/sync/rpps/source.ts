/**
 * RecordSource over RPPS PS_LibreAcces: the zip (its Personne_activite entry is streamed) or the txt itself.
 * One line per person × site × savoir-faire; nothing guarantees that the lines of one person are contiguous
 * (../shared/referentiels/NOTES.md), though they usually are. The file is read in its order, grouping consecutive lines
 * of a person; when the engine finds a person again later in the file, it calls regroup(): the file is then sorted by
 * person on disk (./regroup.ts, bounded memory) and read again in that order, so the person's lines merge.
 */
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { ParsedRecord, RecordSource, Rejection, SyncKind } from '../types';
import type { TextLine } from '../io/text-lines';
import { TextFile } from '../io/text-lines';
import { findZipEntry, openZipEntry } from '../io/zip';
import type { Header, RppsLine } from './columns';
import { parseHeader, pick } from './columns';
import type { PersonLines } from './map';
import { mapPerson, personKeys } from './map';
import type { SortedRuns } from './regroup';
import { sortRuns } from './regroup';

const ENTRY = /Personne_activite.*\.(txt|csv)$/i;

export interface RppsSourceOptions {
  /** Characters of lines sorted in memory at a time when the file must be regrouped (default 32 Mi). */
  sortChunkChars?: number;
  /** Where the sorted runs go (default: the OS temporary directory). */
  tmpDir?: string;
}

export class RppsSource implements RecordSource {
  readonly name = 'rpps';
  readonly kinds: SyncKind[] = ['rpps-practitioner', 'rpps-role'];
  readonly warnings: Rejection[] = [];
  private readonly file: TextFile;
  private readonly isZip: boolean;
  private entrySize = 0;
  private grouping: 'file-order' | 'sort' | SortedRuns = 'file-order';
  columns = 0;

  constructor(
    private readonly path: string,
    private readonly opts: RppsSourceOptions = {},
  ) {
    this.isZip = isZipFile(path);
    // A zip entry is opened lazily on each read (the engine may read twice).
    this.file = this.isZip ? new TextFile(path, () => lazyZipStream(path)) : new TextFile(path);
  }

  get encoding(): string {
    return this.file.encoding;
  }

  progress() {
    return { done: this.file.bytesRead, total: this.isZip ? this.entrySize : this.file.size };
  }

  /** The lines of a person are not contiguous: the next reads go through a sort by person. */
  async regroup(at: { line: number; key: string }): Promise<void> {
    if (this.grouping !== 'file-order') return;
    this.grouping = 'sort';
    this.warnings.push({
      line: at.line,
      reason: `the lines of ${at.key} are not contiguous (read again at line ${at.line}): the file was sorted by person on disk and read again`,
    });
  }

  async close(): Promise<void> {
    if (typeof this.grouping === 'object') this.grouping.close();
    if (this.grouping !== 'file-order') this.grouping = 'sort';
  }

  /** The file's lines, in file order, or sorted by person (the header first) once regroup() was called. */
  private async *lines(): AsyncGenerator<TextLine> {
    if (this.grouping === 'file-order') {
      yield* this.file.lines();
      return;
    }
    let header: TextLine | undefined;
    if (this.grouping === 'sort') {
      let h: Header | undefined;
      const rest = async function* (this: RppsSource): AsyncGenerator<TextLine> {
        for await (const l of this.file.lines()) {
          if (!h && 'text' in l) {
            header = l;
            h = parseHeader(l.text);
          } else yield l;
        }
      }.call(this);
      this.grouping = await sortRuns(rest, (text) => (h ? personOf(pick(h, text.split('|'), true)) : ''), { chunkChars: this.opts.sortChunkChars, tmpDir: this.opts.tmpDir });
    }
    const runs = this.grouping as SortedRuns;
    // The header is found again by a plain read of the first line (it is not in the runs).
    if (!header) {
      for await (const l of this.file.lines()) {
        if ('text' in l) {
          header = l;
          break;
        }
      }
    }
    if (header) yield header;
    yield* runs.lines();
  }

  async *read(): AsyncGenerator<ParsedRecord> {
    if (this.isZip && !this.entrySize) {
      const entry = await findZipEntry(this.path, ENTRY);
      if (!entry) throw new Error(`no Personne_activite file in the zip ${this.path}`);
      this.entrySize = entry.size;
    }
    let header: Header | undefined;
    let person: PersonLines | undefined;
    let texts: string[] = [];
    for await (const l of this.lines()) {
      if ('error' in l) {
        yield { rejected: { line: l.lineNo, reason: l.error } };
        continue;
      }
      if (!header) {
        header = parseHeader(l.text); // a wrong file fails the source here
        this.columns = Object.keys(header.index).length;
        continue;
      }
      if (l.text === '') continue;
      const fields = l.text.split('|');
      const trailing = header.fieldCount > 0 && fields.length === header.fieldCount - 1;
      if (fields.length !== header.fieldCount && !trailing) {
        yield { rejected: { line: l.lineNo, reason: `${fields.length} fields, the header has ${header.fieldCount}` } };
        continue;
      }
      // Only the columns of the checks and keys: most persons are unchanged and never mapped (map() picks the rest).
      const line = pick(header, fields, true);
      const problem = checkLine(line);
      if (problem) {
        yield { rejected: { line: l.lineNo, reason: problem } };
        continue;
      }
      const idNat = personOf(line);
      if (person && person.idNat !== idNat) {
        yield rawPerson(header, person, texts);
        person = undefined;
        texts = [];
      }
      person ??= { idNat, lines: [] };
      person.lines.push({ lineNo: l.lineNo, line });
      texts.push(l.text);
    }
    if (person && header) yield rawPerson(header, person, texts);
  }
}

/** The person of a line: its national id, else type + id. */
function personOf(line: RppsLine): string {
  return line.idNat ?? `${line.typeId}${line.id}`;
}

/**
 * A person's record, mapped only when its lines changed (the engine compares the lines' fingerprint). `person` has
 * the key columns only; map() reads every column of the lines again.
 */
function rawPerson(header: Header, person: PersonLines, texts: string[]): ParsedRecord {
  const map = () => mapPerson({ idNat: person.idNat, lines: person.lines.map((x, i) => ({ lineNo: x.lineNo, line: pick(header, texts[i].split('|')) })) });
  return { raw: { text: texts.join('\n'), keys: personKeys(person), line: person.lines[0].lineNo, map } };
}

function checkLine(l: RppsLine): string | undefined {
  if (l.typeId !== '8' && l.typeId !== '0') return `unknown identifier type '${l.typeId ?? ''}' (8 RPPS, 0 ADELI)`;
  if (l.typeId === '8' && !/^[0-9]{11}$/.test(l.id ?? '')) return `invalid RPPS number '${l.id ?? ''}'`;
  if (l.typeId === '0' && !/^[0-9][0-9AB][0-9]{7}$/.test(l.id ?? '')) return `invalid ADELI number '${l.id ?? ''}'`;
  if (l.idNat && l.idNat !== `${l.typeId}${l.id}`) return `national id '${l.idNat}' is not type + id '${l.typeId}${l.id}'`;
  if (!l.nom) return "empty Nom d'exercice";
  if (l.finessSite && !/^[0-9][0-9AB][0-9]{7}$/.test(l.finessSite)) return `invalid FINESS site '${l.finessSite}'`;
  return undefined;
}

function isZipFile(path: string): boolean {
  const fd = fs.openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    return b.readUInt32LE(0) === 0x04034b50;
  } finally {
    fs.closeSync(fd);
  }
}

/** A Readable that opens the zip entry on first read (TextFile wants a synchronous factory). */
function lazyZipStream(path: string) {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  openZipEntry(path, ENTRY).then(
    (s) => {
      // A read stopped early (a restarted scan) destroys `out`: close the entry and the zip with it.
      out.on('close', () => s.destroy());
      s.on('error', (err) => out.destroy(err));
      s.pipe(out);
    },
    (err) => out.destroy(err),
  );
  return out;
}
