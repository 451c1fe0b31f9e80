/**
 * The verdict of @medplum/core's base pass, cached by the JSON shape of the resource.
 *
 * medplum's pass over the base StructureDefinitions is ~250-400 µs for a ROR Organization, >80% of the cost of a
 * create. Almost every resource written is shaped like many before it (the same client, form or mapping writes
 * the same elements), and what that pass decides depends on little more than the shape:
 * - property names (element names, choice types, unknown elements), nesting, array lengths (cardinality), JSON
 *   types, null values: all part of the key;
 * - primitive values, through the R4 regular expressions of their type (`validationRegexes`), whitespace-only
 *   strings, the 1 MB string limit, integer-ness and sign of numbers: strings are keyed by the set of expressions
 *   they match (a bit mask) and those two checks, numbers by integer-ness and sign;
 * - extension definitions and nested resource types, through `url` and `resourceType`: kept literally;
 * - the error-severity invariants (FHIRPath constraints) it evaluates. Most test only presence (`exists()`,
 *   `empty()`, `count()`); the others compare values (org-2 `where(use = 'home').empty()`, tim-4
 *   `duration >= 0`...). The names those expressions read are found in the definitions (`valueDependentNames`) and
 *   the values of primitives under those names are kept literally in the key.
 * What else depends on values (impossible dates, 32-bit integers, required bindings, reference targets,
 * data-type and Organization invariants, the narrative) is not medplum's pass but the walk's (walk.ts), which
 * runs on every resource; so do the envelope checks and the profile pass.
 *
 * Only clean verdicts are cached: a shape is remembered once medplum found no issue at all in a resource of that
 * shape, and the next resources of the shape get that same empty list without the pass. A resource with
 * contained resources (dom-3 compares ids and references) always gets the full pass, as does any resource whose
 * type has an invariant the key cannot capture (`children()`, `descendants()` on values).
 */
import type { InternalTypeSchema } from '@medplum/core';
import { tryGetDataType, validationRegexes } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { Issue } from './issues';
import { baseIssues } from './medplum';

const REGEXES: RegExp[] = Object.entries(validationRegexes as Record<string, RegExp>)
  .filter(([k]) => k !== 'xhtml')
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([, r]) => r);

const EMPTY_BIT = 1 << 30;
const BLANK_BIT = 1 << 29;
const HUGE_BIT = 1 << 28;
/** medplum's limit on a string value (validateString). */
const MAX_STRING = 1024 * 1024;

/** Invariants medplum's validator does not evaluate (its own skip list); dom-3 is covered by the `contained` rule. */
const NOT_EVALUATED = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

/** `a.b.exists()`, `children().count()`, `hasValue()`: presence tests, whatever the values. */
const PRESENCE_TERM = /(?:(?:\b[A-Za-z_][A-Za-z0-9_]*|\bchildren\(\))\.)*\b(?:exists|empty|count|hasValue)\(\)/g;

/**
 * True when a FHIRPath invariant depends only on which elements are present: once presence terms (`x.y.exists()`,
 * `count()`...) and `not()` are taken out, only logical and comparison operators, integers and parentheses remain.
 * `htmlChecks()` (txt-1, txt-2) is counted as value-dependent: the narrative is never cached.
 */
export function isPresenceOnly(expression: string): boolean {
  const rest = expression
    .replace(PRESENCE_TERM, 'X')
    .replace(/\.?\bnot\(\)/g, '')
    .replace(/\b(?:and|or|xor|implies)\b/g, ' ');
  return /^[\sX()0-9=!<>+-]*$/.test(rest);
}

interface TypeNames {
  /** Names whose primitive values are part of the key. */
  names: Set<string>;
  /** False when an invariant reads values the key cannot name. */
  cacheable: boolean;
}

/** Derived from medplum's parsed base definitions, which never change once loaded. */
const namesBySchema = new WeakMap<InternalTypeSchema, TypeNames>();
const UNKNOWN_TYPE: TypeNames = { names: new Set(), cacheable: true };

/**
 * Element names whose values some evaluated invariant of `type` reads, over the type and every data type reachable
 * from it (an Extension can hold any of them).
 */
export function valueDependentNames(type: string): TypeNames {
  const schema = tryGetDataType(type);
  if (!schema) return UNKNOWN_TYPE;
  let found = namesBySchema.get(schema);
  if (!found) {
    found = { names: new Set(), cacheable: true };
    collectNames(type, new Set(), found);
    namesBySchema.set(schema, found);
  }
  return found;
}

