/**
 * capabilities: https://hl7.org/fhir/R4/http.html#capabilities — generated from what the server really supports
 * (resource types from the definitions, search parameters from the registry - R4 base and the project's own
 * SearchParameters - and `_filter`, which the search layer itself runs -, profiles from those loaded in the validator, operations from their registry), so it cannot
 * drift from the code.
 */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
  CapabilityStatementRestSecurity,
} from '@medplum/fhirtypes';
import { allResourceTypes } from '../../definitions';
import type { SearchParamRegistry } from '../../indexing/registry';
import type { CapabilitySource, OperationCatalog } from '../context';
import type { Route } from '../route-table';
import { FILTER_SEARCH_PARAM } from '../search/filter';

import packageJson from '../../../package.json';

const SOFTWARE_VERSION: string = packageJson.version;

/**
 * `_text` and `_content`, which the search layer answers itself for every type (they have no index expression, so
 * the registry does not list them): on HealthcareService from the offer index, elsewhere from the store's text.
 */
const TEXT_SEARCH_PARAMS: CapabilityStatementRestResourceSearchParam[] = [
  {
    name: '_text',
    definition: 'http://hl7.org/fhir/SearchParameter/DomainResource-text',
    type: 'string',
    documentation:
      'Text of the narrative. On HealthcareService: French full-text matching of the unit (names, activities, ' +
      'establishment, places; accents, plurals, elisions, stop words and acronyms forgiven), from the offer index, ' +
      'which follows writes within a fraction of a second. Elsewhere: the words as a normalized substring.',
  },
  {
    name: '_content',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-content',
    type: 'string',
    documentation: 'Text of the whole resource. On HealthcareService: as _text (the offer index). Elsewhere: the words as a normalized substring.',
  },
];

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

/** What the statement is generated from: the server's own registries, never a hand-kept list. */
export interface CapabilityInputs {
  registry: SearchParamRegistry;
  operations: OperationCatalog;
  /** Resource profiles the validator holds (type and canonical URL). */
  profiles: () => { type: string; url: string }[];
  /** Canonical URLs of the CapabilityStatements this server instantiates (the ROR server's). */
  instantiates: string[];
  /** How clients authenticate (`rest.security`), when the composition root says. */
  security?: (baseUrl: string) => CapabilityStatementRestSecurity;
}

/** GET /metadata */
export const capabilitiesRoute: Route = {
  method: 'GET',
  pattern: 'metadata',
  handler: async (ctx) => ({ status: 200, resource: ctx.capabilities.statement(ctx.baseUrl) }),
};

/**
 * The statement, built on first use for a base URL and kept: the composition root registers every operation and
 * profile before the server answers, so what it is generated from no longer changes.
 */
export class Capabilities implements CapabilitySource {
  private readonly cache = new Map<string, CapabilityStatement>();

  constructor(private readonly inputs: CapabilityInputs) {}

  statement(baseUrl: string): CapabilityStatement {
    let cs = this.cache.get(baseUrl);
    if (!cs) this.cache.set(baseUrl, (cs = build(this.inputs, baseUrl)));
    return cs;
  }
}

function searchParams(registry: SearchParamRegistry, type: string): CapabilityStatementRestResourceSearchParam[] {
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

function resourceEntry(inputs: CapabilityInputs, type: string, profiles: Map<string, string[]>): CapabilityStatementRestResource {
  const ops = inputs.operations.list().filter(
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
    searchParam: searchParams(inputs.registry, type),
  };
  const supported = profiles.get(type);
  if (supported?.length) entry.supportedProfile = [...supported].sort();
  if (ops.length) entry.operation = ops.map((op) => ({ name: op.name, definition: op.definition }));
  return entry;
}

function build(inputs: CapabilityInputs, baseUrl: string): CapabilityStatement {
  const systemOps = inputs.operations.list().filter((op) => op.levels.includes('system'));
  const profiles = new Map<string, string[]>();
  for (const { type, url } of inputs.profiles()) profiles.set(type, [...(profiles.get(type) ?? []), url]);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'ROR FHIR server',
    kind: 'instance',
    software: { name: 'ror-fhir-server', version: SOFTWARE_VERSION },
    implementation: { description: 'ROR FHIR server', url: baseUrl },
    instantiates: inputs.instantiates.length ? [...inputs.instantiates] : undefined,
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: inputs.security?.(baseUrl),
        interaction: [
          { code: 'transaction' },
          { code: 'batch' },
          { code: 'search-system' },
          { code: 'history-system' },
        ],
        resource: [...allResourceTypes()].sort().map((type) => resourceEntry(inputs, type, profiles)),
        searchParam: [{ ...FILTER_SEARCH_PARAM }, ...TEXT_SEARCH_PARAMS.map((p) => ({ ...p }))],
        operation: systemOps.length ? systemOps.map((op) => ({ name: op.name, definition: op.definition })) : undefined,
      },
    ],
  };
}
