/**
 * Validation of the resources the sync writes, cached by shape.
 *
 * `validateResourceForWrite` costs ~250 µs a resource, >90% of it in @medplum/core's pass over the base
 * StructureDefinitions; at national scale (3.6 million resources) that alone is ~15 minutes of CPU. The resources of
 * a sync run come from a handful of mapping functions, so almost all of them share a few hundred JSON shapes.
 *
 * What medplum's pass decides depends on (see src/fhir/validation/index.ts for the list of what it checks):
 * - the JSON shape: property names (element names, choice types), nesting, array lengths (cardinality), JSON types
 *   of the values, the invariants of the elements present (ele-1, ext-1…);
 * - the primitive values only through the R4 regular expressions of their type (medplum's `validationRegexes`);
 * - extension definitions, through `url` values; the resource type of nested resources, through `resourceType`.
 * Everything else value-dependent (impossible dates, 32-bit integers, required bindings, reference targets,
 * Organization invariants, narrative) is the walk's job (src/fhir/validation/walk.ts, ~10 µs), run on every resource.
 *
 * So the key of a resource is its shape where every string is replaced by the set of primitive regular expressions
 * it matches (a bit mask), every number by its class (negative/zero/positive integer, decimal), and `url` /
 * `resourceType` values are kept literally. Two resources with the same key get the same verdict from medplum's
 * pass: the first resource of each key is validated in full (`validateResourceForWrite`); the next ones only by the
 * envelope check and the walk. A resource claiming profiles (`meta.profile`, possible on an adopted resource) is
 * always validated in full: profile bindings depend on the codes. A failing resource is never cached, and the full
 * validation produces its OperationOutcome.
 */
import type { Resource } from '@medplum/fhirtypes';
import { validationRegexes } from '@medplum/core';
import { validateResourceForWrite } from '../../fhir/validation';
import { checkEnvelope } from '../../fhir/validation/envelope';
import { walkResource } from '../../fhir/validation/walk';
import { hasErrors } from '../../fhir/validation/issues';
import { ensureDefinitions } from '../../fhir/validation/ready';

const REGEXES: RegExp[] = Object.entries(validationRegexes as Record<string, RegExp>)
  .filter(([k]) => k !== 'xhtml')
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([, r]) => r);

/** Bounded memo of string classes (system URLs, codes and labels repeat a lot). */
const MAX_MEMO = 100_000;

export interface ValidationStats {
  full: number;
  cached: number;
  shapes: number;
}

export class ShapeCachedValidator {
  private readonly shapes = new Set<string>();
  private readonly memo = new Map<string, number>();
  readonly stats: ValidationStats = { full: 0, cached: 0, shapes: 0 };

  /** @param mode 'full': every resource through validateResourceForWrite (no cache). */
  constructor(private readonly mode: 'shape' | 'full' = 'shape') {}

  /** Throws like validateResourceForWrite (a FhirError with the OperationOutcome) when the resource is invalid. */
  validate(resource: Resource): void {
    const type = resource.resourceType;
    if (this.mode === 'full' || resource.meta?.profile !== undefined) return this.full(resource);
    ensureDefinitions();
    checkEnvelope(resource, { expectedType: type });
    const walk = walkResource(resource as unknown as Record<string, unknown>);
    if (walk.fatal || hasErrors(walk.issues)) return this.full(resource);
    const key = this.key(resource);
    if (this.shapes.has(key)) {
      this.stats.cached++;
      return;
    }
    this.full(resource);
    this.shapes.add(key);
    this.stats.shapes = this.shapes.size;
  }

  private full(resource: Resource): void {
    this.stats.full++;
    validateResourceForWrite(resource, { expectedType: resource.resourceType });
  }

  /** The shape key (exported for tests through `keyOf`). */
  key(value: unknown): string {
    const out: string[] = [];
    this.shape(value, '', out);
    return out.join('');
  }

  private shape(v: unknown, prop: string, out: string[]): void {
    switch (typeof v) {
      case 'string':
        if (prop === 'url' || prop === 'resourceType') out.push(JSON.stringify(v));
        else out.push('s', this.stringClass(v).toString(36));
        return;
      case 'number':
        out.push(!Number.isInteger(v) ? 'd' : v > 0 ? 'p' : v === 0 ? 'z' : 'n');
        return;
      case 'boolean':
        out.push('b');
        return;
      case 'object':
        if (v === null) {
          out.push('0');
          return;
        }
        if (Array.isArray(v)) {
          out.push('[');
          for (const x of v) {
            this.shape(x, prop, out);
            out.push(',');
          }
          out.push(']');
          return;
        }
        out.push('{');
        for (const [k, x] of Object.entries(v)) {
          out.push(k, ':');
          this.shape(x, k, out);
          out.push(',');
        }
        out.push('}');
        return;
      default:
        out.push('?', typeof v);
    }
  }

  private stringClass(s: string): number {
    let c = this.memo.get(s);
    if (c !== undefined) return c;
    c = s === '' ? 1 << 30 : s.trim() === '' ? 1 << 29 : 0;
    for (let i = 0; i < REGEXES.length; i++) if (REGEXES[i].test(s)) c |= 1 << i;
    if (this.memo.size >= MAX_MEMO) this.memo.clear();
    this.memo.set(s, c);
    return c;
  }
}
