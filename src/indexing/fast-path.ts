/**
 * A fast path for the SearchParameter expressions that are plain element paths (`Organization.address.city`,
 * `Practitioner.name | Practitioner.alias`, `X.telecom.where(system='email')`,
 * `Location.extension.where(url='…').extension.where(url='nbCapacity').value.ofType(integer)`), which are nearly
 * all of them: walking the JSON directly is several times cheaper than the general FHIRPath engine, and indexing
 * runs on every write. Element types come from the base StructureDefinitions; anything else (untyped choices,
 * other functions, casts) returns undefined and the caller keeps the FHIRPath engine. test/unit/search checks
 * both give the same index rows.
 */
import { tryGetDataType, type InternalSchemaElement, type TypedValue } from '@medplum/core';

export type PathEvaluator = (input: unknown) => TypedValue[];

type Step = { kind: 'child'; name: string } | { kind: 'where'; field: string; literal: string };

const IDENT = /^[a-zA-Z][a-zA-Z0-9]*$/;
const WHERE = /^where\(([a-zA-Z][a-zA-Z0-9]*)\s*=\s*'([^'\\]*)'\)$/;
const OF_TYPE = /^ofType\(([a-zA-Z][a-zA-Z0-9]*)\)$/;

/** Compiles the parts of `expression` that apply to `resourceType`, or undefined when one is not a plain path. */
export function compileSimplePath(resourceType: string, expression: string): PathEvaluator | undefined {
  return compile(expression, resourceType, true);
}

/** Compiles an expression relative to an element of type `elementType` (a group's `path`), or undefined. */
export function compileRelativePath(elementType: string, expression: string): PathEvaluator | undefined {
  return compile(expression, elementType, false);
}

/** The type a compiled context path yields (for relative paths below it), or undefined. */
export function resultTypeOf(resourceType: string, expression: string): string | undefined {
  const parts = splitOutside(expression, '|');
  if (parts.length !== 1) return undefined;
  const segments = splitOutside(parts[0].trim(), '.');
  if (segments[0] !== resourceType) return undefined;
  return compileSteps(resourceType, segments.slice(1))?.type;
}

/** `rooted`: each union part starts with a type name (parts of other types are skipped). */
function compile(expression: string, startType: string, rooted: boolean): PathEvaluator | undefined {
  const paths: { steps: Step[]; type: string }[] = [];
  for (const raw of splitOutside(expression, '|').map((p) => p.trim())) {
    const segments = splitOutside(raw, '.');
    if (rooted) {
      const head = segments.shift() ?? '';
      if (!IDENT.test(head)) return undefined;
      if (head !== startType) {
        if (/^[A-Z]/.test(head) && head !== 'Resource' && head !== 'DomainResource') continue; // another type's part
        return undefined;
      }
    }
    const compiled = compileSteps(startType, segments);
    if (!compiled) return undefined;
    paths.push(compiled);
  }
  if (!paths.length) return undefined;
  return (input) => {
    const out: TypedValue[] = [];
    for (const p of paths) {
      for (const value of walk([input], p.steps)) out.push({ type: p.type, value });
    }
    return out;
  };
}

/** Splits on `sep` outside quotes and parentheses (urls in `where(url='…')` hold dots). */
function splitOutside(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (ch === sep && !quoted && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function compileSteps(startType: string, segments: string[]): { steps: Step[]; type: string } | undefined {
  const steps: Step[] = [];
  let type: string | undefined = startType;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i].trim();
    const w = WHERE.exec(seg);
    if (w) {
      steps.push({ kind: 'where', field: w[1], literal: w[2] });
      continue;
    }
    if (!IDENT.test(seg) || !type) return undefined;
    const schema = tryGetDataType(type);
    const el: InternalSchemaElement | undefined = schema?.elements[seg];
    if (el && el.type.length === 1) {
      steps.push({ kind: 'child', name: seg });
      type = el.type[0].code;
      continue;
    }
    // A choice element narrowed by the next step, `value.ofType(Quantity)`: the JSON key is `valueQuantity`.
    const choice: InternalSchemaElement | undefined = schema?.elements[`${seg}[x]`];
    const of = OF_TYPE.exec(segments[i + 1]?.trim() ?? '');
    if (!choice || !of || !choice.type.some((t) => t.code === of[1])) return undefined;
    steps.push({ kind: 'child', name: seg + of[1][0].toUpperCase() + of[1].slice(1) });
    type = of[1];
    i++;
  }
  return type && steps.length ? { steps, type } : undefined;
}

function walk(input: unknown[], steps: Step[]): unknown[] {
  let current = input;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if (step.kind === 'where') {
        if ((v as Record<string, unknown>)[step.field] === step.literal) next.push(v);
        continue;
      }
      const child = (v as Record<string, unknown>)[step.name];
      if (Array.isArray(child)) {
        for (const c of child) if (c !== undefined && c !== null) next.push(c);
      } else if (child !== undefined && child !== null) next.push(child);
    }
    current = next;
  }
  return current;
}
