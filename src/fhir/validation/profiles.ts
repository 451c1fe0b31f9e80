/**
 * Validation against profiles (constraining StructureDefinitions in snapshot form), the hook for ROR profiles.
 * https://hl7.org/fhir/R4/profiling.html
 *
 * Profiles are the ones known to @medplum/core: registered here with `registerProfile`, or loaded directly with
 * `loadDataType` / `indexStructureDefinitionBundle`.
 *
 * Why not `validateResource(resource, { profile: sd })`: medplum re-parses the StructureDefinition on every call,
 * which costs 1-4 ms for a real profile (mostly reading `fixed[x]`/`pattern[x]` of each element) - more than the
 * whole validation. Medplum parses each loaded profile once into a schema (`tryGetProfile`) and its validator
 * looks the root schema up by type name in its registry (`getAllDataTypes()`). So the parsed profile schema is also
 * registered under its canonical URL as a type name (URLs cannot clash with FHIR type names; medplum itself keys
 * logical models by URL there), and the resource is validated as a value of that type with `validateTypedValue`.
 * A unit test checks that this gives the same issues as `validateResource(resource, { profile })`.
 */
import type { InternalTypeSchema } from '@medplum/core';
import { getAllDataTypes, loadDataType, tryGetProfile } from '@medplum/core';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import type { Issue } from './issues';
import { error } from './issues';
import { typedValueIssues } from './medplum';
import { ensureDefinitions } from './ready';

/** Loads a profile (snapshot form) into medplum's registries, replacing an earlier version with the same URL. */
export function registerProfile(sd: StructureDefinition): void {
  if (sd.resourceType !== 'StructureDefinition' || !sd.url || !sd.name || !sd.type) {
    throw new Error('A profile must be a StructureDefinition with url, name and type');
  }
  if (!sd.snapshot?.element?.length) {
    throw new Error(`Profile ${sd.url} has no snapshot: only snapshot-form profiles can be validated against`);
  }
  ensureDefinitions();
  loadDataType(sd);
}

/** Whether a profile canonical (with or without `|version`) can be validated against. */
export function isProfileAvailable(canonical: string): boolean {
  ensureDefinitions();
  return tryGetProfile(unversioned(canonical)) !== undefined;
}

/** Issues of a resource against one loaded profile, or undefined when the profile is not loaded. */
export function profileIssues(resource: Resource, canonical: string): Issue[] | undefined {
  const url = unversioned(canonical);
  const schema = tryGetProfile(url);
  if (!schema) return undefined;
  if (schema.type !== resource.resourceType) {
    const message = `Profile ${url} applies to ${schema.type} resources, not to ${resource.resourceType}`;
    return [error('processing', message, resource.resourceType)];
  }
  return typedValueIssues({ type: registerAsType(url, schema), value: resource });
}

/** Registers (or refreshes, if the profile was reloaded) the parsed profile under its URL; returns the type name. */
function registerAsType(url: string, schema: InternalTypeSchema): string {
  const types = getAllDataTypes();
  if (types[url] !== schema) types[url] = schema;
  return url;
}

function unversioned(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}
