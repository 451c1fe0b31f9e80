/**
 * Errors are data: every failure the server raises (FHIR layer, kernel, operations) carries its HTTP status and an
 * OperationOutcome a person can act on. https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueType = OperationOutcomeIssue['code'];

export function outcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueType,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression?.length) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

export function informational(diagnostics: string): OperationOutcome {
  return outcome('information', 'informational', diagnostics);
}

export class FhirError extends Error {
  readonly outcome: OperationOutcome;
  /** Extra response headers, e.g. `Allow` on a 405. */
  readonly headers: Record<string, string> = {};
  constructor(
    readonly status: number,
    outcomeOrMessage: OperationOutcome | string,
    code: IssueType = 'processing',
    expression?: string[],
  ) {
    const oo =
      typeof outcomeOrMessage === 'string' ? outcome('error', code, outcomeOrMessage, expression) : outcomeOrMessage;
    super(oo.issue?.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; ') ?? 'error');
    this.name = 'FhirError';
    this.outcome = oo;
  }
}

export const badRequest = (msg: string, expression?: string[]) => new FhirError(400, msg, 'invalid', expression);
export const notFound = (msg: string) => new FhirError(404, msg, 'not-found');
export const gone = (msg: string) => new FhirError(410, msg, 'deleted');
export const conflict = (msg: string) => new FhirError(409, msg, 'conflict');
export const preconditionFailed = (msg: string) => new FhirError(412, msg, 'conflict');
export const unprocessable = (msg: string, expression?: string[]) =>
  new FhirError(422, msg, 'processing', expression);
export const notSupported = (msg: string) => new FhirError(405, msg, 'not-supported');
export const forbidden = (msg: string) => new FhirError(403, msg, 'forbidden');
