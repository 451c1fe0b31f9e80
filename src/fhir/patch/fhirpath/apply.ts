/**
 * FHIRPath Patch: https://hl7.org/fhir/R4/fhirpatch.html
 *
 * The operations are applied in order to a copy of the resource. The rules of the spec that shape this code:
 * - the path of add, insert, replace and move must select exactly one element ("The FHIRPath statement must
 *   return a single element"); delete of a path that selects nothing is not an error;
 * - insert takes an index from 0 to the list's length; move a source and a destination within the list;
 * - the type of the value must fit the element (see ./values);
 * - a patch changes only the resource it is sent to (no resolve()).
 * Malformed Parameters or paths give 400; a patch that does not fit the resource's content gives 422.
 */
import { DotAtom, SymbolAtom, type Atom } from '@medplum/core';
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { assertSameIdentity } from '../identity';
import {
  insertIntoList,
  listLength,
  moveInList,
  removeFromList,
  replaceElement,
  replaceInList,
  appendToList,
  hasElement,
  setElement,
} from './json';
import { Locator, PathError, elementObject, type JsonObject, type Node } from './locate';
import { operationError, parseFhirPathPatch, type PatchOperation } from './operations';
import { baseName, elementDefinition, isPrimitiveType, repeats } from './types';
import { materialize } from './values';

/** Applies a FHIRPath Patch Parameters to a copy of `resource`; the input is left unchanged. */
export function applyFhirPathPatch(resource: Resource, parameters: Parameters): Resource {
  const operations = parseFhirPathPatch(parameters);
  const result = structuredClone(resource);
  for (const operation of operations) applyOperation(result, operation);
  assertSameIdentity(resource, result, 'FHIRPath Patch');
  return result;
}

function applyOperation(resource: Resource, op: PatchOperation): void {
  try {
    HANDLERS[op.type](new Locator(resource), op);
  } catch (err) {
    if (err instanceof PathError) {
      throw operationError(err.status, op.position, `${op.type} at ${JSON.stringify(op.path)}`, err.message);
    }
    throw err;
  }
}

const HANDLERS: Record<PatchOperation['type'], (locator: Locator, op: PatchOperation) => void> = {
  add,
  insert,
  delete: remove,
  replace,
  move,
};

/** add: "The content will be appended to the element identified in the path, using the name specified." */
function add(locator: Locator, op: PatchOperation): void {
  const target = exactlyOne(locator.select(op.expression), 'add');
  const name = op.name!;
  const def = elementDefinition(target.type, name);
  if (!def) throw new PathError(400, `${target.type} has no element "${name}"`);
  const value = materialize(op.value!, def, name, name);
  const container = elementObject(target, true);
  if (!container) throw new PathError(422, `the element at the path (${target.type}) cannot hold "${name}"`);
  if (repeats(def)) {
    appendToList(container, value);
  } else if (hasElement(container, def)) {
    // "Add can be used for non-repeating elements as long as they do not already exist"
    throw new PathError(422, `"${name}" already has a value and holds only one: use replace`);
  } else {
    setElement(container, value);
  }
}

/** insert: into the list the path names, at `index` (0 to the list's length). */
function insert(locator: Locator, op: PatchOperation): void {
  const list = namedList(locator, op, true);
  const index = op.index!;
  const length = listLength(list.container, list.key);
  if (index > length) {
    throw new PathError(422, `index ${index} is out of range: the list has ${length} element(s), so the index must be 0 to ${length}`);
  }
  const value = materialize(op.value!, list.def, list.key, list.key);
  insertIntoList(list.container, list.key, index, value);
}

/** delete: "Only a single element can be deleted"; a path that selects nothing leaves the resource as it is. */
function remove(locator: Locator, op: PatchOperation): void {
  const found = locator.select(op.expression);
  if (found.length === 0) return;
  const node = exactlyOne(found, 'delete');
  if (!node.slot) throw new PathError(400, 'the path selects the resource itself: to delete it, use DELETE');
  removeNode(node);
  pruneEmptyParents(node.slot.parent);
}

