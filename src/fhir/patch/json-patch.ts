/**
 * JSON Patch (RFC 6902, https://www.rfc-editor.org/rfc/rfc6902) on a FHIR resource
 * (https://hl7.org/fhir/R4/http.html#patch, content type application/json-patch+json).
 *
 * The document is checked first: a malformed one is a 400. The operations are then applied one by one to a copy
 * of the resource with the `rfc6902` library; before each, its JSON Pointers are resolved here against the
 * current state, so that a path that does not exist is a 422 that says which step is missing (the library only
 * says "missing", and writes odd keys for a bad array index such as `/name/01` in `replace`). A failed `test`
 * is a 422 too: the patch cannot be applied to this version of the resource.
 */
import type { Resource } from '@medplum/fhirtypes';
import { applyPatch, type Operation } from 'rfc6902';
import { badRequest, unprocessable } from '../../errors';
import { assertSameIdentity } from './identity';

export type JsonPatchOperation = Operation;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
/** Keys that would reach the prototype of a JS object: never FHIR element names. */
const FORBIDDEN_TOKENS = new Set(['__proto__', 'constructor', 'prototype']);

/** Applies a JSON Patch document to a copy of `resource`; the input is left unchanged. */
export function applyJsonPatch(resource: Resource, operations: unknown): Resource {
  const patch = parseJsonPatch(operations);
  const result = structuredClone(resource);
  patch.forEach((operation, index) => applyOperation(result, operation, index));
  assertSameIdentity(resource, result, 'JSON Patch');
  return result;
}

/** Checks the shape of a JSON Patch document (400 if malformed) and returns its operations. */
export function parseJsonPatch(document: unknown): JsonPatchOperation[] {
  if (!Array.isArray(document)) {
    throw badRequest('a JSON Patch document must be a JSON array of operations (RFC 6902 §3)');
  }
  return document.map((operation, index) => parseOperation(operation, index));
}

function parseOperation(operation: unknown, index: number): JsonPatchOperation {
  const fail = (message: string) => badRequest(`JSON Patch operation ${index}: ${message}`);
  if (operation === null || typeof operation !== 'object' || Array.isArray(operation)) {
    throw fail('must be a JSON object with "op" and "path"');
  }
  const op = operation as Record<string, unknown>;
  if (typeof op.op !== 'string' || !OPS.has(op.op)) {
    throw fail(`"op" must be one of add, remove, replace, move, copy, test; got ${JSON.stringify(op.op ?? null)}`);
  }
  checkPointer(op.path, 'path', fail);
  if (op.op === 'move' || op.op === 'copy') {
    checkPointer(op.from, 'from', fail);
    const from = op.from as string;
    // RFC 6902 §4.4: "The 'from' location MUST NOT be a proper prefix of the 'path' location"
    if (op.op === 'move' && (op.path as string).startsWith(from + '/')) {
      throw fail(`cannot move ${from} into one of its own children (${String(op.path)})`);
    }
  }
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !Object.hasOwn(op, 'value')) {
    throw fail(`"${op.op}" needs a "value"`);
  }
  return op as unknown as JsonPatchOperation;
}

/** A JSON Pointer (RFC 6901): empty, or `/`-separated tokens where `~` is only in `~0` and `~1`. */
function checkPointer(pointer: unknown, member: string, fail: (m: string) => Error): void {
  if (typeof pointer !== 'string') throw fail(`"${member}" must be a JSON Pointer string`);
  if (pointer !== '' && !pointer.startsWith('/')) {
    throw fail(`"${member}" ${JSON.stringify(pointer)} is not a JSON Pointer: it must start with "/" (e.g. /name/0/family)`);
  }
  if (/~(?![01])/.test(pointer)) throw fail(`"${member}" ${JSON.stringify(pointer)} has a "~" that is not ~0 or ~1`);
  const bad = tokensOf(pointer).find((t) => FORBIDDEN_TOKENS.has(t));
  if (bad) throw fail(`"${member}" may not contain "${bad}"`);
}

