import { Readable } from 'node:stream';
import { splitFinessFields } from '../../../src/sync/io/csv';
import { LineDecoder, UndecodableLineError } from '../../../src/sync/io/decode';
import { readLines } from '../../../src/sync/io/lines';
import { inseeCode, isValidDate, isValidFiness } from '../../../src/sync/finess/validate';
import { parseHeader } from '../../../src/sync/rpps/columns';

async function lines(chunks: string[]) {
  const out: string[] = [];
  for await (const l of readLines(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(`${l.lineNo}:${l.bytes.toString()}`);
  return out;
}

describe('line splitting', () => {
  test('\\n and \\r\\n, lines across chunks, last line without newline', async () => {
    expect(await lines(['a;b\r', '\nc', 'd\n', 'e'])).toEqual(['1:a;b', '2:cd', '3:e']);
  });
});

describe('RFC 4180 fields', () => {
  test('doubled quotes, separators inside quotes, trailing empty field', () => {
    expect(splitFinessFields('a;"LIEU DE VIE ""MAVOUNA MEMA 1""";"x;y";')).toEqual(['a', 'LIEU DE VIE "MAVOUNA MEMA 1"', 'x;y', '']);
  });
  test('an open quote asks for the next line', () => {
    expect(splitFinessFields('a;"open')).toBeUndefined();
    expect(splitFinessFields('a;"open\nclosed";b')).toEqual(['a', 'open\nclosed', 'b']);
  });
});

describe('encoding detection', () => {
  test('UTF-8 stays UTF-8; a later invalid line is undecodable, not a switch', () => {
    const d = new LineDecoder();
    expect(d.decode(Buffer.from('Médecin'))).toBe('Médecin');
    expect(() => d.decode(Buffer.from([0x4d, 0xe9, 0x64]))).toThrow(UndecodableLineError);
    expect(d.encoding).toBe('utf-8');
  });
  test('Windows-1252 detected on the first non-UTF-8 line', () => {
    const d = new LineDecoder();
    expect(d.decode(Buffer.from('ascii only'))).toBe('ascii only');
    expect(d.decode(Buffer.from([0x4d, 0xe9, 0x64, 0x80]))).toBe('Méd€');
    expect(d.encoding).toBe('windows-1252');
    expect(() => d.decode(Buffer.from([0x81]))).toThrow(/unassigned/);
  });
});

describe('FINESS field checks', () => {
  test('FINESS numbers: pattern and Luhn key', () => {
    expect(isValidFiness('010000024')).toBe(true);
    expect(isValidFiness('010000025')).toBe(false);
    expect(isValidFiness('2A0000xx1')).toBe(false);
    expect(isValidFiness('01000002')).toBe(false);
  });
  test('dates must exist', () => {
    expect(isValidDate('2024-02-29')).toBe(true);
    expect(isValidDate('2023-02-29')).toBe(false);
    expect(isValidDate('2023-13-01')).toBe(false);
  });
  test('INSEE codes, overseas and Corsica', () => {
    expect(inseeCode('01', '451')).toBe('01451');
    expect(inseeCode('9D', '411')).toBe('97411');
    expect(inseeCode('9J', '613')).toBe('98613');
    expect(inseeCode('2A', '004')).toBe('2A004');
  });
});

describe('RPPS header', () => {
  test('a file without the required columns is refused', () => {
    expect(() => parseHeader('a|b|c|')).toThrow(/missing column/);
  });
});
