/**
 * Line decoding with encoding detection: FINESS files are Windows-1252 until 2025 and UTF-8 since 2026
 * (../shared/referentiels/NOTES.md), with no marker saying which. Rule: strict UTF-8 first; the first line that is
 * not valid UTF-8 switches the file to Windows-1252, unless multi-byte UTF-8 was already seen, in which case the file
 * is UTF-8 and that line is undecodable (reported, never fatal). In Windows-1252 the five unassigned bytes
 * (0x81 0x8D 0x8F 0x90 0x9D) make a line undecodable.
 */
import { isAscii, isUtf8 } from 'node:buffer';

export type Encoding = 'utf-8' | 'windows-1252';

export class UndecodableLineError extends Error {}

const CP1252_UNASSIGNED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
/** Windows-1252 characters of bytes 0x80-0x9F (the rest of the code page is Latin-1). */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

export class LineDecoder {
  private sawMultiByteUtf8 = false;
  private first = true;

  constructor(private mode: Encoding | 'auto' = 'auto') {}

  /** The encoding decided so far: 'ascii' while every line was plain ASCII (valid in both). */
  get encoding(): Encoding | 'ascii' {
    if (this.mode !== 'auto') return this.mode;
    return this.sawMultiByteUtf8 ? 'utf-8' : 'ascii';
  }

  /** The text of one line; throws UndecodableLineError when its bytes are not valid in the file's encoding. */
  decode(bytes: Buffer): string {
    let b = bytes;
    if (this.first) {
      this.first = false;
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
        this.mode = 'utf-8';
        b = b.subarray(3);
      }
    }
    // isAscii / isUtf8 are native (simdutf): the RPPS file is 2.3 million lines of ≈ 350 bytes.
    if (isAscii(b)) return b.toString('latin1');
    if (this.mode === 'windows-1252') return this.decodeCp1252(b);
    if (isUtf8(b)) {
      this.sawMultiByteUtf8 = true;
      return b.toString('utf8');
    }
    if (this.mode === 'utf-8' || this.sawMultiByteUtf8) {
      this.mode = 'utf-8';
      throw new UndecodableLineError('bytes that are not valid UTF-8 in a UTF-8 file');
    }
    this.mode = 'windows-1252';
    return this.decodeCp1252(b);
  }

  private decodeCp1252(b: Buffer): string {
    for (const byte of b) {
      if (CP1252_UNASSIGNED.has(byte)) {
        throw new UndecodableLineError(`byte 0x${byte.toString(16)} is unassigned in Windows-1252`);
      }
    }
    // Node's TextDecoder('windows-1252') decodes 0x80-0x9F as Latin-1 control characters: map them here.
    return b.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
  }
}
