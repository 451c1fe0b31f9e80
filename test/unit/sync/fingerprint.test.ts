import { fingerprint, idFor, rawItemFingerprint, textDigest } from '../../../src/sync/reconcile/state';
import { LineDecoder } from '../../../src/sync/io/decode';
import { prune } from '../../../src/sync/map-common';

describe('fingerprints and ids are stable across versions of the code', () => {
  // Values computed by the code of the first national import (createHash per call): a change here would make the
  // next nightly run re-map every record, or give resources new ids.
  test('text digest, item fingerprint, resource fingerprint', () => {
    const d = textDigest('8|10000007651|810000007651|DR||M||LAURENT|Marie|\nsecond line é');
    expect(d).toBe('RqzhtnZU5oYZ9bEzcPB9HQ==');
    expect(rawItemFingerprint(d, 'rpps-role', '810000007651-R000000003279', 'rpps-810000007651,-,')).toBe(171867387055303);
    expect(fingerprint('{"resourceType":"Organization"}')).toBe(137335545735854);
  });

  test('ids', () => {
    expect(idFor('rpps-role', '810000007651-R000000003279')).toBe('rpps-role-810000007651-R000000003279');
    expect(idFor('rpps-role', 'a b/c')).toBe('rpps-role-fa4fb713ddea8a2de316eebb6c7c7a2470987319');
    expect(idFor('finess-et', '0'.repeat(54))).toBe(`finess-et-${'0'.repeat(54)}`);
    expect(idFor('finess-et', '0'.repeat(55))).toMatch(/^finess-et-[0-9a-f]{40}$/);
  });
});

describe('LineDecoder', () => {
  test('ASCII, UTF-8, then a line that is not UTF-8 in a UTF-8 file', () => {
    const d = new LineDecoder();
    expect(d.decode(Buffer.from('plain'))).toBe('plain');
    expect(d.encoding).toBe('ascii');
    expect(d.decode(Buffer.from('Hélène €', 'utf8'))).toBe('Hélène €');
    expect(d.encoding).toBe('utf-8');
    expect(() => d.decode(Buffer.from([0x48, 0xe9, 0x6c]))).toThrow(/not valid UTF-8/);
  });

  test('Windows-1252 detected on the first line that is not UTF-8', () => {
    const d = new LineDecoder();
    expect(d.decode(Buffer.from([0xef, 0xbb, 0xbf, 0x41]))).toBe('A');
    const cp = new LineDecoder();
    expect(cp.decode(Buffer.from([0x48, 0xe9, 0x6c, 0x80]))).toBe('Hél€');
    expect(cp.encoding).toBe('windows-1252');
    expect(() => cp.decode(Buffer.from([0x81]))).toThrow(/unassigned/);
  });
});

describe('prune: what a mapped resource keeps', () => {
  test('drops empty strings, null, undefined and the arrays and objects they leave empty, at any depth', () => {
    const pruned = prune({
      a: '',
      b: null,
      c: undefined,
      d: [],
      e: {},
      f: [{ x: '' }, { y: [null, ''] }],
      g: { h: { i: '' } },
      keep: { zero: 0, no: false, text: 'x', list: ['', 'y', undefined, 'z'], nested: [{ v: 'w', empty: {} }] },
    });
    expect(pruned).toEqual({ keep: { zero: 0, no: false, text: 'x', list: ['y', 'z'], nested: [{ v: 'w' }] } });
  });

  test('keeps the order of keys (the fingerprint is of the JSON text) and returns undefined when nothing is left', () => {
    expect(Object.keys(prune({ z: 1, a: 2, m: { q: 1, b: 2 } }))).toEqual(['z', 'a', 'm']);
    expect(JSON.stringify(prune({ z: 1, a: 2, m: { q: 1, b: 2 } }))).toBe('{"z":1,"a":2,"m":{"q":1,"b":2}}');
    expect(prune({ a: [{ b: '' }] })).toBeUndefined();
    expect(prune([])).toBeUndefined();
  });
});
