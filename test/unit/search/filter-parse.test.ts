/** The `_filter` expression parser (src/fhir/search/filter.ts): https://hl7.org/fhir/R4/search_filter.html */
import { parseFilter, type FilterExpression } from '../../../src/fhir/search/filter';
import { FhirError } from '../../../src/errors';

/** A compact text form of a parsed expression, to compare trees at a glance. */
function show(e: FilterExpression): string {
  switch (e.kind) {
    case 'test': {
      const path = e.path.map((s) => (s.filter ? `${s.name}[${show(s.filter)}]` : s.name)).join('.');
      return `${path} ${e.op} ${JSON.stringify(e.value)}`;
    }
    case 'not':
      return `not(${show(e.operand)})`;
    default:
      return `${e.kind}(${e.operands.map(show).join(', ')})`;
  }
}

function parse(text: string): string {
  return show(parseFilter(text));
}

function error(text: string): string {
  try {
    parseFilter(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FhirError);
    const err = e as FhirError;
    expect(err.status).toBe(400);
    expect(err.outcome.issue[0].expression).toEqual(['_filter']);
    return err.outcome.issue[0].diagnostics!;
  }
  throw new Error(`'${text}' parsed`);
}

test.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr', 'po', 'ss', 'sb', 'in', 'ni', 're'])(
  'operator %s',
  (op) => {
    expect(parse(`name ${op} x`)).toBe(`name ${op} "x"`);
    expect(parse(`name ${op.toUpperCase()} x`)).toBe(`name ${op} "x"`);
  },
);

test('values: tokens, JSON strings with escapes, dates, numbers, system|code, URLs', () => {
  expect(parse('name eq "Saint-Denis (93)"')).toBe('name eq "Saint-Denis (93)"');
  expect(parse('name eq "say \\"hi\\" \\\\ \\u00e9"')).toBe('name eq "say \\"hi\\" \\\\ é"');
  expect(parse('name eq ""')).toBe('name eq ""');
  expect(parse('birthdate ge 2014-10-10T10:00:00+01:00')).toBe('birthdate ge "2014-10-10T10:00:00+01:00"');
  expect(parse('value-quantity gt 5.4|http://unitsofmeasure.org|mg')).toBe('value-quantity gt "5.4|http://unitsofmeasure.org|mg"');
  expect(parse('code eq http://loinc.org|1234-5')).toBe('code eq "http://loinc.org|1234-5"');
  expect(parse('active eq true')).toBe('active eq "true"');
  // a token stops at ')' and ']'; a string can hold them
  expect(parse('(name eq a)')).toBe('name eq "a"');
  expect(parse('name eq "a)"')).toBe('name eq "a)"');
});

test('and / or: left to right, no precedence between them (spec), runs of one kept flat', () => {
  expect(parse('a eq 1 and b eq 2 and c eq 3')).toBe('and(a eq "1", b eq "2", c eq "3")');
  expect(parse('a eq 1 or b eq 2 and c eq 3')).toBe('and(or(a eq "1", b eq "2"), c eq "3")');
  expect(parse('a eq 1 and b eq 2 or c eq 3')).toBe('or(and(a eq "1", b eq "2"), c eq "3")');
  expect(parse('a eq 1 or (b eq 2 and c eq 3)')).toBe('or(a eq "1", and(b eq "2", c eq "3"))');
  expect(parse('a eq 1 AND b eq 2 Or c eq 3')).toBe('or(and(a eq "1", b eq "2"), c eq "3")');
});

test('parentheses and not (…), nested, with or without spaces', () => {
  expect(parse('not (a eq 1)')).toBe('not(a eq "1")');
  expect(parse('not(a eq 1 or b eq 2)')).toBe('not(or(a eq "1", b eq "2"))');
  expect(parse(' ( ( a eq 1 ) ) ')).toBe('a eq "1"');
  expect(parse('a eq 1 and not (b eq 2) and(c eq 3)')).toBe('and(a eq "1", not(b eq "2"), c eq "3")');
  expect(parse('not (not (a pr true))')).toBe('not(not(a pr "true"))');
});

