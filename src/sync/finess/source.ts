/**
 * RecordSources over FINESS etalab files: establishments (cs1100502, or cs1100507 with geolocation) and legal
 * entities (cs1100501). The geolocation lines of cs1100507 come after all the structureet lines, so a first read
 * collects them (a small map: ~100,000 × 4 fields) before establishments are mapped.
 */
import type { ParsedRecord, RecordSource, SyncKind } from '../types';
import { TextFile } from '../io/text-lines';
import type { EjRow, EtRow, GeoRow } from './etalab';
import { EJ_FIELDS, ET_FIELDS, GEO_FIELDS, readEtalab } from './etalab';
import { mapEj, mapEt } from './map';

/** One etalab file read line by line: its detected encoding and read progress. */
abstract class EtalabFileSource {
  protected readonly file: TextFile;

  constructor(path: string, file?: TextFile) {
    this.file = file ?? new TextFile(path);
  }

  get encoding(): string {
    return this.file.encoding;
  }

  progress() {
    return { done: this.file.bytesRead, total: this.file.size };
  }
}

export class FinessEtSource extends EtalabFileSource implements RecordSource {
  readonly name = 'finess';
  readonly kinds: SyncKind[] = ['finess-et', 'finess-et-location'];
  private geo: Map<string, GeoRow & { lineNo: number }> | undefined;
  /** Non-fatal problems (unconvertible coordinates…), reported with the rejections but not counted as such. */
  readonly warnings: { line: number; reason: string }[] = [];

  private async loadGeo(): Promise<Map<string, GeoRow & { lineNo: number }>> {
    const geo = new Map<string, GeoRow & { lineNo: number }>();
    for await (const l of readEtalab(this.file.lines())) {
      if (l.kind === 'geo') geo.set(l.row.nofinesset, { ...l.row, lineNo: l.lineNo });
    }
    return geo;
  }

  async *read(): AsyncGenerator<ParsedRecord> {
    const first = !this.geo;
    this.geo ??= await this.loadGeo();
    const geoMap = this.geo;
    const seenEt = new Set<string>();
    for await (const l of readEtalab(this.file.lines())) {
      if (l.kind === 'rejected') yield { rejected: { line: l.lineNo, reason: l.reason } };
      else if (l.kind === 'ej') yield { rejected: { line: l.lineNo, reason: 'structureej line in an establishment file (give it with --finess-ej)' } };
      else if (l.kind === 'et') {
        const { row, lineNo } = l;
        seenEt.add(row.nofinesset);
        const geo = geoMap.get(row.nofinesset);
        yield {
          raw: {
            text: `${fieldsText(ET_FIELDS, row)}\n${geo ? fieldsText(GEO_FIELDS, geo) : ''}`,
            keys: [
              { kind: 'finess-et', key: row.nofinesset, links: [{ kind: 'finess-ej', key: row.nofinessej }] },
              { kind: 'finess-et-location', key: row.nofinesset, links: [{ kind: 'finess-et', key: row.nofinesset }] },
            ],
            line: lineNo,
            // Warnings (unconvertible coordinates) are reported for the records mapped, i.e. new or changed ones.
            map: () => {
              const mapped = mapEt(row, lineNo, geo);
              for (const w of mapped.warnings) this.warnings.push({ line: lineNo, reason: w });
              return mapped.items;
            },
          },
        };
      } else if (l.kind === 'geo' && first && !seenEt.has(l.row.nofinesset)) {
        this.warnings.push({ line: l.lineNo, reason: `geolocalisation of ${l.row.nofinesset}, an establishment absent from the file` });
      }
    }
  }
}

export class FinessEjSource extends EtalabFileSource implements RecordSource {
  readonly name = 'finess-ej';
  readonly kinds: SyncKind[] = ['finess-ej'];

  async *read(): AsyncGenerator<ParsedRecord> {
    for await (const l of readEtalab(this.file.lines())) {
      if (l.kind === 'rejected') yield { rejected: { line: l.lineNo, reason: l.reason } };
      else if (l.kind === 'ej') {
        const { row, lineNo } = l;
        yield { raw: { text: fieldsText(EJ_FIELDS, row), keys: [{ kind: 'finess-ej', key: row.nofiness }], line: lineNo, map: () => [mapEj(row, lineNo)] } };
      }
      else if (l.kind === 'et' || l.kind === 'geo') {
        yield { rejected: { line: l.lineNo, reason: `${l.kind === 'et' ? 'structureet' : 'geolocalisation'} line in a legal-entity file (give it with --finess)` } };
      }
    }
  }
}

/** The normalized text of a row (its named, trimmed fields): what the mapping reads. */
function fieldsText(names: readonly string[], row: EtRow | EjRow | GeoRow): string {
  const r = row as Record<string, string>;
  let out = '';
  for (const n of names) out += `${r[n]}\u0001`;
  return out;
}
