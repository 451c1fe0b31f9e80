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

/** StructureDefinitions registered here, by URL: validated with snapshot-validator.ts (see index.ts). */
const registered = new Map<string, StructureDefinition>();

/**
 * Loads a profile or an extension definition (snapshot form), replacing an earlier version with the same URL.
 * Profiles registered here are checked with our snapshot validator (nested elements, extensions against their
 * definitions, required bindings); extension definitions registered here are used for the extensions it meets.
 */
export function registerProfile(sd: StructureDefinition): void {
  if (sd.resourceType !== 'StructureDefinition' || !sd.url || !sd.name || !sd.type) {
    throw new Error('A profile must be a StructureDefinition with url, name and type');
  }
  if (!sd.snapshot?.element?.length) {
    throw new Error(`Profile ${sd.url} has no snapshot: only snapshot-form profiles can be validated against`);
  }
  ensureDefinitions();
  loadDataType(sd);
  registered.set(unversioned(sd.url), sd);
}

/** Whether a profile canonical (with or without `|version`) can be validated against. */
export function isProfileAvailable(canonical: string): boolean {
  ensureDefinitions();
  return registered.has(unversioned(canonical)) || tryGetProfile(unversioned(canonical)) !== undefined;
}

/** A StructureDefinition registered with registerProfile, by canonical (with or without `|version`). */
export function registeredDefinition(canonical: string): StructureDefinition | undefined {
  return registered.get(unversioned(canonical));
}

/** Registered profiles of resources (not extensions or data types), for the CapabilityStatement. */
export function registeredResourceProfiles(): { type: string; url: string }[] {
  return [...registered.values()]
    .filter((sd) => sd.kind === 'resource' && sd.derivation === 'constraint')
    .map((sd) => ({ type: sd.type as string, url: sd.url as string }));
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
