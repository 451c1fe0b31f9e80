/**
 * A fast path for the SearchParameter expressions that are plain element paths (`Organization.address.city`,
 * `Practitioner.name | Practitioner.alias`, `X.telecom.where(system='email')`), which are nearly all of them:
 * walking the JSON directly is several times cheaper than the general FHIRPath engine, and indexing runs on every
 * write. Element types come from the base StructureDefinitions; anything else (choice types, functions, casts)
 * returns undefined and the caller keeps the FHIRPath engine. test/unit/search checks both give the same rows.
 */
import { tryGetDataType, type InternalSchemaElement, type TypedValue } from '@medplum/core';

export type PathEvaluator = (resource: unknown) => TypedValue[];

type Step = { kind: 'child'; name: string } | { kind: 'where'; field: string; literal: string };

const IDENT = /^[a-zA-Z][a-zA-Z0-9]*$/;
const WHERE = /^where\(([a-zA-Z][a-zA-Z0-9]*)\s*=\s*'([^'\\]*)'\)$/;

/** Compiles the parts of `expression` that apply to `resourceType`, or undefined when one is not a plain path. */
export function compileSimplePath(resourceType: string, expression: string): PathEvaluator | undefined {
  const paths: { steps: Step[]; type: string }[] = [];
  for (const raw of expression.split('|').map((p) => p.trim())) {
    const segments = raw.split('.');
    const head = segments[0];
    if (!IDENT.test(head)) return undefined;
    if (head !== resourceType) {
      if (/^[A-Z]/.test(head) && head !== 'Resource' && head !== 'DomainResource') continue; // another type's part
      return undefined;
    }
    const compiled = compileSteps(resourceType, segments.slice(1));
    if (!compiled) return undefined;
    paths.push(compiled);
  }
  if (!paths.length) return undefined;
  return (resource) => {
    const out: TypedValue[] = [];
    for (const p of paths) {
      for (const value of walk([resource], p.steps)) out.push({ type: p.type, value });
    }
    return out;
  };
}

function compileSteps(resourceType: string, segments: string[]): { steps: Step[]; type: string } | undefined {
  const steps: Step[] = [];
  let type: string | undefined = resourceType;
  for (const seg of segments) {
    const w = WHERE.exec(seg);
    if (w) {
      steps.push({ kind: 'where', field: w[1], literal: w[2] });
      continue;
    }
    if (!IDENT.test(seg) || !type) return undefined;
    const el: InternalSchemaElement | undefined = tryGetDataType(type)?.elements[seg];
    if (!el || el.type.length !== 1) return undefined; // unknown element or choice type
    steps.push({ kind: 'child', name: seg });
    type = el.type[0].code;
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
