/**
 * transitional: removed when main.ts composes the validator
 *
 * The process's default Validator, behind the free functions callers used before validators were instances. It
 * holds the profiles registered with registerProfile, uses the default Terminology
 * (src/fhir/terminology/default-instance.ts), and also knows the profiles loaded straight into medplum's registry,
 * as the process-wide validation did. Rebuilt on the next use after a change.
 */
import { loadDataType } from '@medplum/core';
import type { OperationOutcome, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../definitions';
import { defaultTerminology } from '../terminology/default-instance';
import type { Terminology } from '../terminology/terminology';
import { checkProfile, unversioned } from './profiles';
import { Validator, type ValidationOptions } from './validator';

export { registerTerminology } from '../terminology/default-instance';

const registered = new Map<string, StructureDefinition>();
let current: { validator: Validator; terminology: Terminology } | undefined;

export function defaultValidator(): Validator {
  const terminology = defaultTerminology();
  if (current?.terminology !== terminology) {
    current = { validator: new Validator({ terminology, profiles: [...registered.values()], medplumRegistry: true }), terminology };
  }
  return current.validator;
}

/**
 * Loads a profile or an extension definition (snapshot form), replacing an earlier version with the same URL.
 * It is also loaded into medplum's registry, as before, so medplum's pass can be asked for it (profiles.ts).
 */
export function registerProfile(sd: StructureDefinition): void {
  checkProfile(sd);
  loadDefinitions();
  loadDataType(sd);
  registered.set(unversioned(sd.url as string), sd);
  current = undefined;
}

export function validateResourceForWrite(resource: unknown, opts: ValidationOptions = {}): Resource {
  return defaultValidator().validateForWrite(resource, opts);
}

export function validationOutcome(resource: unknown, opts: ValidationOptions = {}): OperationOutcome {
  return defaultValidator().outcome(resource, opts);
}

export function isProfileAvailable(canonical: string): boolean {
  return defaultValidator().isProfileAvailable(canonical);
}

export function registeredDefinition(canonical: string): StructureDefinition | undefined {
  return defaultValidator().definition(canonical);
}

export function registeredResourceProfiles(): { type: string; url: string }[] {
  return defaultValidator().resourceProfiles();
}

/** The codes of a value set by code system, or undefined when it is unknown or not expandable locally. */
export function valueSetCodes(url: string): ReadonlyMap<string, ReadonlySet<string>> | undefined {
  return defaultTerminology().codes(url)?.bySystem;
}
