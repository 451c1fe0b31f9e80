/**
 * FHIR invariants (https://hl7.org/fhir/R4/conformance-rules.html#constraints) that @medplum/core's validator leaves
 * out. Medplum evaluates the constraints listed on each element and on the root resource, but not:
 * - constraints declared on a data type itself (cpt-2 on ContactPoint, per-1 on Period, ref-1 on Reference...);
 * - root constraints of nested resources (Bundle entries, contained resources: dom-2, dom-4...);
 * - dom-3 and org-1, which it skips on purpose.
 * All have severity "error" in R4, so they are errors here too.
 */
import type { FhirPathAtom, InternalSchemaElement, InternalTypeSchema, TypedValue } from '@medplum/core';
import { evalFhirPathTyped, parseFhirPath, toTypedValue, UCUM } from '@medplum/core';
import type { Issue } from './issues';
import { error, warning } from './issues';

/**
 * Not evaluated through FHIRPath: ele-1 (covered by the empty-value checks), ref-1, dom-3 and org-1 (checked natively
 * by the walk, which is faster and handles `#` references to the container), sdf-19 (skipped by medplum as well:
 * custom logical models legitimately use non-FHIR types).
 */
const NOT_EVALUATED = new Set(['ele-1', 'ref-1', 'dom-3', 'org-1', 'sdf-19']);

interface CompiledConstraint {
  key: string;
  description: string;
  expression: string;
  atom: FhirPathAtom;
}

const compiled = new WeakMap<InternalTypeSchema, CompiledConstraint[]>();
const ucum = toTypedValue(UCUM);

/** The resources an expression may refer to as %resource and %rootResource. */
export interface InvariantContext {
  resource: TypedValue;
  rootResource: TypedValue;
}

/**
 * Evaluates the error-level constraints of `schema` on `value`, except those the element definition already lists
 * (medplum evaluates those).
 */
export function checkTypeInvariants(
  value: object,
  schema: InternalTypeSchema,
  element: InternalSchemaElement | undefined,
  path: string,
  context: InvariantContext,
  issues: Issue[],
): void {
  const constraints = constraintsOf(schema);
  if (constraints.length === 0) return;
  const typed: TypedValue = { type: schema.name, value };
  for (const c of constraints) {
    if (element?.constraints?.some((own) => own.key === c.key)) continue;
    const issue = evaluate(c, typed, path, context);
    if (issue) issues.push(issue);
  }
}

function evaluate(c: CompiledConstraint, typed: TypedValue, path: string, ctx: InvariantContext): Issue | undefined {
  const variables = {
    '%context': typed,
    '%resource': ctx.resource,
    '%rootResource': ctx.rootResource,
    '%ucum': ucum,
  };
  try {
    const result = evalFhirPathTyped(c.atom, [typed], variables);
    if (result.length === 1 && result[0].value === true) return undefined;
    return error('invariant', `Constraint ${c.key} not met: ${c.description} (FHIRPath: ${c.expression})`, path);
  } catch (e) {
    // An expression medplum's FHIRPath engine cannot run says nothing about the resource: do not reject on it.
    return warning('processing', `Constraint ${c.key} could not be evaluated: ${(e as Error).message}`, path);
  }
}

function constraintsOf(schema: InternalTypeSchema): CompiledConstraint[] {
  let list = compiled.get(schema);
  if (!list) {
    list = (schema.constraints ?? [])
      .filter((c) => c.severity === 'error' && !NOT_EVALUATED.has(c.key))
      .map((c) => ({ key: c.key, description: c.description, expression: c.expression, atom: parseFhirPath(c.expression) }));
    compiled.set(schema, list);
  }
  return list;
}

/** org-1: "The organization SHALL at least have a name or an identifier" (https://hl7.org/fhir/R4/organization.html). */
export function checkOrganization(org: Record<string, unknown>, path: string, issues: Issue[]): void {
  const identifiers = Array.isArray(org.identifier) ? org.identifier.length : 0;
  const hasName = org.name !== undefined || org._name !== undefined;
  if (identifiers === 0 && !hasName) {
    issues.push(
      error(
        'invariant',
        'Constraint org-1 not met: The organization SHALL at least have a name or an identifier',
        path,
      ),
    );
  }
}