function collectNames(type: string, seen: Set<string>, into: TypeNames): void {
  if (seen.has(type)) return;
  seen.add(type);
  const schema: InternalTypeSchema | undefined = tryGetDataType(type);
  if (!schema) return;
  for (const [path, element] of Object.entries(schema.elements)) {
    for (const c of element.constraints ?? []) {
      if (c.severity !== 'error' || NOT_EVALUATED.has(c.key) || isPresenceOnly(c.expression)) continue;
      const expression = c.expression.replace(/'(?:[^'\\]|\\.)*'/g, "''");
      if (/\b(?:children|descendants|repeat)\(/.test(expression)) into.cacheable = false;
      for (const m of expression.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) into.names.add(m[0]);
      // The element the invariant sits on is its context (`$this`, or a function applied to it directly).
      into.names.add(path.split('.').pop()!.replace('[x]', ''));
    }
    for (const t of element.type ?? []) collectNames(t.code, seen, into);
  }
}

export interface ShapeCacheStats {
  /** Resources that went through medplum's pass. */
  full: number;
  /** Resources whose shape had passed before. */
  cached: number;
  /** Distinct clean shapes held. */
  shapes: number;
}

/** Bounded memo of string classes (system URLs, codes and labels repeat a lot). */
const MAX_MEMO = 100_000;

export class BaseVerdictCache {
  private readonly shapes = new Set<string>();
  private readonly memo = new Map<string, number>();
  readonly stats: ShapeCacheStats = { full: 0, cached: 0, shapes: 0 };

  /** @param maxShapes clean shapes remembered; the set starts over when full (a few hundred bytes each). */
  constructor(private readonly maxShapes = 20_000) {}

  /** medplum's base issues for `resource`, or none without running it when a resource of its shape had none. */
  baseIssues(resource: Resource): Issue[] {
    const key = this.key(resource);
    if (key !== undefined && this.shapes.has(key)) {
      this.stats.cached++;
      return [];
    }
    this.stats.full++;
    const issues = baseIssues(resource);
    if (key !== undefined && issues.length === 0) {
      if (this.shapes.size >= this.maxShapes) this.shapes.clear();
      this.shapes.add(key);
      this.stats.shapes = this.shapes.size;
    }
    return issues;
  }

  /** The shape key of a resource, or undefined when its verdict must not be cached. */
  key(resource: Resource): string | undefined {
    const root = resource as unknown as Record<string, unknown>;
    if (root.contained !== undefined) return undefined;
    const out: string[] = [];
    return this.shape(root, '', valueDependentNames(resource.resourceType), out) ? out.join('') : undefined;
  }

  /** Appends the shape of `v` (the value of property `prop`); false when it must not be cached. */
  private shape(v: unknown, prop: string, literal: TypeNames, out: string[]): boolean {
    switch (typeof v) {
      case 'string':
        if (prop === 'url' || prop === 'resourceType' || literal.names.has(prop)) out.push(JSON.stringify(v));
        else out.push('s', this.stringClass(v).toString(36));
        return true;
      case 'number':
        if (literal.names.has(prop)) out.push(`#${v}`);
        else out.push(Number.isInteger(v) ? '' : 'd', v > 0 ? 'p' : v === 0 ? 'z' : 'n');
        return true;
      case 'boolean':
        out.push(literal.names.has(prop) ? String(v) : 'b');
        return true;
      case 'object': {
        if (v === null) {
          out.push('0');
          return true;
        }
        if (Array.isArray(v)) {
          out.push('[');
          for (const x of v) {
            if (!this.shape(x, prop, literal, out)) return false;
            out.push(',');
          }
          out.push(']');
          return true;
        }
        const obj = v as Record<string, unknown>;
        let names = literal;
        // A nested resource (Bundle entry, Parameters): its own invariants apply below it.
        if (typeof obj.resourceType === 'string') {
          if (obj.contained !== undefined) return false;
          names = valueDependentNames(obj.resourceType);
        }
        if (!names.cacheable) return false;
        out.push('{');
        for (const k in obj) {
          out.push(k, ':');
          if (!this.shape(obj[k], k, names, out)) return false;
          out.push(',');
        }
        out.push('}');
        return true;
      }
      default:
        out.push('?', typeof v);
        return true;
    }
  }

  private stringClass(s: string): number {
    let c = this.memo.get(s);
    if (c !== undefined) return c;
    c = s === '' ? EMPTY_BIT : s.trim() === '' ? BLANK_BIT : 0;
    if (s.length > MAX_STRING) c |= HUGE_BIT;
    for (let i = 0; i < REGEXES.length; i++) if (REGEXES[i].test(s)) c |= 1 << i;
    if (this.memo.size >= MAX_MEMO) this.memo.clear();
    this.memo.set(s, c);
    return c;
  }
}
