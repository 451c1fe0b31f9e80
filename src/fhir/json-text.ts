/**
 * Reading a JSON document a client sent (a request body, a JSON Patch carried in a Binary): strict UTF-8 and a
 * bound on nesting. Invalid UTF-8 is refused rather than silently replaced (it would change the data stored), and
 * nesting deeper than any FHIR resource needs is refused before code that walks the document recursively (the
 * validator, FHIRPath, patches) runs out of stack on it, which a few hundred kilobytes of `{"a":` can make happen.
 */
import { FhirError } from '../errors';

/** Deepest nesting of objects and arrays accepted (FHIR resources with contained resources and nested extensions stay far below). */
export const MAX_JSON_DEPTH = 100;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses `raw` as JSON; a FhirError 400 (`what` names the document) when it is not UTF-8, not JSON, or too deep. */
export function parseJsonDocument(raw: Uint8Array, what = 'the body'): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new FhirError(400, `${what} is not valid UTF-8`, 'structure');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FhirError(400, `${what} is not valid JSON: ${(err as Error).message}`, 'structure');
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw new FhirError(400, `${what} nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`, 'structure');
  }
  return value;
}

/** Whether `value` nests deeper than `max`, walked with an explicit stack (no recursion, whatever the depth). */
export function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