/** replace: the element the path selects, with the value (which may change the type of a choice element). */
function replace(locator: Locator, op: PatchOperation): void {
  const node = exactlyOne(locator.select(op.expression), 'replace');
  const slot = node.slot;
  if (!slot) throw new PathError(400, 'the path selects the resource itself: to replace it, use PUT');
  if (!slot.def) throw new PathError(422, `"${slot.key}" is not an element of ${slot.parent.type}`);
  const value = materialize(op.value!, slot.def, baseName(slot.def), slot.key);
  if (slot.index === undefined) replaceElement(slot.container, slot.key, value);
  else replaceInList(slot.container, slot.key, slot.index, value);
}

/** move: within one list, from `source` to `destination` (both positions in the list). */
function move(locator: Locator, op: PatchOperation): void {
  const list = namedList(locator, op, false);
  const length = listLength(list.container, list.key);
  if (length === 0) throw new PathError(422, 'the path matches no element: the list is empty');
  for (const [part, index] of [['source', op.source!], ['destination', op.destination!]] as const) {
    if (index >= length) {
      throw new PathError(422, `${part} ${index} is out of range: the list has ${length} element(s) (0 to ${length - 1})`);
    }
  }
  moveInList(list.container, list.key, op.source!, op.destination!);
}

function exactlyOne(nodes: Node[], type: string): Node {
  if (nodes.length === 1) return nodes[0];
  if (nodes.length === 0) {
    throw new PathError(422, `the path matches no element of the resource (${type} needs exactly one)`);
  }
  throw new PathError(
    422,
    `the path matches ${nodes.length} elements; ${type} needs exactly one: narrow it with where(...) or [index]`,
  );
}

/**
 * The list an insert or move works on. Its path ends with the list's element name (`Patient.name`), so the list
 * can be found even when empty: the parent is located and the last name looked up in its type.
 */
function namedList(
  locator: Locator,
  op: PatchOperation,
  create: boolean,
): { container: JsonObject; key: string; def: NonNullable<ReturnType<typeof elementDefinition>> } {
  const { parent: parentPath, name } = splitLastName(op.expression.child, op.type);
  const parent = exactlyOne(parentPath ? locator.select(parentPath) : [locator.root], op.type);
  const def = elementDefinition(parent.type, name);
  if (!def) throw new PathError(400, `${parent.type} has no element "${name}"`);
  if (!repeats(def)) throw new PathError(400, `"${name}" is not a list (it holds one value): ${op.type} works on lists`);
  const container = elementObject(parent, create);
  if (!container) throw new PathError(422, 'the path matches no element: the list is empty');
  return { container, key: name, def };
}

function splitLastName(expression: Atom, type: string): { parent?: Atom; name: string } {
  if (expression instanceof DotAtom && expression.right instanceof SymbolAtom) {
    return { parent: expression.left, name: expression.right.name };
  }
  if (expression instanceof SymbolAtom) return { name: expression.name };
  throw new PathError(
    400,
    `the path of ${type} must name the list itself, ending with its element name (e.g. Patient.identifier), ` +
      `not "${expression.toString()}"`,
  );
}

function removeNode(node: Node): void {
  const { container, key, index } = node.slot!;
  if (index === undefined) {
    delete container[key];
    delete container['_' + key];
  } else {
    removeFromList(container, key, index);
  }
}

/**
 * FHIR JSON has no empty objects, so an element left with nothing in it by a delete goes too, and so on upwards
 * (deleting the only `family` of a name removes the name). For a primitive, it is its `_name` object that goes.
 */
function pruneEmptyParents(start: Node): void {
  let node: Node | undefined = start;
  while (node?.slot) {
    const content = elementObject(node, false);
    if (!content || Object.keys(content).length > 0) return;
    if (isPrimitiveType(node.type)) {
      clearPrimitiveElement(node);
      return;
    }
    removeNode(node);
    node = node.slot.parent;
  }
}

function clearPrimitiveElement(node: Node): void {
  const { container, key, index } = node.slot!;
  if (index === undefined) {
    delete container['_' + key];
    return;
  }
  const elements = container['_' + key] as unknown[];
  elements[index] = null;
  if (elements.every((e) => e == null)) delete container['_' + key];
}