function tokensOf(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .substring(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOperation(document: Resource, operation: JsonPatchOperation, index: number): void {
  const label = `JSON Patch operation ${index} (${operation.op} ${operation.path === '' ? '""' : operation.path})`;
  const problem = checkTargets(document, operation);
  if (problem) throw problem.status === 400 ? badRequest(`${label}: ${problem.message}`) : unprocessable(`${label}: ${problem.message}`);
  const [error] = applyPatch(document, [operation]);
  if (!error) return;
  if (error.name === 'TestError') {
    const { actual, expected } = error as unknown as { actual: unknown; expected: unknown };
    throw unprocessable(`${label}: test failed: the value is ${brief(actual)}, the patch expects ${brief(expected)}`);
  }
  if (error.name === 'MissingError') throw unprocessable(`${label}: ${error.message}`);
  throw badRequest(`${label}: ${error.message}`);
}

interface Problem {
  status: 400 | 422;
  message: string;
}

/** Does every pointer of the operation lead somewhere in the current document? */
function checkTargets(document: unknown, operation: JsonPatchOperation): Problem | undefined {
  const path = tokensOf(operation.path);
  if (path.length === 0 && operation.op !== 'test') {
    return { status: 400, message: 'the path "" is the whole resource: to replace a resource, use PUT (update)' };
  }
  switch (operation.op) {
    case 'remove':
    case 'replace':
      return existing(document, path);
    case 'test': {
      const missing = existing(document, path);
      return missing && { status: 422, message: `test failed: ${missing.message}` };
    }
    case 'add':
      return insertable(document, path);
    case 'move':
    case 'copy':
      return existing(document, tokensOf(operation.from)) ?? insertable(document, path);
  }
}

/** The location must exist: each token an own member of an object, or an index within an array. */
function existing(document: unknown, tokens: string[]): Problem | undefined {
  let value = document;
  for (let i = 0; i < tokens.length; i++) {
    const found = step(value, tokens, i);
    if ('problem' in found) return found.problem;
    value = found.value;
  }
  return undefined;
}

/** The parent must exist; the last token may be a new member, or an index up to the length (or `-`) of an array. */
function insertable(document: unknown, tokens: string[]): Problem | undefined {
  const parentProblem = existing(document, tokens.slice(0, -1));
  if (parentProblem) return parentProblem;
  let parent = document;
  for (const token of tokens.slice(0, -1)) parent = member(parent, token);
  const last = tokens[tokens.length - 1];
  const where = show(tokens.slice(0, -1));
  if (Array.isArray(parent)) {
    if (last === '-') return undefined;
    if (!isIndex(last)) return { status: 422, message: `${where} is an array: "${last}" is not an index (0, 1, … or -)` };
    if (Number(last) > parent.length) {
      return { status: 422, message: `${where} has ${parent.length} element(s): an item can be added at index 0 to ${parent.length}, not ${last}` };
    }
    return undefined;
  }
  if (parent === null || typeof parent !== 'object') {
    return { status: 422, message: `${where} is ${describe(parent)}: it has no member "${last}"` };
  }
  return undefined;
}

function step(value: unknown, tokens: string[], i: number): { value: unknown } | { problem: Problem } {
  const token = tokens[i];
  const where = show(tokens.slice(0, i));
  if (Array.isArray(value)) {
    if (!isIndex(token)) return { problem: { status: 422, message: `${where} is an array: "${token}" is not an index` } };
    if (Number(token) >= value.length) {
      return { problem: { status: 422, message: `${where} has ${value.length} element(s): there is no index ${token}` } };
    }
    return { value: value[Number(token)] };
  }
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, token)) {
    return { value: member(value, token) };
  }
  const what = value !== null && typeof value === 'object' ? 'has no member' : `is ${describe(value)}, it has no member`;
  return { problem: { status: 422, message: `${show(tokens.slice(0, i + 1))} does not exist: ${where} ${what} "${token}"` } };
}

function member(value: unknown, token: string): unknown {
  return Array.isArray(value) ? value[Number(token)] : (value as Record<string, unknown>)[token];
}

/** RFC 6901 array index: digits without a leading zero. */
function isIndex(token: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(token);
}

function show(tokens: string[]): string {
  return tokens.length === 0 ? 'the resource' : '/' + tokens.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function describe(value: unknown): string {
  return value === null ? 'null' : `a ${typeof value}`;
}

function brief(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 200 ? text.slice(0, 200) + '…' : text;
}
