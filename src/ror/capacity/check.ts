/**
 * Entry-level checks of `ror-location-supported-capacity` extensions, run by the Location write hook on the entries
 * a write adds or changes (entries left as they were are not re-judged, so old data never blocks an update), for
 * Locations that do NOT claim the RORLocation profile: codes must come from the field's TRE code system and be in
 * its list (a JDV value-set URL used as a system — a mistake of the IG's draft snippets — is named as such);
 * nbCapacity is a non-negative valueInteger; capacityUpdateDate is a valueDateTime; no sub-extension twice.
 * A Location claiming RORLocation is checked in full by the profile validator (src/fhir/validation: cardinalities,
 * value types, required bindings of the extension), so these checks are not repeated for it.
 */
import type { Extension } from '@medplum/fhirtypes';
import {
  CODE_LISTS,
  CODED_FIELDS,
  type CodedField,
  describeCodes,
  displayOf,
  fieldOfSystem,
  SUB_EXTENSIONS,
} from './codes';
import { codingsOf, describeRecord, readRecord } from './model';

export interface EntryIssue {
  /** FHIRPath of the element, from the resource root, e.g. `Location.extension[2].extension[4]`. */
  expression: string;
  message: string;
}

const VALUE_KEYS = (sub: Extension) => Object.keys(sub).filter((k) => k.startsWith('value'));

/** Issues of one capacity extension found at `path` (e.g. `Location.extension[2]`). */
export function checkCapacityEntry(entry: Extension, path: string): EntryIssue[] {
  const issues: EntryIssue[] = [];
  const what = `capacity entry ${path}${entry.extension ? ` (${describeRecord(readRecord(entry)) || 'no codes'})` : ''}`;
  const add = (expression: string, message: string) => issues.push({ expression, message: `${what}: ${message}` });
  if (!Array.isArray(entry.extension)) {
    add(path, 'has no sub-extensions (capacityType, capacityStatus, temporalityCapacity, nbCapacity…)');
    return issues;
  }
  const seen = new Map<string, number>();
  const known = new Set<string>(SUB_EXTENSIONS);
  entry.extension.forEach((sub, i) => {
    const subPath = `${path}.extension[${i}]`;
    if (!sub || typeof sub !== 'object' || typeof sub.url !== 'string') return; // the base validator reports it
    seen.set(sub.url, (seen.get(sub.url) ?? 0) + 1);
    if (seen.get(sub.url) === 2) add(subPath, `${sub.url} is given more than once; an entry has at most one`);
    if (!known.has(sub.url)) return;
    if ((CODED_FIELDS as readonly string[]).includes(sub.url)) checkCoded(sub, sub.url as CodedField, subPath, add);
    else if (sub.url === 'nbCapacity') checkNb(sub, subPath, add);
    else if (sub.url === 'capacityUpdateDate') {
      const keys = VALUE_KEYS(sub);
      if (keys.length && !keys.includes('valueDateTime')) add(subPath, `capacityUpdateDate takes a valueDateTime, not ${keys.join(', ')}`);
    }
  });
  return issues;
}

function checkCoded(sub: Extension, field: CodedField, path: string, add: (expression: string, message: string) => void): void {
  const list = CODE_LISTS[field];
  const codings = codingsOf(sub);
  for (const coding of codings) {
    const system = typeof coding.system === 'string' ? coding.system : undefined;
    const owner = system ? fieldOfSystem(system) : undefined;
    if (system && owner?.isValueSet) {
      add(path, `${system} is the value set ${CODE_LISTS[owner.field].valueSet.split('/NOS/')[1].split('/')[0]}, not a code system: write system "${CODE_LISTS[owner.field].system}"`);
      continue;
    }
    if (system && owner && owner.field !== field) {
      add(path, `${system} is the code system of ${owner.field}, not of ${field}: write system "${list.system}"`);
      continue;
    }
    if (system && system !== list.system) continue; // another code system, e.g. a local translation
    if (typeof coding.code !== 'string' || displayOf(field, coding.code) === undefined) {
      add(path, `code ${JSON.stringify(coding.code ?? null)} is not in ${list.label} (${describeCodes(field)})`);
    }
  }
}

function checkNb(sub: Extension, path: string, add: (expression: string, message: string) => void): void {
  const keys = VALUE_KEYS(sub);
  if (!keys.includes('valueInteger')) {
    if (keys.length) add(path, `nbCapacity takes a valueInteger, not ${keys.join(', ')}`);
    return;
  }
  const nb = sub.valueInteger as unknown;
  if (typeof nb !== 'number' || !Number.isInteger(nb)) add(path, `nbCapacity must be a whole number, got ${JSON.stringify(nb)}`);
  else if (nb < 0) add(path, `nbCapacity must be 0 or more, got ${nb}`);
}
