/**
 * Finds the elements a FHIRPath Patch path points at, as places in the JSON tree that can be edited.
 *
 * Why not just evaluate the path with @medplum/core: its results are values, and a primitive value (a string, a
 * number) says nothing about where it sits, so it cannot be replaced or deleted. So the navigation steps of the
 * path (names, `[n]`, `where()`, `first()`…) are walked here over the JSON, remembering for every element its
 * container, key and index; only the criteria inside `where(...)` and the indexes are evaluated by @medplum/core.
 * Paths that are not navigation (`a | b`, `count()`…) select no element and are refused with a 400.
 */
import {
  AsAtom,
  DotAtom,
  FhirPathAtom,
  FunctionAtom,
  IndexerAtom,
  SymbolAtom,
  toJsBoolean,
  toTypedValue,
  type Atom,
  type AtomContext,
  type InternalSchemaElement,
  type TypedValue,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { isObject } from './operations';
import { baseName, choiceKey, elementDefinition, isChoice, isPrimitiveType, typeCodes } from './types';

export type JsonObject = Record<string, unknown>;

/** An element of the resource being patched. */
export interface Node {
  /** FHIR type: `Location`, `Extension`, `LocationPosition` (a backbone element), `integer`… */
  type: string;
  /** Its JSON: an object for a complex type, a string/number/boolean for a primitive. */
  value: unknown;
  /** Where it sits; absent for the resource itself. */
  slot?: Slot;
}

/** The place of an element: `container[key]`, or `container[key][index]` when the element repeats. */
export interface Slot {
  parent: Node;
  /** The parent's JSON object, or for a primitive parent its `_name` object (which holds its id and extensions). */
  container: JsonObject;
  /** The JSON key: the element name, with the type for a choice element (`valueInteger`). */
  key: string;
  index?: number;
  /** Definition of the element in the parent's type; absent for a key the FHIR schema does not know. */
  def?: InternalSchemaElement;
}

/** A path that cannot be followed: 400 when the path itself is wrong, 422 when the resource does not fit it. */
export class PathError extends Error {
  constructor(
    readonly status: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}

export class Locator {
  readonly root: Node;
  private readonly variables: Record<string, TypedValue>;

  constructor(resource: Resource) {
    this.root = { type: resource.resourceType, value: resource };
    const typed = typedValue(this.root);
    this.variables = { '%resource': typed, '%rootResource': typed, '%context': typed };
  }

  /** The elements `expression` selects in the resource, in document order. */
  select(expression: Atom, input: Node[] = [this.root]): Node[] {
    if (expression instanceof FhirPathAtom) return this.select(expression.child, input);
    if (expression instanceof SymbolAtom) return this.symbol(expression.name, input);
    if (expression instanceof DotAtom) return this.select(expression.right, this.select(expression.left, input));
    if (expression instanceof IndexerAtom) {
      const index = this.integer(expression.expr, '[]');
      const list = this.select(expression.left, input);
      return index < list.length ? [list[index]] : [];
    }
    if (expression instanceof FunctionAtom) return this.call(expression, input);
    if (expression instanceof AsAtom) {
      const type = typeName(expression.right);
      return this.select(expression.left, input).filter((n) => n.type === type);
    }
    throw new PathError(
      400,
      `"${expression.toString()}" does not select elements of the resource: a patch path is made of element names, ` +
        '[index], where(...), extension(url), first(), last(), tail(), skip(n), take(n), single(), ofType(T)',
    );
  }

  private symbol(name: string, input: Node[]): Node[] {
    if (name === '$this') return input;
    if (name.startsWith('%')) {
      if (this.variables[name]) return [this.root];
      throw new PathError(400, `unknown variable ${name} (a patch path may use %resource)`);
    }
    return input.flatMap((node) => {
      // `Location.extension`: a type name selects the resource itself, as in FHIRPath.
      if (isObject(node.value) && node.value.resourceType === name) return [node];
      if (node === this.root && /^[A-Z]/.test(name) && !elementDefinition(node.type, name)) {
        // FHIRPath would quietly select nothing; a patch sent to the wrong resource type deserves a clear answer.
        throw new PathError(400, `the path starts with "${name}", but the resource is a ${node.type}`);
      }
      return children(node, name);
    });
  }

  private call(fn: FunctionAtom, input: Node[]): Node[] {
    const [arg] = fn.args;
    switch (fn.name) {
      case 'where':
        return input.filter((node) => this.test(arg, node));
      case 'first':
        return input.slice(0, 1);
      case 'last':
        return input.slice(-1);
      case 'tail':
        return input.slice(1);
      case 'skip':
        return input.slice(this.integer(arg, 'skip()'));
      case 'take':
        return input.slice(0, this.integer(arg, 'take()'));
      case 'single':
        if (input.length > 1) throw new PathError(422, `single() found ${input.length} elements`);
        return input;
      case 'ofType': {
        const type = typeName(arg);
        return input.filter((n) => n.type === type);
      }
      case 'extension': {
        const url = this.evaluate(arg, [typedValue(this.root)])[0]?.value;
        if (typeof url !== 'string') throw new PathError(400, 'extension() takes the url of the extension, as a string');
        return input.flatMap((node) => children(node, 'extension')).filter((e) => isObject(e.value) && e.value.url === url);
      }
      case 'resolve':
        throw new PathError(
          400,
          'resolve() cannot be used: a patch changes only the resource it is sent to ' +
            '(https://hl7.org/fhir/R4/fhirpatch.html); reach a contained resource with contained.where(id=\'…\')',
        );
      default:
        throw new PathError(
          400,
          `${fn.name}() does not select elements of the resource; a patch path may use where(), extension(), first(), ` +
            'last(), tail(), skip(), take(), single(), ofType()',
        );
    }
  }

  /** Evaluates a `where()` criterion on one element, as FHIRPath does (true only for a true result). */
  private test(criterion: Atom, node: Node): boolean {
    const typed = typedValue(node);
    return toJsBoolean(this.evaluate(criterion, [typed], { $this: typed }));
  }

  private integer(atom: Atom, where: string): number {
    const value = this.evaluate(atom, [typedValue(this.root)])[0]?.value;
    if (!Number.isInteger(value) || value < 0) {
      throw new PathError(400, `${where} needs an integer of 0 or more, got ${JSON.stringify(value ?? null)}`);
    }
    return value;
  }

  private evaluate(atom: Atom, input: TypedValue[], variables: Record<string, TypedValue> = {}): TypedValue[] {
    const context: AtomContext = { variables: { ...this.variables, ...variables } };
    try {
      return atom.eval(context, input);
    } catch (err) {
      throw new PathError(400, `cannot evaluate "${atom.toString()}": ${(err as Error).message}${hintFor(err)}`);
    }
  }
}

/**
 * @medplum/core refuses a collection where a boolean is expected (`where(extension.where(...) and ...)`), which
 * FHIRPath would read as "exists". Say how to write it.
 */
function hintFor(err: unknown): string {
  return /Expected singleton of type boolean/.test(String((err as Error).message))
    ? '. A condition on a collection is written with exists(), e.g. extension.where(url=\'x\').exists()'
    : '';
}

function typeName(atom: Atom | undefined): string {
  const name = atom?.toString() ?? '';
  return name.replace(/^(FHIR|System)\./, '');
}

export function typedValue(node: Node): TypedValue {
  return { type: node.type, value: node.value };
}

/** The child elements `name` of `node`, in order. */
export function children(node: Node, name: string): Node[] {
  const container = elementObject(node, false);
  if (!container) return [];
  const def = elementDefinition(node.type, name);
  const found = findKey(container, name, def);
  if (!found) return [];
  const { key, type } = found;
  const values = container[key];
  const elements = container['_' + key];
  const make = (value: unknown, index?: number): Node => ({
    type: nodeType(type, value),
    value: value ?? undefined,
    slot: { parent: node, container, key, index, def },
  });
  if (Array.isArray(values) || Array.isArray(elements)) {
    const length = Math.max(lengthOf(values), lengthOf(elements));
    const nodes: Node[] = [];
    for (let i = 0; i < length; i++) {
      const value = (values as unknown[] | undefined)?.[i];
      if (value != null || (elements as unknown[] | undefined)?.[i] != null) nodes.push(make(value, i));
    }
    return nodes;
  }
  return [make(values)];
}

/**
 * The JSON key of element `name` in `container`, and the element's type, if present. For a choice element the
 * key carries the type: `value` finds `valueInteger`; `valueInteger` finds only that.
 */
function findKey(
  container: JsonObject,
  name: string,
  def: InternalSchemaElement | undefined,
): { key: string; type?: string } | undefined {
  const present = (key: string) => container[key] !== undefined || container['_' + key] !== undefined;
  if (!def) return present(name) ? { key: name } : undefined;
  if (!isChoice(def)) return present(name) ? { key: name, type: def.type[0]?.code } : undefined;
  const base = baseName(def);
  const codes = name === base ? typeCodes(def) : typeCodes(def).filter((code) => choiceKey(base, code) === name);
  const code = codes.find((c) => present(choiceKey(base, c)));
  return code ? { key: choiceKey(base, code), type: code } : undefined;
}

function nodeType(type: string | undefined, value: unknown): string {
  if (isObject(value) && typeof value.resourceType === 'string' && (!type || type === 'Resource')) {
    return value.resourceType;
  }
  return type ?? toTypedValue(value).type;
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/**
 * The JSON object holding the children of `node`. For a primitive, its id and extensions live beside it under
 * `_name` (https://hl7.org/fhir/R4/json.html#primitive); with `create`, that object is made when missing.
 */
export function elementObject(node: Node, create: boolean): JsonObject | undefined {
  if (!isPrimitiveType(node.type)) return isObject(node.value) ? node.value : undefined;
  const slot = node.slot!;
  const key = '_' + slot.key;
  if (slot.index === undefined) {
    if (!isObject(slot.container[key]) && create) slot.container[key] = {};
    const element = slot.container[key];
    return isObject(element) ? element : undefined;
  }
  let elements = slot.container[key];
  if (!Array.isArray(elements)) {
    if (!create) return undefined;
    elements = [];
    slot.container[key] = elements;
  }
  const list = elements as unknown[];
  while (list.length < lengthOf(slot.container[slot.key])) list.push(null);
  if (!isObject(list[slot.index]) && create) list[slot.index] = {};
  const element = list[slot.index];
  return isObject(element) ? element : undefined;
}
