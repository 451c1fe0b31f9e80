/**
 * Reads a FHIRPath Patch Parameters body into a list of operations, rejecting a malformed one with 400 before the
 * resource is touched. Encoding: https://hl7.org/fhir/R4/fhirpatch.html — one `operation` parameter per change,
 * whose parts are `type` (code), `path` (string), `name` (string), `value` (any type, or nested parts),
 * `index`, `source`, `destination` (integer).
 */
import { parseFhirPath, type FhirPathAtom } from '@medplum/core';
import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../../errors';
import { suggestValueKeys, typeOfValueKey } from './types';

export type OperationType = 'add' | 'insert' | 'delete' | 'replace' | 'move';

/** The value of an operation, as the client wrote it. */
export type ValueSpec =
  /** `valueInteger: 3`: the type is in the key; `element` is the `_valueInteger` object (id/extensions), if any. */
  | { kind: 'typed'; type: string; json: unknown; element?: Record<string, unknown> }
  /** Nested parts, one per element, to build a complex value (https://hl7.org/fhir/R4/fhirpatch.html#complex). */
  | { kind: 'parts'; parts: ParametersParameter[] }
  /** A resource (for `contained`). */
  | { kind: 'resource'; resource: Resource };

export interface PatchOperation {
  /** Position of the `operation` parameter in the Parameters, for error messages. */
  position: number;
  type: OperationType;
  path: string;
  expression: FhirPathAtom;
  name?: string;
  value?: ValueSpec;
  index?: number;
  source?: number;
  destination?: number;
}

type PartName = 'type' | 'path' | 'name' | 'value' | 'index' | 'source' | 'destination';

/** Which parts each operation takes; any other part is a mistake worth reporting. */
const PARTS: Record<OperationType, { required: PartName[] }> = {
  add: { required: ['type', 'path', 'name', 'value'] },
  insert: { required: ['type', 'path', 'value', 'index'] },
  delete: { required: ['type', 'path'] },
  replace: { required: ['type', 'path', 'value'] },
  move: { required: ['type', 'path', 'source', 'destination'] },
};
const PART_NAMES: ReadonlySet<string> = new Set(['type', 'path', 'name', 'value', 'index', 'source', 'destination']);
const OPERATION_TYPES: ReadonlySet<string> = new Set(Object.keys(PARTS));

/** Keys of a Parameters part that carry no value. */
const PART_META_KEYS = new Set(['name', 'id', 'extension', 'modifierExtension']);

/** An error about operation `position`, pointing at it in the Parameters. */
export function operationError(
  status: 400 | 422,
  position: number,
  what: string,
  message: string,
): FhirError {
  return new FhirError(
    status,
    `FHIRPath Patch operation ${position}${what ? ` (${what})` : ''}: ${message}`,
    status === 400 ? 'invalid' : 'processing',
    [`Parameters.parameter[${position}]`],
  );
}

export function parseFhirPathPatch(parameters: Parameters): PatchOperation[] {
  if (!isObject(parameters) || parameters.resourceType !== 'Parameters') {
    throw new FhirError(400, 'a FHIRPath Patch must be a Parameters resource (https://hl7.org/fhir/R4/fhirpatch.html)', 'invalid');
  }
  const list: unknown = parameters.parameter ?? [];
  if (!Array.isArray(list)) throw new FhirError(400, 'Parameters.parameter must be an array', 'invalid');
  return list.map((parameter, position) => parseOperation(parameter, position));
}

function parseOperation(parameter: unknown, position: number): PatchOperation {
  const fail = (message: string, what = '') => operationError(400, position, what, message);
  if (!isObject(parameter)) throw fail('must be an object');
  if (parameter.name !== 'operation') {
    throw fail(`is named ${JSON.stringify(parameter.name)}: every parameter of a FHIRPath Patch is named "operation"`);
  }
  if (!Array.isArray(parameter.part) || parameter.part.length === 0) {
    throw fail('has no parts: an operation is described by its parts type, path, and name/value/index/source/destination');
  }
  const rawParts = parameter.part as unknown[];
  const parts = partsByName(rawParts, (m) => fail(m, describeOperation(rawParts)));

  const type = readType(parts.get('type'), fail);
  const path = readString(parts.get('path'), 'path', (m) => fail(m, type));
  const what = `${type} at ${JSON.stringify(path ?? '')}`;
  checkPartsForType(type, parts, (m) => fail(m, what));

  const op: PatchOperation = { position, type, path: path!, expression: parsePath(path!, (m) => fail(m, what)) };
  if (parts.has('name')) op.name = readString(parts.get('name'), 'name', (m) => fail(m, what));
  if (parts.has('value')) op.value = readValue(parts.get('value')!, (m) => fail(m, what));
  for (const key of ['index', 'source', 'destination'] as const) {
    if (parts.has(key)) op[key] = readIndex(parts.get(key)!, key, (m) => fail(m, what));
  }
  return op;
}

/** "add at \"Location\"", from the raw parts, to label an error found before they are read. */
function describeOperation(parts: unknown[]): string {
  const find = (name: string) => parts.find((p): p is Record<string, unknown> => isObject(p) && p.name === name);
  const type = find('type');
  const path = find('path');
  const typeText = typeof type?.valueCode === 'string' ? type.valueCode : type?.valueString;
  if (typeof typeText !== 'string') return '';
  return typeof path?.valueString === 'string' ? `${typeText} at ${JSON.stringify(path.valueString)}` : typeText;
}

