/**
 * Calls into @medplum/core's validator and converts what it reports. It throws an OperationOutcomeError when a
 * resource has errors and returns the warnings otherwise; both end up as a list of our issues here.
 */
import type { TypedValue } from '@medplum/core';
import { OperationOutcomeError, validateResource, validateTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { Issue } from './issues';
import { fromMedplumIssue } from './issues';

/** Validation against the base R4 StructureDefinition of the resource's type. */
export function baseIssues(resource: Resource): Issue[] {
  return collect(() => validateResource(resource));
}

/** Validation of a typed value whose type names a schema registered with medplum (see profiles.ts). */
export function typedValueIssues(value: TypedValue): Issue[] {
  return collect(() => validateTypedValue(value));
}

function collect(validate: () => Issue[]): Issue[] {
  let raw: Issue[];
  try {
    raw = validate();
  } catch (e) {
    // Anything else is a defect of the validator, not of the resource: let it surface as a 500.
    if (!(e instanceof OperationOutcomeError)) throw e;
    raw = e.outcome.issue ?? [];
  }
  const issues: Issue[] = [];
  for (const issue of raw) {
    const mapped = fromMedplumIssue(issue);
    if (mapped) issues.push(mapped);
  }
  return issues;
}
