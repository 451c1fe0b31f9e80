/**
 * `compose.include.filter` / `compose.exclude.filter` evaluated over a CodeSystem held locally
 * (https://hl7.org/fhir/R4/valueset-definitions.html#ValueSet.compose.include.filter, operators:
 * https://hl7.org/fhir/R4/valueset-filter-operator.html). The operators whose meaning needs a terminology server
 * (`exists`, `generalizes`, regex on other properties than the code...) are refused with a reason.
 */
import type { CodeSystem, ValueSetComposeIncludeFilter } from '@medplum/fhirtypes';
import { allCodes, codesWithProperty, descendants, hasCode, hierarchyProblem } from './code-system';
import { NotExpandable } from './not-expandable';

/** The codes of `cs` a filter selects. */
export function filterCodes(cs: CodeSystem, filter: ValueSetComposeIncludeFilter): Set<string> {
  const { property, op, value } = filter;
  if (property === 'concept' || property === 'code') return conceptFilter(cs, op, value ?? '');
  if (op === '=') return codesWithProperty(cs, property, value ?? '');
  throw new NotExpandable(`filter '${property} ${op}' on code system ${cs.url} is not supported`);
}

function conceptFilter(cs: CodeSystem, op: string, value: string): Set<string> {
  switch (op) {
    case '=':
      return new Set(hasCode(cs, value) ? [value] : []);
    case 'is-a':
      return hasCode(cs, value) ? new Set([value, ...hierarchy(cs, value)]) : new Set();
    case 'descendent-of':
      return hierarchy(cs, value);
    case 'is-not-a': {
      const excluded = hasCode(cs, value) ? new Set([value, ...hierarchy(cs, value)]) : new Set<string>();
      return new Set(allCodes(cs).filter((code) => !excluded.has(code)));
    }
    case 'in':
      return new Set(codeList(value).filter((code) => hasCode(cs, code)));
    case 'not-in': {
      const excluded = new Set(codeList(value));
      return new Set(allCodes(cs).filter((code) => !excluded.has(code)));
    }
    case 'regex': {
      const re = wholeMatch(value);
      return new Set(allCodes(cs).filter((code) => re.test(code)));
    }
    default:
      throw new NotExpandable(`filter 'concept ${op}' on code system ${cs.url} is not supported`);
  }
}

function hierarchy(cs: CodeSystem, code: string): Set<string> {
  const problem = hierarchyProblem(cs);
  if (problem) throw new NotExpandable(problem);
  return descendants(cs, code);
}

/** `in` / `not-in` take a comma-separated list of codes. */
function codeList(value: string): string[] {
  return value
    .split(',')
    .map((code) => code.trim())
    .filter(Boolean);
}

/** The filter's regex must match the entire code. */
function wholeMatch(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (e) {
    throw new NotExpandable(`filter regex '${pattern}' is not a valid regular expression: ${(e as Error).message}`);
  }
}
