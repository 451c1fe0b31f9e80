/**
 * FHIR type knowledge the FHIRPath Patch needs: which `value[x]` keys exist, what JSON each primitive type takes,
 * and whether a value of one type may be put into an element of another.
 * The element definitions come from @medplum/core's schema registry, loaded by ../../definitions.
 */
import { capitalize, getElementDefinition, type InternalSchemaElement } from '@medplum/core';
import { loadDefinitions } from '../../../definitions';

/** Element definition of `propertyName` in FHIR type `typeName`, or undefined when the type has no such element. */
export function elementDefinition(typeName: string, propertyName: string): InternalSchemaElement | undefined {
  loadDefinitions();
  return getElementDefinition(typeName, propertyName);
}

/** True for a choice element (`value[x]`): its JSON key carries the type (`valueInteger`, `valueCoding`…). */
export function isChoice(def: InternalSchemaElement): boolean {
  return def.path.endsWith('[x]');
}

/** The element's name as written in FHIRPath (`value` for `Extension.value[x]`). */
export function baseName(def: InternalSchemaElement): string {
  const last = def.path.substring(def.path.lastIndexOf('.') + 1);
  return last.endsWith('[x]') ? last.slice(0, -3) : last;
}

export function repeats(def: InternalSchemaElement): boolean {
  return !!def.isArray || def.max > 1;
}

/** FHIR primitive type codes start with a lower-case letter (string, dateTime, positiveInt…). */
export function isPrimitiveType(type: string): boolean {
  return /^[a-z]/.test(type);
}

/** JSON key of a choice element holding a value of `type`: `value` + `Integer`. */
export function choiceKey(base: string, type: string): string {
  return base + capitalize(type);
}

let valueTypes: Map<string, string> | undefined;

/**
 * The types a Parameters part may carry, by key suffix: `Integer` → `integer`. Read from the schema of
 * `Parameters.parameter.value[x]` (https://hl7.org/fhir/R4/parameters.html), so nothing is hand-kept.
 */
function parameterValueTypes(): Map<string, string> {
  if (!valueTypes) {
    const def = elementDefinition('ParametersParameter', 'value');
    valueTypes = new Map((def?.type ?? []).map((t) => [capitalize(t.code), t.code]));
  }
  return valueTypes;
}

/** `valueInteger` → `integer`; undefined when the key is no `value[x]` key of Parameters (e.g. `valueInt`). */
export function typeOfValueKey(key: string): string | undefined {
  if (!key.startsWith('value')) return undefined;
  return parameterValueTypes().get(key.substring('value'.length));
}

/** Close `value[x]` keys for a misspelt one, for the error message (`valueInt` → valueInteger, valueInstant). */
export function suggestValueKeys(key: string): string[] {
  const keys = [...parameterValueTypes().keys()].map((suffix) => 'value' + suffix);
  const lower = key.toLowerCase();
  const byPrefix = keys.filter((k) => lower.length > 'value'.length && k.toLowerCase().startsWith(lower));
  if (byPrefix.length > 0) return byPrefix;
  return keys.filter((k) => editDistance(k.toLowerCase(), lower) <= 2);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

const INTEGER_TYPES = new Set(['integer', 'unsignedInt', 'positiveInt']);
/** Primitive types whose JSON form is a string with no further structure the patch can check. */
const STRING_TYPES = new Set(['string', 'code', 'id', 'markdown', 'uri', 'url', 'canonical', 'oid', 'uuid', 'xhtml']);
const QUANTITY_PROFILES = new Set(['Age', 'Count', 'Distance', 'Duration', 'SimpleQuantity', 'MoneyQuantity']);

/**
 * Why a JSON value cannot be of FHIR type `type` (undefined when it can). Only the JSON shape is checked here
 * (number vs string vs object); formats and invariants are the job of the validation every write goes through.
 */
export function jsonShapeProblem(type: string, json: unknown): string | undefined {
  const got = describeJson(json);
  if (type === 'boolean') return typeof json === 'boolean' ? undefined : `must be a JSON boolean, got ${got}`;
  if (INTEGER_TYPES.has(type)) {
    if (!Number.isInteger(json)) return `must be a JSON integer, got ${got}`;
    const n = json as number;
    if (type === 'positiveInt' && n < 1) return `must be at least 1, got ${n}`;
    if (type === 'unsignedInt' && n < 0) return `must be at least 0, got ${n}`;
    if (n > 2147483647 || n < -2147483648) return `must fit in 32 bits, got ${n}`;
    return undefined;
  }
  if (type === 'decimal') return Number.isFinite(json) ? undefined : `must be a JSON number, got ${got}`;
  if (isPrimitiveType(type)) return typeof json === 'string' ? undefined : `must be a JSON string, got ${got}`;
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? undefined : `must be a JSON object, got ${got}`;
}

function describeJson(json: unknown): string {
  if (json === null) return 'null';
  if (Array.isArray(json)) return 'an array';
  if (typeof json === 'string') return `the string ${JSON.stringify(json).slice(0, 60)}`;
  if (typeof json === 'object') return 'an object';
  return `the ${typeof json} ${String(json)}`;
}

/**
 * May a value of FHIR type `valueType` be stored in an element of type `elementType`?
 * "The type of the value must be correct for the place at which it will be added/inserted"
 * (https://hl7.org/fhir/R4/fhirpatch.html). Besides an exact match, we accept what has the same JSON form and
 * loses nothing: one string-based primitive for another (a client sends valueString for a code or uri), an
 * integer type for another or for a decimal, a date for a dateTime, and the Quantity profiles for Quantity.
 */
export function typeFits(valueType: string, elementType: string, json: unknown): boolean {
  if (valueType === elementType) return true;
  if (STRING_TYPES.has(valueType) && STRING_TYPES.has(elementType)) return true;
  if (INTEGER_TYPES.has(valueType) && INTEGER_TYPES.has(elementType)) {
    return jsonShapeProblem(elementType, json) === undefined;
  }
  if (INTEGER_TYPES.has(valueType) && elementType === 'decimal') return true;
  if (valueType === 'date' && elementType === 'dateTime') return true;
  if (elementType === 'Quantity' && QUANTITY_PROFILES.has(valueType)) return true;
  return false;
}

export function typeCodes(def: InternalSchemaElement): string[] {
  return def.type.map((t) => t.code);
}
