/**
 * transitional: removed when main.ts composes the validator
 *
 * The one Terminology of the process that the free functions use (validation's registerTerminology, search's
 * expandValueSet / codeSystemForAlias, planSearch without a terminology): the R4 base, the CodeSystems and
 * ValueSets of fhir-profiles/terminology (what `:in` searched before validation and search shared a terminology),
 * and those registered since. Rebuilt on the next use after a change.
 */
import path from 'node:path';
import { fhirProfilesDir } from '../../project-paths';
import { readTerminologyFolder } from './folder';
import { compact, type TerminologyResource } from './resources';
import { Terminology } from './terminology';

let folder: string | undefined;
/** Compact copies (resources.ts): what the Terminology reads, without the rest. */
let folderResources: TerminologyResource[] | undefined;
const registered: TerminologyResource[] = [];
let current: Terminology | undefined;

export function defaultTerminology(): Terminology {
  if (!current) {
    folderResources ??= readTerminologyFolder(folder ?? path.join(fhirProfilesDir(), 'terminology')).map(compact);
    current = new Terminology({ resources: [...folderResources, ...registered] });
  }
  return current;
}

/** Adds (or replaces, by URL and version) code systems and value sets. */
export function registerTerminology(resources: readonly TerminologyResource[]): void {
  registered.push(...resources.map(compact));
  current = undefined;
}

/** For tests: read the code systems and value sets of another folder instead of fhir-profiles/terminology. */
export function loadTerminology(root: string): void {
  folder = root;
  folderResources = undefined;
  current = undefined;
}
