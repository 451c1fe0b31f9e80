import { dateRange, decimalRange, normalizeString, normalizeUnicode } from '../../../src/indexing/index-values';
import { orValues, parseDate, parseNear, parseQuantity, parseToken, splitUnescaped, unescape } from '../../../src/fhir/search/parse';
import { FhirError } from '../../../src/errors';
import { Terminology } from '../../../src/terminology/terminology';
import { readTerminologyFolder } from '../../../src/terminology/folder';
import { tempDir } from '../../helpers/tmp';
import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { contentText } from '../../../src/indexing/extract';

const iso = (ms: number) => new Date(ms).toISOString();

describe('normalizeString', () => {
  test('folds case, accents and whitespace', () => {
    expect(normalizeString('  Hôpital   NORD ')).toBe('hopital nord');
    expect(normalizeString('Écully Saint-Étienne')).toBe('ecully saint-etienne');
  });

  test('the printable-ASCII shortcut gives what the general pass gives', () => {
    const samples = ['', ' ', '   ', 'ABC', ' a', 'a ', '  a  b  ', 'a\tb', 'a\nb', 'urn:oid:1.2.250.1.71.4.2.1', 'SAINT  PIERRE ', '~!@#$%^&*()_+{}|:"<>?`-=[];\',./', 'Zoë', 'x\u00a0y', 'ﬁ'];
    for (let c = 0; c < 128; c++) samples.push(`A${String.fromCharCode(c)}b`, String.fromCharCode(c));
    for (const s of samples) expect([s, normalizeString(s)]).toEqual([s, normalizeUnicode(s)]);
  });
});

describe('dateRange: implicit ranges of partial dates', () => {
  test.each([
    ['2020', '2020-01-01T00:00:00.000Z', '2020-12-31T23:59:59.999Z'],
    ['2020-02', '2020-02-01T00:00:00.000Z', '2020-02-29T23:59:59.999Z'],
    ['2021-12-31', '2021-12-31T00:00:00.000Z', '2021-12-31T23:59:59.999Z'],
    ['2020-03-01T10:00+01:00', '2020-03-01T09:00:00.000Z', '2020-03-01T09:00:59.999Z'],
    ['2020-03-01T10:00:05Z', '2020-03-01T10:00:05.000Z', '2020-03-01T10:00:05.999Z'],
    ['2020-03-01T10:00:05.1-02:00', '2020-03-01T12:00:05.100Z', '2020-03-01T12:00:05.199Z'],
    ['2020-03-01T10:00:05.123Z', '2020-03-01T10:00:05.123Z', '2020-03-01T10:00:05.123Z'],
  ])('%s', (text, lo, hi) => {
    const r = dateRange(text)!;
    expect([iso(r[0]), iso(r[1])]).toEqual([lo, hi]);
  });
  test('rejects non-dates', () => {
    expect(dateRange('2020-13')).toBeUndefined();
    expect(dateRange('yesterday')).toBeUndefined();
  });
});

describe('decimalRange: implicit range from precision', () => {
  test.each([
    ['100', 99.5, 100.5],
    ['100.0', 99.95, 100.05],
    ['0.25', 0.245, 0.255],
    ['-3', -3.5, -2.5],
  ])('%s', (text, lo, hi) => {
    const [a, b] = decimalRange(text)!;
    expect(a).toBeCloseTo(lo, 10);
    expect(b).toBeCloseTo(hi, 10);
  });
  test('rejects non-numbers', () => expect(decimalRange('1,5')).toBeUndefined());
});

describe('escaping', () => {
  test('commas, pipes, dollars and backslashes', () => {
    expect(orValues('a\\,b,c')).toEqual(['a\\,b', 'c']);
    expect(unescape('a\\,b\\|c\\$d\\\\e')).toBe('a,b|c$d\\e');
    expect(splitUnescaped('s\\|x|code', '|')).toEqual(['s\\|x', 'code']);
  });
});

/** No ANS short names: the token's system is kept as written. */
const noAlias = () => undefined;