/** Indexes the parts by name, rejecting unknown and repeated ones with a hint at the usual mistakes. */
function partsByName(parts: unknown[], fail: (m: string) => Error): Map<string, Record<string, unknown>> {
  const byName = new Map<string, Record<string, unknown>>();
  for (const part of parts) {
    if (!isObject(part) || typeof part.name !== 'string') throw fail('every part must be an object with a "name"');
    if (!PART_NAMES.has(part.name)) throw fail(unknownPartMessage(part.name));
    if (byName.has(part.name)) throw fail(`the part "${part.name}" is given more than once`);
    byName.set(part.name, part);
  }
  return byName;
}

function unknownPartMessage(name: string): string {
  const expected = 'the parts of an operation are type, path, name, value, index, source and destination';
  if (name.startsWith('value') && name !== 'value') {
    return `unknown part "${name}": ${expected}. A value is written {"name": "value", "${name}": ...}`;
  }
  return (
    `unknown part "${name}": ${expected}. To add an element "${name}", use {"name": "name", "valueString": "${name}"} ` +
    'and give its content in a "value" part (nested parts for a complex value)'
  );
}

function readType(part: Record<string, unknown> | undefined, fail: (m: string) => Error): OperationType {
  if (!part) throw fail('the part "type" is missing (add, insert, delete, replace or move)');
  // The spec types it as a code; valueString is accepted too, as many clients (and the ROR IG drafts) send it.
  const type = part.valueCode ?? part.valueString;
  if (typeof type !== 'string' || !OPERATION_TYPES.has(type)) {
    throw fail(`the part "type" must be a valueCode among add, insert, delete, replace, move; got ${JSON.stringify(type ?? null)}`);
  }
  return type as OperationType;
}

function readString(
  part: Record<string, unknown> | undefined,
  name: string,
  fail: (m: string) => Error,
): string | undefined {
  if (!part) return undefined;
  if (typeof part.valueString !== 'string' || part.valueString.trim() === '') {
    throw fail(`the part "${name}" must have a non-empty valueString`);
  }
  return part.valueString;
}

function checkPartsForType(
  type: OperationType,
  parts: Map<string, Record<string, unknown>>,
  fail: (m: string) => Error,
): void {
  const { required } = PARTS[type];
  const missing = required.filter((p) => !parts.has(p));
  if (missing.length > 0) throw fail(`${type} needs the part${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const extra = [...parts.keys()].filter((p) => !required.includes(p as PartName));
  if (extra.length > 0) throw fail(`${type} takes no part ${extra.join(', ')} (it takes ${required.join(', ')})`);
}

function parsePath(path: string, fail: (m: string) => Error): FhirPathAtom {
  try {
    return parseFhirPath(path);
  } catch (err) {
    throw fail(`the path is not a valid FHIRPath expression: ${(err as Error).message}`);
  }
}

function readIndex(part: Record<string, unknown>, name: string, fail: (m: string) => Error): number {
  const n = part.valueInteger;
  if (!Number.isInteger(n) || (n as number) < 0) {
    throw fail(`the part "${name}" must have a valueInteger of 0 or more; got ${JSON.stringify(part).slice(0, 100)}`);
  }
  return n as number;
}

/** Reads a `value` part, or a nested part of one: exactly one of value[x], part, resource. */
export function readValue(part: Record<string, unknown>, fail: (m: string) => Error): ValueSpec {
  const label = `the part "${String(part.name)}"`;
  const keys = valueKeysOf(part);
  const unknown = keys.filter((k) => k !== 'part' && k !== 'resource' && !k.startsWith('_') && !typeOfValueKey(k));
  if (unknown.length > 0) {
    const key = unknown[0];
    const hints = suggestValueKeys(key);
    const hint = hints.length > 0 ? `; did you mean ${hints.join(' or ')}?` : ' (a value is given as value[x], e.g. valueString, or as nested parts)';
    throw fail(`${label} has "${key}", which is not a FHIR value[x]${hint}`);
  }
  const carried = keys.filter((k) => !k.startsWith('_'));
  if (carried.length !== 1) {
    throw fail(
      carried.length === 0
        ? `${label} has no value: give one value[x] (e.g. valueInteger), nested parts, or a resource`
        : `${label} has several values (${carried.join(', ')}): give exactly one`,
    );
  }
  const key = carried[0];
  if (key === 'part') {
    if (!Array.isArray(part.part) || part.part.length === 0) throw fail(`${label} has an empty "part" list`);
    return { kind: 'parts', parts: part.part as ParametersParameter[] };
  }
  if (key === 'resource') {
    if (!isObject(part.resource) || typeof part.resource.resourceType !== 'string') {
      throw fail(`${label} has a "resource" without a resourceType`);
    }
    return { kind: 'resource', resource: part.resource as unknown as Resource };
  }
  const element = part['_' + key];
  if (element !== undefined && !isObject(element)) throw fail(`${label}: "_${key}" must be an object`);
  return { kind: 'typed', type: typeOfValueKey(key)!, json: part[key], element };
}

function valueKeysOf(part: Record<string, unknown>): string[] {
  return Object.keys(part).filter((k) => !PART_META_KEYS.has(k));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