test('paths: chains and [filter] on a step', () => {
  expect(parse('organization.name sw "CH"')).toBe('organization.name sw "CH"');
  expect(parse('subject.organization.partof.name co x')).toBe('subject.organization.partof.name co "x"');
  expect(parse('organization[active eq true].name co x')).toBe('organization[active eq "true"].name co "x"');
  expect(parse('location[address-city eq Paris or address-city eq "Lyon"].organization[_id eq o1].name eq y')).toBe(
    'location[or(address-city eq "Paris", address-city eq "Lyon")].organization[_id eq "o1"].name eq "y"',
  );
  expect(parse('_lastUpdated gt 2020-01-01')).toBe('_lastUpdated gt "2020-01-01"');
});

test('errors say what was expected and where (1-based position)', () => {
  expect(error('')).toBe('_filter: the filter is empty, at the end of the filter');
  expect(error('name xx "a"')).toBe(
    "_filter: unknown operator 'xx' (expected eq, ne, co, sw, ew, gt, lt, ge, le, ap, sa, eb, pr, po, ss, sb, in, ni or re), at position 6 (near 'xx \"a\"')",
  );
  expect(error('name eq')).toBe("_filter: expected a space and a value after 'eq', at the end of the filter");
  expect(error('name eq "abc')).toBe(`_filter: unterminated string (a value in double quotes), at position 9 (near '"abc')`);
  expect(error('name eq "a\\qb"')).toMatch(/^_filter: invalid string "a\\qb" .*, at position 9 /);
  expect(error('name eq a b eq c')).toBe("_filter: expected 'and', 'or' or the end of the filter, at position 11 (near 'b eq c')");
  expect(error('(name eq a')).toBe("_filter: expected ')', at the end of the filter");
  expect(error('name eq a)')).toBe("_filter: unbalanced ')', at position 10 (near ')')");
  expect(error('not name eq a')).toBe("_filter: expected '(' after 'not', at position 5 (near 'name eq a')");
  expect(error('a eq 1 and')).toBe("_filter: expected a space after 'and', at the end of the filter");
  expect(error('a eq 1 and ')).toBe("_filter: expected a parameter name, '(' or 'not (', at the end of the filter");
  expect(error('organization[name eq a] eq b')).toBe(
    "_filter: expected '.' and a parameter of the resources 'organization[…]' points to, at position 24 (near ' eq b')",
  );
  expect(error('organization[name eq a.x eq b')).toBe("_filter: expected 'and', 'or', ')' or ']', at position 26 (near 'eq b')");
  expect(error('organization[name eq a')).toBe("_filter: expected ']', at the end of the filter");
  expect(error('organization. eq b')).toBe("_filter: expected a parameter name after '.', at position 14 (near ' eq b')");
  expect(error('9name eq b')).toBe("_filter: expected a parameter name, '(' or 'not (', at position 1 (near '9name eq b')");
  expect(error('name  eq  ')).toBe('_filter: expected a value, at the end of the filter');
});

test('nesting is bounded (the parser recurses once per level)', () => {
  const deep = `${'('.repeat(40)}a eq 1${')'.repeat(40)}`;
  expect(error(deep)).toMatch(/^_filter: parentheses and brackets nest more than 32 levels, at position 34 /);
  expect(parse(`${'('.repeat(30)}a eq 1${')'.repeat(30)}`)).toBe('a eq "1"');
});

test('a long run of and / or is one flat node; tests beyond maxTests are refused before the rest is read', () => {
  const long = Array.from({ length: 50_000 }, (_, i) => `a eq ${i}`).join(' and ');
  const e = parseFilter(long);
  expect(e.kind === 'and' && e.operands.length).toBe(50_000);
  try {
    parseFilter('a eq 1 or b eq 2 or c eq 3', 2);
    throw new Error('parsed');
  } catch (err) {
    expect((err as FhirError).outcome.issue[0]).toMatchObject({
      code: 'too-costly',
      diagnostics: "_filter: more than 2 tests (ROR_MAX_TOTAL_OR_VALUES), at position 21 (near 'c eq 3')",
    });
  }
});
