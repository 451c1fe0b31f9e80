/**
 * OperationOutcome issues produced by validation, and the mapping from @medplum/core's issues to ours.
 * Every issue carries `expression` (a FHIRPath-style element path such as `Organization.telecom[0].system`) and a
 * human-readable `diagnostics`. https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

export type Issue = OperationOutcomeIssue;
export type IssueCode = Issue['code'];

export function error(code: IssueCode, diagnostics: string, path: string): Issue {
  return { severity: 'error', code, diagnostics, expression: [path] };
}

export function warning(code: IssueCode, diagnostics: string, path: string): Issue {
  return { severity: 'warning', code, diagnostics, expression: [path] };
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

/**
 * Medplum messages for checks that our own walk (see walk.ts) re-implements with FHIR's semantics; medplum's
 * versions are dropped so a problem is reported once, correctly:
 * - unknown properties: medplum uses `key in elements`, so `constructor`, `toString`, `__proto__` pass;
 * - whitespace-only strings: an error for medplum, only a SHOULD for FHIR `string`
 *   (https://hl7.org/fhir/R4/datatypes.html#string), and medplum then skips the format check of other types;
 * - reference targets: medplum only warns, and misreads absolute URLs and `urn:uuid:` references;
 * - several choice-of-type values (`deceasedBoolean` + `deceasedDateTime`): medplum only warns, without a path.
 */
const REPLACED_BY_WALK = [
  'Invalid additional property',
  'String must contain non-whitespace content',
  'Invalid reference:',
  'Conflicting choice of type properties',
];

/**
 * Turns a medplum issue into ours, or undefined when the walk reports that problem itself.
 * Medplum puts its message in `details.text` and, for invariants, a JSON blob `{"fhirpath": ...}` in diagnostics.
 */
export function fromMedplumIssue(issue: Issue): Issue | undefined {
  const text = issue.details?.text ?? issue.diagnostics ?? 'Invalid resource';
  if (REPLACED_BY_WALK.some((prefix) => text.startsWith(prefix))) return undefined;
  const mapped: Issue = {
    severity: issue.severity,
    code: text === 'Missing required property' ? 'required' : issue.code,
    diagnostics: describe(text, issue.diagnostics),
  };
  if (issue.expression?.length) mapped.expression = issue.expression.map(normalizePath);
  return mapped;
}

function describe(text: string, medplumDiagnostics: string | undefined): string {
  if (text === 'Missing required property') return 'Missing required element (minimum cardinality not met)';
  const fhirpath = invariantExpression(medplumDiagnostics);
  return fhirpath ? `${text} (FHIRPath: ${fhirpath})` : text;
}

function invariantExpression(diagnostics: string | undefined): string | undefined {
  if (!diagnostics?.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(diagnostics) as { fhirpath?: unknown };
    return typeof parsed.fhirpath === 'string' ? parsed.fhirpath : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Medplum names a choice element by its definition path (`Patient.multipleBirth[x]`); FHIRPath names it without
 * the suffix (`Patient.multipleBirth`), https://hl7.org/fhir/R4/formats.html#choice.
 */
export function normalizePath(path: string): string {
  return path.includes('[x]') ? path.replaceAll('[x]', '') : path;
}

/** Drops exact duplicates (medplum sometimes reports the same path twice, e.g. `null` in an array). */
export function dedupe(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.expression?.join(',')}|${i.diagnostics}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
