/**
 * Edits of FHIR JSON that keep a primitive's `_name` sibling in step: in `"given": ["A", "B"],
 * "_given": [null, {"extension": [...]}]` the two arrays are parallel (https://hl7.org/fhir/R4/json.html#primitive),
 * so inserting, moving or removing an item must do the same in both.
 */
import type { InternalSchemaElement } from '@medplum/core';
import type { JsonObject } from './locate';
import { baseName, choiceKey, isChoice, typeCodes } from './types';

/** A value ready to store: its JSON key (typed for a choice element), JSON, and `_key` object for a primitive. */
export interface Materialized {
  key: string;
  json: unknown;
  element?: JsonObject;
}

/** Does `container` already hold a value for element `def` (for a choice element, of any type)? */
export function hasElement(container: JsonObject, def: InternalSchemaElement): boolean {
  const base = baseName(def);
  const keys = isChoice(def) ? typeCodes(def).map((code) => choiceKey(base, code)) : [base];
  return keys.some((key) => container[key] !== undefined || container['_' + key] !== undefined);
}

/** Sets a single-valued element. */
export function setElement(container: JsonObject, value: Materialized): void {
  container[value.key] = value.json;
  if (value.element) container['_' + value.key] = structuredClone(value.element);
  else delete container['_' + value.key];
}

/** Replaces the single-valued element at `oldKey` (which may differ for a choice element), keeping key order. */
export function replaceElement(container: JsonObject, oldKey: string, value: Materialized): void {
  if (oldKey === value.key) {
    setElement(container, value);
    return;
  }
  const entries = Object.entries(container);
  for (const key of Object.keys(container)) delete container[key];
  for (const [key, json] of entries) {
    if (key === oldKey) container[value.key] = value.json;
    else if (key !== '_' + oldKey) container[key] = json;
  }
  if (!(value.key in container)) container[value.key] = value.json;
  if (value.element) container['_' + value.key] = structuredClone(value.element);
}

/** Length of the list `key`, counting items that only have a `_key` part. */
export function listLength(container: JsonObject, key: string): number {
  return Math.max(arrayOrEmpty(container[key]).length, arrayOrEmpty(container['_' + key]).length);
}

export function appendToList(container: JsonObject, value: Materialized): void {
  insertIntoList(container, value.key, listLength(container, value.key), value);
}

export function insertIntoList(container: JsonObject, key: string, index: number, value: Materialized): void {
  editList(container, key, (values, elements) => {
    values.splice(index, 0, value.json);
    elements.splice(index, 0, value.element ? structuredClone(value.element) : null);
  });
}

export function replaceInList(container: JsonObject, key: string, index: number, value: Materialized): void {
  editList(container, key, (values, elements) => {
    values[index] = value.json;
    elements[index] = value.element ? structuredClone(value.element) : null;
  });
}

export function removeFromList(container: JsonObject, key: string, index: number): void {
  editList(container, key, (values, elements) => {
    values.splice(index, 1);
    elements.splice(index, 1);
  });
}

export function moveInList(container: JsonObject, key: string, from: number, to: number): void {
  editList(container, key, (values, elements) => {
    values.splice(to, 0, ...values.splice(from, 1));
    elements.splice(to, 0, ...elements.splice(from, 1));
  });
}

/**
 * Runs `edit` on padded copies of the value and `_` arrays, then writes back only what carries something:
 * an empty list is removed, and a `_key` list of nulls is dropped.
 */
function editList(container: JsonObject, key: string, edit: (values: unknown[], elements: unknown[]) => void): void {
  const length = listLength(container, key);
  const values = pad(arrayOrEmpty(container[key]), length);
  const elements = pad(arrayOrEmpty(container['_' + key]), length);
  edit(values, elements);
  writeList(container, key, values);
  writeList(container, '_' + key, elements);
}

function writeList(container: JsonObject, key: string, list: unknown[]): void {
  if (list.some((item) => item != null)) container[key] = list;
  else delete container[key];
}

function pad(list: unknown[], length: number): unknown[] {
  const copy = list.slice();
  while (copy.length < length) copy.push(null);
  return copy;
}

function arrayOrEmpty(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
