/**
 * One pass over the JSON of a resource, guided by the base R4 type definitions, for what @medplum/core's validator
 * gets wrong or leaves out (listed in index.ts). It visits only the properties present, so it is
 * cheap compared with medplum's pass, which visits every element of every type definition.
 *
 * "Fatal" problems are JSON shapes medplum cannot validate sensibly (an object where a string is expected, a
 * number where a complex type is expected, `_name: "x"`...): medplum then reports nonsense ("Invalid additional
 * property 0") or crashes, so it is not run and only the walk's findings are returned.
 */
import type { InternalSchemaElement, InternalTypeSchema, TypedValue } from '@medplum/core';
import { capitalize, getDataType, isPrimitiveType, toTypedValue, tryGetDataType } from '@medplum/core';
import { isKnownResourceType } from '../../definitions';
import type { Terminology } from '../../terminology/terminology';
import type { InvariantContext } from './invariants';
import { checkOrganization, checkTypeInvariants } from './invariants';
import type { Issue } from './issues';
import { error } from './issues';
import { checkNumber, checkString, checkXhtml } from './primitives';
import { checkReferenceTarget } from './references';

export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export interface WalkResult {
  issues: Issue[];
  /** True when the JSON shape is too broken for medplum's validator to run on it. */
  fatal: boolean;
}

type JsonObject = Record<string, unknown>;

/** How a JSON property name maps to an element: `valueString` -> element `value[x]`, FHIRPath name `value`. */
interface KeyInfo {
  element: InternalSchemaElement;
  name: string;
  type: string;
  choice: boolean;
}

/** Per resource that owns contained resources (the root, or a Bundle entry): what dom-3 and ref-1 need. */
interface ResourceScope {
  root: TypedValue;
  /** Every `#...` value seen in Reference.reference, canonical, uri or url elements. */
  fragments: Set<string>;
  localReferences: { reference: string; path: string }[];
  contained: ContainedInfo[];
}

interface ContainedInfo {
  id: string | undefined;
  path: string;
  /** dom-3 also accepts a contained resource that refers to its container with `#`. */
  refersToContainer: boolean;
}

type ResourceMode = 'root' | 'contained' | 'independent';

const keyIndexes = new WeakMap<InternalTypeSchema, Map<string, KeyInfo>>();
const UNDERSCORE = 95;
const HASH = 35;

/**
 * Walks a resource whose resourceType is known to be a valid R4 resource type; `terminology` expands the value sets
 * of required bindings on `code` elements.
 */
export function walkResource(resource: JsonObject, terminology: Terminology): WalkResult {
  const walker = new Walker(terminology);
  walker.resource(resource, resource.resourceType as string, resource.resourceType as string, 'root');
  return { issues: walker.issues, fatal: walker.fatal };
}

class Walker {
  readonly issues: Issue[] = [];
  fatal = false;
  private scope!: ResourceScope;
  private context!: InvariantContext;
  private currentContained: ContainedInfo | undefined;

  constructor(private readonly terminology: Terminology) {}

  resource(res: JsonObject, type: string, path: string, mode: ResourceMode, element?: InternalSchemaElement): void {
    const saved = { scope: this.scope, context: this.context, contained: this.currentContained };
    const typed = toTypedValue(res);
    if (mode === 'contained') {
      this.currentContained = { id: typeof res.id === 'string' ? res.id : undefined, path, refersToContainer: false };
      this.scope.contained.push(this.currentContained);
    } else {
      this.scope = { root: typed, fragments: new Set(), localReferences: [], contained: [] };
      this.currentContained = undefined;
    }
    this.context = { resource: typed, rootResource: this.scope.root };
    const schema = getDataType(type);
    this.object(res, schema, path, true);
    if (type === 'Organization') checkOrganization(res, path, this.issues);
    // Medplum evaluates the root resource's own invariants, not those of nested resources.
    if (mode !== 'root') checkTypeInvariants(res, schema, element, path, this.context, this.issues);
    if (mode !== 'contained') this.finishScope(this.scope);
    this.scope = saved.scope;
    this.context = saved.context;
    this.currentContained = saved.contained;
  }

  private object(obj: JsonObject, schema: InternalTypeSchema, path: string, isResource: boolean): void {
    const index = keyIndex(schema);
    let choices: Map<string, string> | undefined;
    for (const key of Object.keys(obj)) {
      if (key === 'resourceType') {
        if (!isResource) this.issues.push(error('structure', '"resourceType" is only allowed on resources', `${path}.${key}`));
        continue;
      }
      const isExtension = key.charCodeAt(0) === UNDERSCORE;
      const info = index.get(isExtension ? key.slice(1) : key);
      if (!info) {
        this.issues.push(error('structure', `Unknown element "${key}" for ${schema.name} in FHIR R4`, `${path}.${key}`));
        continue;
      }
      if (info.choice) {
        choices ??= new Map();
        this.checkSingleChoice(choices, info, path);
      }
      if (isExtension) this.primitiveExtension(obj, key, info, path);
      else this.property(obj[key], info, path);
    }
  }

