/**
 * RecordSource over RPPS PS_LibreAcces: the zip (its Personne_activite entry is streamed) or the txt itself.
 * Lines of one person are contiguous in the extract (it is sorted by person); a person whose lines come back later
 * is reported as a duplicate by the engine rather than silently merged.
 */
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { ParsedRecord, RecordSource, Rejection, SyncKind } from '../types';
import { TextFile } from '../io/text-lines';
import { findZipEntry, openZipEntry } from '../io/zip';
import type { Header, RppsLine } from './columns';
import { parseHeader, pick } from './columns';
import type { PersonLines } from './map';
import { mapPerson, personKeys } from './map';

const ENTRY = /Personne_activite.*\.(txt|csv)$/i;

export class RppsSource implements RecordSource {
  readonly name = 'rpps';
  readonly kinds: SyncKind[] = ['rpps-practitioner', 'rpps-role'];
  readonly warnings: Rejection[] = [];
  private readonly file: TextFile;
  private readonly isZip: boolean;
  private entrySize = 0;
  columns = 0;

  constructor(private readonly path: string) {
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

  async *read(): AsyncGenerator<ParsedRecord> {
    if (this.isZip && !this.entrySize) {
      const entry = await findZipEntry(this.path, ENTRY);
      if (!entry) throw new Error(`no Personne_activite file in the zip ${this.path}`);
      this.entrySize = entry.size;
    }
    let header: Header | undefined;
    let person: PersonLines | undefined;
    let texts: string[] = [];
    for await (const l of this.file.lines()) {
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
      const line = pick(header, fields);
      const problem = checkLine(line);
      if (problem) {
        yield { rejected: { line: l.lineNo, reason: problem } };
        continue;
      }
      const idNat = line.idNat ?? `${line.typeId}${line.id}`;
      if (person && person.idNat !== idNat) {
        yield rawPerson(person, texts);
        person = undefined;
        texts = [];
      }
      person ??= { idNat, lines: [] };
      person.lines.push({ lineNo: l.lineNo, line });
      texts.push(l.text);
    }
    if (person) yield rawPerson(person, texts);
  }
}

/** A person's record, mapped only when its lines changed (the engine compares the lines' fingerprint). */
function rawPerson(person: PersonLines, texts: string[]): ParsedRecord {
  return { raw: { text: texts.join('\n'), keys: personKeys(person), line: person.lines[0].lineNo, map: () => mapPerson(person) } };
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
    (s) => s.pipe(out),
    (err) => out.destroy(err),
  );
  return out;
}
