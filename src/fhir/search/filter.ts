/**
 * `_filter` (https://hl7.org/fhir/R4/search_filter.html): a parser for its expression grammar and the compilation
 * of an expression into the Condition tree of a SearchPlan, so a store adapter runs it as any other search.
 *
 * The grammar is small (tests, `and` / `or` / `not (…)`, parentheses, chained paths, `[filter]` on a path): a
 * hand-written recursive-descent parser, no library. As the spec says, `and` and `or` have no precedence between
 * them: `a or b and c` is `(a or b) and c`, evaluated left to right. Keywords and operators are read in any case
 * (ABNF literals are case-insensitive).
 *
 * Each test `param op value` becomes the plain search criterion that means the same (`name co "x"` is
 * `name:contains=x`, `date ge 2020` is `date=ge2020`, `code in vs` is `code:in=vs`, `x pr true` is
 * `x:missing=false`), planned by the same code as the query's other parameters, so both mean the same thing and
 * obey the same limits. What the server cannot do is refused with a 400 naming the operator and the position.
 */
import { allResourceTypes } from '../../definitions';
import { FhirError } from '../../errors';
import type { SearchParamDef, SearchParamType } from '../../indexing/registry';
import type { Condition } from '../../store/search-plan';

export type FilterOp =
  | 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le' | 'ap' | 'sa' | 'eb'
  | 'pr' | 'po' | 'ss' | 'sb' | 'in' | 'ni' | 're';

const OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr', 'po', 'ss', 'sb', 'in', 'ni', 're']);

/** One step of a parameter path: `name`, with a `[filter]` on the resources a reference parameter points to. */
export interface FilterPathStep {
  name: string;
  filter?: FilterExpression;
  /** Position of the name in the expression (0-based). */
  at: number;
}

export interface FilterTest {
  kind: 'test';
  path: FilterPathStep[];
  op: FilterOp;
  /** The value, quotes and JSON escapes removed. */
  value: string;
  /** Position of the test (its path) and of its operator in the expression (0-based). */
  at: number;
  opAt: number;
}

export type FilterExpression =
  | FilterTest
  | { kind: 'and' | 'or'; operands: FilterExpression[] }
  | { kind: 'not'; operand: FilterExpression };

/** Parentheses, `not (…)` and `[…]` nest at most this deep: the parser recurses once per level. */
const MAX_NESTING = 32;

/** The name of the query parameter, in messages and OperationOutcome expressions. */
const PARAM = '_filter';

/**
 * Parses a `_filter` expression; a 400 saying what was expected, at which position, when it is not one, and when it
 * has more than `maxTests` tests (before any more of it is read).
 */
export function parseFilter(text: string, maxTests = Infinity): FilterExpression {
  return new Parser(text, maxTests).parse();
}

class Parser {
  private pos = 0;
  private tests = 0;
  constructor(
    private readonly text: string,
    private readonly maxTests: number,
  ) {}

  parse(): FilterExpression {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail('the filter is empty');
    const e = this.expression(0);
    if (this.pos < this.text.length) {
      this.fail(this.peek() === ')' || this.peek() === ']' ? `unbalanced '${this.peek()}'` : `expected 'and', 'or' or the end of the filter`);
    }
    return e;
  }