  /** A choice element (value[x]) takes one type: `valueString` with `valueCode` is invalid JSON for FHIR. */
  private checkSingleChoice(choices: Map<string, string>, info: KeyInfo, path: string): void {
    const previous = choices.get(info.name);
    if (previous === undefined) choices.set(info.name, info.type);
    else if (previous !== info.type) {
      const message = `Only one type is allowed for ${info.name}[x], found ${previous} and ${info.type}`;
      this.issues.push(error('structure', message, `${path}.${info.name}`));
    }
  }

  private property(value: unknown, info: KeyInfo, parentPath: string): void {
    const path = `${parentPath}.${info.name}`;
    if (value === null || value === undefined) return; // null: reported by medplum (checkObjectForNull)
    if (!info.element.isArray) {
      if (Array.isArray(value)) this.fail(path, `Expected a single ${info.type} value, not an array`);
      else this.value(value, info, path);
      return;
    }
    if (!Array.isArray(value)) {
      this.fail(path, `Expected an array of ${info.type} (the element repeats)`);
      return;
    }
    // https://hl7.org/fhir/R4/json.html: arrays, like objects and strings, are never empty.
    if (value.length === 0) {
      this.issues.push(error('structure', 'Empty arrays are not allowed; omit the element instead', path));
    }
    for (let i = 0; i < value.length; i++) {
      if (value[i] !== null && value[i] !== undefined) this.value(value[i], info, `${path}[${i}]`);
    }
  }

