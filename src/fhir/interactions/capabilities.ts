/**
 * capabilities: https://hl7.org/fhir/R4/http.html#capabilities — generated from what the server really supports
 * (resource types from the definitions, search parameters from the registry - R4 base and the project's own
 * SearchParameters -, profiles from those loaded in the validator, operations from their registry), so it cannot
 * drift from the code. Computed once per base URL.
 */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import { allResourceTypes } from '../../definitions';
import { listOperations } from '../operations';
import { getRegistry } from '../../indexing/registry';
import { registeredResourceProfiles } from '../validation';

import packageJson from '../../../package.json';

const SOFTWARE_VERSION: string = packageJson.version;

const TYPE_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
] as const;

const cache = new Map<string, CapabilityStatement>();

export function capabilityStatement(baseUrl: string): CapabilityStatement {
  let cs = cache.get(baseUrl);
  if (!cs) {
    cs = build(baseUrl);
    cache.set(baseUrl, cs);
  }
  return cs;
}

/** Forgets generated statements (after search parameters, profiles or operations are registered). */
export function resetCapabilityStatement(): void {
  cache.clear();
}

/** Conformance claims the statement makes (e.g. the ROR server CapabilityStatement it instantiates). */
export interface CapabilityClaims {
  instantiates?: string[];
}

const claims: Required<CapabilityClaims> = { instantiates: [] };

/** Adds claims (deduplicated) and forgets generated statements. */
export function registerCapabilityClaims(add: CapabilityClaims): void {
  for (const url of add.instantiates ?? []) if (!claims.instantiates.includes(url)) claims.instantiates.push(url);
  resetCapabilityStatement();
}

function searchParams(type: string): CapabilityStatementRestResourceSearchParam[] {
  const registry = getRegistry();
  return registry
    .codesOf(type)
    .filter((code) => registry.supports(type, code)) // never claim a parameter search would ignore
    .map((code) => [code, registry.definition(type, code)!] as const)
    .map(([code, sp]) => ({
      name: code,
      definition: sp.url,
      type: sp.type as CapabilityStatementRestResourceSearchParam['type'],
      documentation: sp.description,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function resourceEntry(type: string, profiles: Map<string, string[]>): CapabilityStatementRestResource {
  const ops = listOperations().filter(
    (op) => op.levels.some((l) => l !== 'system') && (!op.resourceTypes || op.resourceTypes.includes(type)),
  );
  const entry: CapabilityStatementRestResource = {
    type: type as CapabilityStatementRestResource["type"],
    interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'full-support',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    searchParam: searchParams(type),
  };
  const supported = profiles.get(type);
  if (supported?.length) entry.supportedProfile = [...supported].sort();
  if (ops.length) entry.operation = ops.map((op) => ({ name: op.name, definition: op.definition }));
  return entry;
}

function build(baseUrl: string): CapabilityStatement {
  const systemOps = listOperations().filter((op) => op.levels.includes('system'));
  const profiles = new Map<string, string[]>();
  for (const { type, url } of registeredResourceProfiles()) profiles.set(type, [...(profiles.get(type) ?? []), url]);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'ROR FHIR server',
    kind: 'instance',
    software: { name: 'ror-fhir-server', version: SOFTWARE_VERSION },
    implementation: { description: 'ROR FHIR server', url: baseUrl },
    instantiates: claims.instantiates.length ? [...claims.instantiates] : undefined,
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        interaction: [
          { code: 'transaction' },
          { code: 'batch' },
          { code: 'search-system' },
          { code: 'history-system' },
        ],
        resource: [...allResourceTypes()].sort().map((type) => resourceEntry(type, profiles)),
        operation: systemOps.length ? systemOps.map((op) => ({ name: op.name, definition: op.definition })) : undefined,
      },
    ],
  };
}