  /** `operand (("and" / "or") operand)*`, left to right with no precedence; stops before `)`, `]` or the end. */
  private expression(depth: number): FilterExpression {
    if (depth > MAX_NESTING) this.fail(`parentheses and brackets nest more than ${MAX_NESTING} levels`);
    let left = this.operand(depth);
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === undefined || c === ')' || c === ']') return left;
      const at = this.pos;
      const word = this.word().toLowerCase();
      if (word !== 'and' && word !== 'or') {
        this.pos = at;
        this.fail(`expected 'and', 'or'${depth > 0 ? ", ')' or ']'" : ' or the end of the filter'}`);
      }
      if (!this.atSpace() && this.peek() !== '(') this.fail(`expected a space after '${word}'`);
      const right = this.operand(depth);
      // and / or are associative: a run of the same one is one node (built here, so extended in place)
      if (left.kind === word) left.operands.push(right);
      else left = { kind: word, operands: [left, right] };
    }
  }

  /** `"(" filter ")"`, `"not" "(" filter ")"` or a test. */
  private operand(depth: number): FilterExpression {
    this.skipSpace();
    if (this.peek() === '(') return this.parenthesized(depth);
    const at = this.pos;
    if (this.word().toLowerCase() === 'not') {
      this.skipSpace();
      if (this.peek() === '(') return { kind: 'not', operand: this.parenthesized(depth) };
      this.fail("expected '(' after 'not'");
    }
    this.pos = at;
    return this.test(depth);
  }

  private parenthesized(depth: number): FilterExpression {
    this.pos++; // (
    this.skipSpace();
    const e = this.expression(depth + 1);
    this.skipSpace();
    if (this.peek() !== ')') this.fail("expected ')'");
    this.pos++;
    return e;
  }

  /** `paramPath SP compareOp SP compValue`. */
  private test(depth: number): FilterTest {
    const at = this.pos;
    if (++this.tests > this.maxTests) {
      throw filterError(this.text, at, `more than ${this.maxTests} tests (ROR_MAX_TOTAL_OR_VALUES)`, 400, 'too-costly');
    }
    const path = this.path(depth);
    if (!this.atSpace()) this.fail(`expected a space and an operator after '${path[path.length - 1].name}'`);
    this.skipSpace();
    const opAt = this.pos;
    const op = this.word().toLowerCase();
    if (!op) this.fail('expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le, ap, sa, eb, pr, po, ss, sb, in, ni, re)');
    if (!OPS.has(op)) {
      this.pos = opAt;
      this.fail(`unknown operator '${op}' (expected eq, ne, co, sw, ew, gt, lt, ge, le, ap, sa, eb, pr, po, ss, sb, in, ni or re)`);
    }
    if (!this.atSpace()) this.fail(`expected a space and a value after '${op}'`);
    this.skipSpace();
    return { kind: 'test', path, op: op as FilterOp, value: this.value(), at, opAt };
  }

  /** `paramName ("[" filter "]")? ("." paramPath)?`; a `[filter]` must be followed by `.` and a parameter. */
  private path(depth: number): FilterPathStep[] {
    const steps: FilterPathStep[] = [];
    for (;;) {
      const at = this.pos;
      const name = this.name();
      if (!name) this.fail(steps.length ? "expected a parameter name after '.'" : "expected a parameter name, '(' or 'not ('");
      const step: FilterPathStep = { name, at };
      if (this.peek() === '[') {
        this.pos++;
        this.skipSpace();
        step.filter = this.expression(depth + 1);
        this.skipSpace();
        if (this.peek() !== ']') this.fail("expected ']'");
        this.pos++;
        if (this.peek() !== '.') this.fail(`expected '.' and a parameter of the resources '${name}[…]' points to`);
      }
      steps.push(step);
      if (this.peek() !== '.') return steps;
      this.pos++;
    }
  }

  /** A JSON string, or a token: any non-whitespace characters but `)` and `]`. */
  private value(): string {
    const at = this.pos;
    if (this.peek() === '"') {
      let i = this.pos + 1;
      while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1;
      if (i >= this.text.length) this.fail('unterminated string (a value in double quotes)');
      const literal = this.text.slice(at, i + 1);
      try {
        this.pos = i + 1;
        return JSON.parse(literal) as string;
      } catch {
        this.pos = at;
        return this.fail(`invalid string ${literal.slice(0, 60)} (JSON escapes only: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
      }
    }
    while (this.pos < this.text.length && !/[\s)\]]/u.test(this.text[this.pos])) this.pos++;
    if (this.pos === at) this.fail('expected a value');
    return this.text.slice(at, this.pos);
  }

  /** `nameCharStart (nameChar)*`, or '' when there is none here. */
  private name(): string {
    const m = /^[_A-Za-z][-_0-9A-Za-z]*/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }

  /** Letters (a keyword or an operator), or '' when there are none here. */
  private word(): string {
    const m = /^[A-Za-z]+/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private atSpace(): boolean {
    return this.pos < this.text.length && /\s/u.test(this.text[this.pos]);
  }

  private skipSpace(): void {
    while (this.atSpace()) this.pos++;
  }

  private fail(message: string): never {
    throw filterError(this.text, this.pos, message);
  }
}

/** `_filter: <message> at position N (near '…')` - positions count from 1, on the decoded expression. */
function filterError(text: string, pos: number, message: string, status = 400, code: FhirError['outcome']['issue'][number]['code'] = 'invalid'): FhirError {
  const where = pos >= text.length ? 'at the end of the filter' : `at position ${pos + 1} (near '${text.slice(pos, pos + 30)}')`;
  return new FhirError(status, `${PARAM}: ${message}, ${where}`, code, [PARAM]);
}

/** What compiling reads and calls: the planner of the query's plain parameters. */
export interface FilterScope {
  /** The definition of a parameter on the first of `types` that has it. */
  param(types: string[], code: string): SearchParamDef | undefined;
  /** The condition of the plain criterion `name=value` on `types`: a FhirError for bad input; nothing is ignored. */
  criterion(types: string[], name: string, value: string): Condition;
  /** Conditions ANDed on `types`, merged as the query's own parameters are (element groups, see mergeGroups). */
  and(types: string[], conditions: Condition[]): Condition[];
  /** Links of a chain (ROR_MAX_CHAIN_DEPTH). */
  maxChainDepth: number;
  /** Tests of one filter, read before any is planned (each then counts as one value of ROR_MAX_TOTAL_OR_VALUES). */
  maxTests: number;
}

/** Parses `text` and compiles it into one condition on resources of `types`. */
export function compileFilter(text: string, types: string[], scope: FilterScope): Condition {
  return new Compiler(text, scope).compile(parseFilter(text, scope.maxTests), types, 0);
}

/** Parameters handled by the search layer that mean nothing in a filter test. */
const NOT_IN_FILTER = new Set(['_has', '_list', '_type', '_query', '_filter', '_include', '_revinclude', '_sort', '_count', '_summary', '_elements', '_total', '_contained', '_containedType']);

/** Operators the spec defines that this server does not run, and why. */
const NOT_SUPPORTED: Partial<Record<FilterOp, string>> = {
  po: "operator 'po' (periods overlap) is not supported by this server",
};

/** The operators each type of parameter takes here ('pr' applies to every type with index rows). */
const OPERATORS: Partial<Record<SearchParamType, FilterOp[]>> = {
  string: ['eq', 'ne', 'co', 'sw', 'pr'],
  token: ['eq', 'ne', 'in', 'ni', 'ss', 'sb', 'pr'],
  reference: ['eq', 're', 'ne', 'pr'],
  uri: ['eq', 'ne', 'ss', 'sb', 'pr'],
  date: ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr'],
  number: ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr'],
  quantity: ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr'],
};

/** Escapes what separates values in a plain criterion (`,` `$` `\`, and `|` unless it is the value's own syntax). */
function escapeValue(value: string, keepBar: boolean): string {
  return value.replace(keepBar ? /[\\,$]/g : /[\\,$|]/g, (c) => `\\${c}`);
}

class Compiler {
  constructor(
    private readonly text: string,
    private readonly scope: FilterScope,
  ) {}

  /**
   * The condition of `e`. A test on a parameter of an element group is left bare, for the `and` around it to merge
   * it with the others of its group (one element, as plain parameters are merged: see mergeGroups); under `or` and
   * `not` it stands alone. At the top, the query's own merging sees it with the other parameters.
   */
  compile(e: FilterExpression, types: string[], depth: number): Condition {
    switch (e.kind) {
      case 'and':
        return this.all(types, e.operands.map((x) => this.compile(x, types, depth)));
      case 'or':
        return { kind: 'or', conditions: e.operands.map((x) => this.all(types, [this.compile(x, types, depth)])) };
      case 'not':
        return { kind: 'not', condition: this.all(types, [this.compile(e.operand, types, depth)]) };
      case 'test':
        return this.test(e, e.path, types, depth);
    }
  }

  private all(types: string[], conditions: Condition[]): Condition {
    const merged = this.scope.and(types, conditions);
    return merged.length === 1 ? merged[0] : { kind: 'and', conditions: merged };
  }

  /** A test whose path is `path` (its tail, inside a chain), on resources of `types`. */
  private test(t: FilterTest, path: FilterPathStep[], types: string[], depth: number): Condition {
    const [head, ...rest] = path;
    if (!rest.length) return this.leaf(t, head, types);
    if (depth + 1 > this.scope.maxChainDepth) {
      throw filterError(this.text, head.at, `chains nest at most ${this.scope.maxChainDepth} levels (ROR_MAX_CHAIN_DEPTH)`, 400, 'too-costly');
    }
    const def = this.scope.param(types, head.name);
    if (!def) throw filterError(this.text, head.at, `unknown parameter '${head.name}' for ${describe(types)}`);
    if (def.type !== 'reference') {
      throw filterError(this.text, head.at, `'${head.name}' is a ${def.type} parameter: only a reference parameter can be followed by '.' or '[…]'`);
    }
    const next = rest[0].name;
    const candidates = def.targets.length ? def.targets : [...allResourceTypes()];
    const targets = candidates.filter((type) => next === '_id' || !!this.scope.param([type], next));
    if (!targets.length) throw filterError(this.text, rest[0].at, `'${next}' is not a parameter of ${describe(candidates)}, which '${head.name}' points to`);
    const where: Condition[] = [];
    if (head.filter) where.push(this.compile(head.filter, targets, depth + 1));
    where.push(this.test(t, rest, targets, depth + 1));
    return { kind: 'chain', code: head.name, targetTypes: targets, where: this.scope.and(targets, where) };
  }

  /** `param op value` on one parameter of `types`: the plain criterion that means the same. */
  private leaf(t: FilterTest, step: FilterPathStep, types: string[]): Condition {
    const { op, value } = t;
    const name = step.name;
    const refuse = (why: string): never => {
      throw filterError(this.text, t.opAt, why);
    };
    const plain = (criterion: string, v: string): Condition => {
      try {
        return this.scope.criterion(types, criterion, v);
      } catch (e) {
        if (!(e instanceof FhirError)) throw e;
        const issue = e.outcome.issue?.[0];
        throw filterError(this.text, t.at, issue?.diagnostics ?? e.message, e.status, issue?.code ?? 'invalid');
      }
    };
    const not = (c: Condition): Condition => ({ kind: 'not', condition: c });
    const notSupported = NOT_SUPPORTED[op];
    if (notSupported) refuse(notSupported);
    if (NOT_IN_FILTER.has(name)) throw filterError(this.text, step.at, `'${name}' cannot be used in a filter test`);
    if (name === '_text' || name === '_content') {
      if (op !== 'co') refuse(`'${name}' takes the operator 'co' only`);
      return plain(name, escapeValue(value, false));
    }
    if (name === '_id') {
      if (op === 'eq') return plain('_id', escapeValue(value, false));
      if (op === 'ne') return plain('_id:not', escapeValue(value, false));
      return refuse("'_id' takes the operators 'eq' and 'ne' only");
    }
    const def = this.scope.param(types, name);
    if (!def) throw filterError(this.text, step.at, `unknown parameter '${name}' for ${describe(types)}`);
    const allowed = OPERATORS[def.type];
    if (!allowed) refuse(`${def.type} parameters such as '${name}' cannot be used in a filter`);
    if (op === 'ew' && def.type === 'string') refuse(ENDS_WITH);
    if (!allowed!.includes(op)) refuse(`operator '${op}' does not apply to ${def.type} parameter '${name}' (it takes ${allowed!.join(', ')})`);
    if (op === 'pr') {
      const v = value.toLowerCase();
      if (v !== 'true' && v !== 'false') throw filterError(this.text, t.at, `'pr' takes true or false, got '${value.slice(0, 60)}'`);
      return plain(`${name}:missing`, v === 'true' ? 'false' : 'true');
    }
    switch (def.type) {
      case 'string': {
        const v = escapeValue(value, false);
        if (op === 'co') return plain(`${name}:contains`, v);
        if (op === 'sw') return plain(name, v);
        // eq / ne: equality with case and accents ignored, as the spec has it (the default search's normalized
        // values, compared whole instead of as a beginning)
        const equals = asEquality(plain(name, v));
        return op === 'eq' ? equals : not(equals);
      }
      case 'token': {
        const v = escapeValue(value, true);
        const modifier = { eq: '', ne: ':not', in: ':in', ni: ':not-in', ss: ':below', sb: ':above' }[op as 'eq'];
        return plain(`${name}${modifier}`, v);
      }
      case 'uri': {
        const v = escapeValue(value, false);
        if (op === 'ne') return not(plain(name, v));
        return plain(`${name}${op === 'ss' ? ':below' : op === 'sb' ? ':above' : ''}`, v);
      }
      case 'reference': {
        const v = escapeValue(value, true);
        return op === 'ne' ? not(plain(name, v)) : plain(name, v);
      }
      default:
        // date, number, quantity: the operator is the search prefix (https://hl7.org/fhir/R4/search.html#prefix)
        return plain(name, `${op}${escapeValue(value, true)}`);
    }
  }
}

const ENDS_WITH =
  "operator 'ew' (ends with) is not supported by this server: strings are indexed for equality, prefixes and substrings, not suffixes (use 'co')";

function describe(types: string[]): string {
  return types.length > 3 ? 'these types' : types.join(', ');
}

/** How the CapabilityStatement lists `_filter`: a parameter of every resource type (rest.searchParam). */
export const FILTER_SEARCH_PARAM = {
  name: PARAM,
  type: 'special',
  documentation:
    'https://hl7.org/fhir/R4/search_filter.html: tests on the search parameters of the type (chains and [filter] on ' +
    'reference parameters), and, or (no precedence: left to right), not (…), parentheses. Operators: eq ne co sw ' +
    '(strings; eq ignores case and accents), eq ne in ni ss sb (tokens; ss and sb on code systems with a hierarchy), eq ne gt lt ge ' +
    'le ap sa eb (dates, numbers, quantities), eq re ne (references), pr (any). Not supported: ew, po.',
} as const;

/** A default (starts-with) string condition turned into normalized equality, wherever its leaves are. */
function asEquality(c: Condition): Condition {
  switch (c.kind) {
    case 'string':
      return c.mode === 'starts' ? { ...c, mode: 'equals' } : c;
    case 'and':
    case 'or':
      return { ...c, conditions: c.conditions.map(asEquality) };
    case 'not':
      return { ...c, condition: asEquality(c.condition) };
    default:
      return c;
  }
}