  private value(value: unknown, info: KeyInfo, path: string): void {
    const type = info.type;
    if (isPrimitiveType(type)) {
      this.primitive(value, type, info.element, path);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `Expected an object of type ${type}, got ${describeJson(value)}`);
      return;
    }
    const obj = value as JsonObject;
    if (type === 'Resource') {
      this.nestedResource(obj, info, path);
      return;
    }
    const schema = tryGetDataType(type);
    if (!schema) return;
    this.object(obj, schema, path, false);
    if (type === 'Reference') this.reference(obj, info.element, path);
    checkTypeInvariants(obj, schema, info.element, path, this.context, this.issues);
  }

  private primitive(value: unknown, type: string, element: InternalSchemaElement, path: string): void {
    if (typeof value === 'object') {
      this.fail(path, `Expected a ${type} value, got ${describeJson(value)}`);
    } else if (typeof value === 'string') {
      if (!checkString(value, type, path, this.issues)) return;
      if (type === 'code') this.code(value, element, path);
      else if (type === 'xhtml') checkXhtml(value, path, this.issues);
      else if (value.charCodeAt(0) === HASH && (type === 'canonical' || type === 'uri' || type === 'url')) {
        this.fragment(value);
      }
    } else if (typeof value === 'number') {
      checkNumber(value, type, path, this.issues);
    }
    // Wrong JSON types (a string for a boolean...) are reported by medplum.
  }

  /**
   * Required bindings (https://hl7.org/fhir/R4/terminologies.html#required), which medplum does not check: a code
   * of a value set that cannot be expanded locally is accepted unchecked rather than rejected wrongly.
   */
  private code(value: string, element: InternalSchemaElement, path: string): void {
    const binding = element.binding;
    if (binding?.strength !== 'required' || !binding.valueSet) return;
    const codes = this.terminology.codes(binding.valueSet);
    // A code with surrounding blanks already fails the code format (reported by medplum): one issue is enough.
    if (!codes || codes.hasCode(value) || value !== value.trim()) return;
    const valueSet = binding.valueSet.split('|')[0];
    const all = codes.codes();
    const allowed = all.length <= 20 ? ` (allowed: ${all.join(', ')})` : '';
    this.issues.push(error('code-invalid', `Code "${value}" is not in the required value set ${valueSet}${allowed}`, path));
  }

  /** `_birthDate: {extension: [...]}` (https://hl7.org/fhir/R4/json.html#primitive). */
  private primitiveExtension(obj: JsonObject, key: string, info: KeyInfo, parentPath: string): void {
    const ext = obj[key];
    if (!isPrimitiveType(info.type)) {
      this.fail(`${parentPath}.${key}`, `"${key}" is only allowed for primitive elements; ${info.name} is a ${info.type}`);
      return;
    }
    if (ext === null || ext === undefined) return;
    const path = `${parentPath}.${info.name}`;
    if (!info.element.isArray) {
      this.elementExtension(ext, path, `${parentPath}.${key}`);
      return;
    }
    if (!Array.isArray(ext)) {
      this.fail(`${parentPath}.${key}`, `Expected an array for "${key}" (the element repeats)`);
      return;
    }
    const values = obj[key.slice(1)];
    if (Array.isArray(values) ? values.length !== ext.length : ext.length === 0) {
      const message = `"${key}" must have one entry (or null) per value of "${key.slice(1)}"`;
      this.issues.push(error('structure', message, `${parentPath}.${key}`));
    }
    for (let i = 0; i < ext.length; i++) {
      if (ext[i] !== null) this.elementExtension(ext[i], `${path}[${i}]`, `${parentPath}.${key}[${i}]`);
    }
  }

  private elementExtension(ext: unknown, path: string, jsonPath: string): void {
    if (typeof ext !== 'object' || ext === null || Array.isArray(ext)) {
      this.fail(jsonPath, `Expected an object with id and/or extension, got ${describeJson(ext)}`);
      return;
    }
    if (Object.keys(ext).length === 0) {
      this.issues.push(error('structure', 'Empty objects are not allowed', jsonPath));
      return;
    }
    this.object(ext as JsonObject, getDataType('Element'), path, false);
  }

  private nestedResource(res: JsonObject, info: KeyInfo, path: string): void {
    const type = res.resourceType;
    if (typeof type !== 'string') {
      this.fail(path, 'A nested resource must have a resourceType');
      return;
    }
    if (!isKnownResourceType(type)) {
      this.fail(path, `Unknown resource type "${type}" for a nested resource`);
      return;
    }
    if (res.id !== undefined && (typeof res.id !== 'string' || !FHIR_ID.test(res.id))) {
      this.issues.push(error('value', `Invalid id ${JSON.stringify(res.id)}: expected [A-Za-z0-9-.]{1,64}`, `${path}.id`));
    }
    this.resource(res, type, path, info.name === 'contained' ? 'contained' : 'independent', info.element);
  }

  private reference(ref: JsonObject, element: InternalSchemaElement, path: string): void {
    const reference = ref.reference;
    if (typeof reference !== 'string' || reference === '') return;
    if (reference.charCodeAt(0) === HASH) {
      this.scope.localReferences.push({ reference, path: `${path}.reference` });
      this.fragment(reference);
      return;
    }
    checkReferenceTarget(reference, element, `${path}.reference`, this.issues);
  }

  private fragment(value: string): void {
    this.scope.fragments.add(value);
    if (value === '#' && this.currentContained) this.currentContained.refersToContainer = true;
  }

  /** ref-1 and dom-3 (https://hl7.org/fhir/R4/references.html#contained). */
  private finishScope(scope: ResourceScope): void {
    const ids = new Set(scope.contained.map((c) => c.id));
    for (const { reference, path } of scope.localReferences) {
      if (reference !== '#' && !ids.has(reference.slice(1))) {
        const message = `Constraint ref-1 not met: no contained resource has the id "${reference.slice(1)}"`;
        this.issues.push(error('invariant', message, path));
      }
    }
    for (const c of scope.contained) {
      if (c.refersToContainer || (c.id !== undefined && scope.fragments.has(`#${c.id}`))) continue;
      const message = c.id
        ? `Constraint dom-3 not met: contained resource "${c.id}" is not referenced from elsewhere in the resource`
        : 'Constraint dom-3 not met: a contained resource needs an id, to be referenced from its container';
      this.issues.push(error('invariant', message, c.path));
    }
  }

  private fail(path: string, message: string): void {
    this.issues.push(error('structure', message, path));
    this.fatal = true;
  }
}

/** JSON property name -> element, built once per type; a Map, so `constructor` or `__proto__` never match. */
function keyIndex(schema: InternalTypeSchema): Map<string, KeyInfo> {
  let index = keyIndexes.get(schema);
  if (index) return index;
  index = new Map();
  for (const [name, element] of Object.entries(schema.elements)) {
    if (name.includes('.')) continue; // profile-style nested paths; base types have none
    if (name.endsWith('[x]')) {
      const base = name.slice(0, -3);
      for (const t of element.type) {
        index.set(base + capitalize(t.code), { element, name: base, type: t.code, choice: true });
      }
    } else {
      index.set(name, { element, name, type: element.type[0]?.code ?? 'Element', choice: false });
    }
  }
  keyIndexes.set(schema, index);
  return index;
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
