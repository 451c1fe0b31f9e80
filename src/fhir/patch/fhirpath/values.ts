/**
 * Turns the value of a FHIRPath Patch operation into the JSON to store in a given element, checking that its type
 * fits the element ("Servers SHALL return an error if the type is wrong", https://hl7.org/fhir/R4/fhirpatch.html).
 * A complex value may be written as nested parts, one per element, recursively (an extension with
 * sub-extensions is an `extension` part whose parts are `url`, `extension`…).
 */
import { capitalize, type InternalSchemaElement } from '@medplum/core';
import { isObject, readValue, type ValueSpec } from './operations';
import { PathError, type JsonObject } from './locate';
import { baseName, choiceKey, elementDefinition, isChoice, isPrimitiveType, jsonShapeProblem, repeats, typeCodes, typeFits } from './types';
import { appendToList, hasElement, setElement, type Materialized } from './json';


/**
 * The JSON for `spec` stored as element `def`, which the client named `name` (`value` or `valueInteger` for
 * `Extension.value[x]`). `label` names the place for error messages.
 */
export function materialize(spec: ValueSpec, def: InternalSchemaElement, name: string, label: string): Materialized {
  const base = baseName(def);
  // For a choice element named with its type (`valueInteger`), only that type is allowed.
  const allowed = isChoice(def) && name !== base ? typeCodes(def).filter((c) => choiceKey(base, c) === name) : typeCodes(def);
  if (spec.kind === 'typed') return typedValue(spec, def, allowed, label);
  if (spec.kind === 'resource') {
    if (!allowed.includes('Resource') && !allowed.includes(spec.resource.resourceType)) {
      throw new PathError(400, `${label} takes ${describeTypes(allowed)}, not a resource`);
    }
    return { key: base, json: structuredClone(spec.resource) };
  }
  if (allowed.length !== 1) {
    throw new PathError(400, `${label} can be of type ${describeTypes(allowed)}: give the value as value[x] (e.g. value${capitalize(allowed[0] ?? 'String')}), not as parts, so that its type is known`);
  }
  const type = allowed[0];
  if (isPrimitiveType(type)) {
    throw new PathError(400, `${label} is ${withArticle(type)}: give it as value${capitalize(type)}, not as parts`);
  }
  if (type === 'Resource') throw new PathError(400, `${label} takes a resource: give it in "resource", not as parts`);
  const key = isChoice(def) ? choiceKey(base, type) : base;
  return { key, json: buildComplex(spec.parts, type, label) };
}

function typedValue(
  spec: Extract<ValueSpec, { kind: 'typed' }>,
  def: InternalSchemaElement,
  allowed: string[],
  label: string,
): Materialized {
  const valueKey = 'value' + capitalize(spec.type);
  const shape = jsonShapeProblem(spec.type, spec.json);
  if (shape) throw new PathError(400, `${valueKey} ${shape}`);
  // The JSON key of a choice element names the type, so the type must be one of the listed ones exactly.
  const fits = isChoice(def) ? allowed.includes(spec.type) : allowed.some((t) => typeFits(spec.type, t, spec.json));
  if (!fits) {
    // A path ending at an extension rather than at its value is an easy slip (the ROR IG 0.7.0 draft has it).
    const hint = allowed.length === 1 && allowed[0] === 'Extension' ? '; to set the value of an extension, end the path with .value' : '';
    throw new PathError(400, `${label} takes ${describeTypes(allowed)}, not ${spec.type} (${valueKey})${hint}`);
  }
  if (spec.element && !isPrimitiveType(spec.type)) {
    throw new PathError(400, `_${valueKey} is only for primitive values`);
  }
  if (def.path === 'Extension.url') checkExtensionUrl(spec.json as string, label);
  const base = baseName(def);
  return { key: isChoice(def) ? choiceKey(base, spec.type) : base, json: structuredClone(spec.json), element: spec.element };
}

/**
 * An IG's web page for an extension is `…/StructureDefinition-<id>` (.html), while its canonical URL, the one that
 * goes in Extension.url, is `…/StructureDefinition/<id>`. Mixing them up (as the ROR IG 0.7.0 draft PATCH example
 * does) gives an extension no profile knows, silently; refuse it and name the right URL.
 */
function checkExtensionUrl(url: string, label: string): void {
  const page = /^(.*)\/StructureDefinition-([^/]+?)(\.html)?$/.exec(url);
  if (page) {
    throw new PathError(
      400,
      `${label} "${url}" is the address of the IG's web page, not the canonical URL of the extension: ` +
        `write "${page[1]}/StructureDefinition/${page[2]}"`,
    );
  }
}

/** Builds a complex value of FHIR type `type` from parts named after its elements. */
function buildComplex(parts: unknown[], type: string, label: string): JsonObject {
  const result: JsonObject = {};
  parts.forEach((part, i) => {
    if (!isObject(part) || typeof part.name !== 'string') {
      throw new PathError(400, `${label}: part ${i} must be an object with a "name"`);
    }
    const name = part.name;
    const childLabel = `${label}.${name}`;
    const def = elementDefinition(type, name);
    if (!def) throw new PathError(400, `${label} is ${withArticle(type)}, which has no element "${name}"`);
    const spec = readValue(part, (message) => new PathError(400, `${childLabel}: ${message}`));
    const value = materialize(spec, def, name, childLabel);
    if (repeats(def)) {
      appendToList(result, value);
    } else if (hasElement(result, def)) {
      throw new PathError(400, `${childLabel} is given more than once, but ${withArticle(type)} holds one ${name}${extensionHint(type)}`);
    } else {
      setElement(result, value);
    }
  });
  return result;
}

/** The usual mistake when writing sub-extensions as parts: url/value pairs listed flat in one extension. */
function extensionHint(type: string): string {
  return type === 'Extension'
    ? '. Each sub-extension is its own "extension" part, with its own "url" and "value" parts inside'
    : '';
}

function describeTypes(types: string[]): string {
  if (types.length === 0) return 'no value';
  if (types.length === 1) return withArticle(types[0]);
  return `one of ${types.join(', ')}`;
}

/** "an Extension", "an integer", "a uri" (a u- type sounds like "you"). */
function withArticle(type: string): string {
  return `${/^[aeioAEIO]/.test(type) ? 'an' : 'a'} ${type}`;
}