describe('typed values', () => {
  test('tokens', () => {
    expect(parseToken('c', noAlias)).toEqual({ code: 'c' });
    expect(parseToken('s|c', noAlias)).toEqual({ system: 's', code: 'c' });
    expect(parseToken('|c', noAlias)).toEqual({ system: null, code: 'c' });
    expect(parseToken('s|', noAlias)).toEqual({ system: 's' });
    expect(parseToken('s\\|x|c', noAlias)).toEqual({ system: 's|x', code: 'c' });
  });
  test('dates with prefixes; unknown prefix is a 400 naming the parameter', () => {
    expect(parseDate('birthdate', 'ge2020').prefix).toBe('ge');
    expect(() => parseDate('birthdate', 'zz2020')).toThrow(FhirError);
    expect(() => parseDate('birthdate', 'zz2020')).toThrow(/birthdate/);
  });
  test('quantities', () => {
    expect(parseQuantity('q', 'gt5.4|http://unitsofmeasure.org|mg')).toMatchObject({
      prefix: 'gt', value: 5.4, system: 'http://unitsofmeasure.org', code: 'mg',
    });
    expect(parseQuantity('q', '5||mg')).toMatchObject({ value: 5, code: 'mg' });
    expect(parseQuantity('q', '5||mg').system).toBeUndefined();
  });
  test('near: units and defaults', () => {
    expect(parseNear('near', '45|4|500|m')).toEqual({ lat: 45, lon: 4, km: 0.5 });
    expect(parseNear('near', '45|4|2')).toEqual({ lat: 45, lon: 4, km: 2 });
    expect(() => parseNear('near', '95|4|2|km')).toThrow(/near/);
    expect(() => parseNear('near', '45|4|2|parsec')).toThrow(/unit/);
  });
});

describe('local value sets for :in / :not-in', () => {
  test('compose.include with concepts, whole code systems and nested value sets', () => {
    const dir = tempDir();
    fs.writeFileSync(`${dir}/cs.json`, JSON.stringify({ resourceType: 'CodeSystem', url: 'urn:cs', status: 'active', content: 'complete', concept: [{ code: 'a', concept: [{ code: 'a1' }] }, { code: 'b' }] }));
    fs.writeFileSync(`${dir}/vs.json`, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [
      { resource: { resourceType: 'ValueSet', url: 'urn:vs1', status: 'active', compose: { include: [{ system: 'urn:other', concept: [{ code: 'x' }] }, { valueSet: ['urn:vs2'] }] } } },
      { resource: { resourceType: 'ValueSet', url: 'urn:vs2', status: 'active', compose: { include: [{ system: 'urn:cs' }] } } },
    ] }));
    const terminology = new Terminology({ resources: readTerminologyFolder(dir), r4Base: false });
    const expandValueSet = (url: string) => {
      const e = terminology.expand(url);
      return e.kind === 'expanded' ? e.codes.pairs() : undefined;
    };
    expect(expandValueSet('urn:vs1')).toEqual([
      { system: 'urn:other', code: 'x' }, { system: 'urn:cs', code: 'a' }, { system: 'urn:cs', code: 'a1' }, { system: 'urn:cs', code: 'b' },
    ]);
    expect(expandValueSet('urn:cs|1.0')).toHaveLength(3);
    expect(expandValueSet('urn:unknown')).toBeUndefined();
  });
});

describe('_content text', () => {
  /** The definition: every string value but meta, ids, references, systems, urls and markup, joined, normalized. */
  const joinedThenNormalized = (resource: unknown) => {
    const parts: string[] = [];
    const walk = (x: unknown, key: string) => {
      if (typeof x === 'string') {
        if (!['div', 'reference', 'system', 'url'].includes(key)) parts.push(x);
      } else if (Array.isArray(x)) for (const y of x) walk(y, key);
      else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) if (!['meta', 'id', 'resourceType'].includes(k)) walk(y, k);
    };
    walk(resource, '');
    return normalizeUnicode(parts.join(' '));
  };

  test('is the normalized join of every string value outside meta, ids, references, systems, urls and markup', () => {
    const dir = path.join(__dirname, '../../fixtures/ror');
    const resources: unknown[] = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('PATCH'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    const demo = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../src/demo/data/demo-region.bundle.json'), 'utf8'));
    for (const e of demo.entry) resources.push(e.resource);
    resources.push({
      resourceType: 'Organization',
      id: 'x',
      meta: { tag: [{ code: 'SKIPPED' }] },
      name: '  Hôpital\u00a0NORD ',
      alias: ['', ' ', '\u0301accent first', 'ΟΔΟΣ', 'e', '\u0301', 'tab\there', 'x\u2028y'],
      telecom: [{ system: 'phone', value: '01 02' }],
      partOf: { reference: 'Organization/y', display: 'Écully' },
      text: { status: 'generated', div: '<div>skipped</div>' },
    });
    expect(resources.length).toBeGreaterThan(3);
    for (const r of resources) expect(contentText(r as Resource)).toBe(joinedThenNormalized(r));
  });
});
