/**
 * The ROR conformance resources committed under fhir-profiles/ (built by scripts/build-profiles.ts; see
 * fhir-profiles/README.md): every StructureDefinition of fhir-profiles/profiles (the six ROR profiles and their
 * extensions, in snapshot form), the CapabilityStatement this server instantiates, and every CodeSystem/ValueSet of
 * fhir-profiles/terminology. A Validator built from them checks a resource claiming a ROR profile in meta.profile
 * on every write; its Terminology gives `:in` searches the ROR value sets.
 *
 * The ROR SearchParameters are not read here: the search registry reads fhir-profiles/search-parameters/ itself.
 */
import fs from 'node:fs';
import { fhirProfilesDir } from '../project-paths';
import path from 'node:path';
import type { Bundle, CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

export const ROR_CANONICAL = 'https://interop.esante.gouv.fr/ig/fhir/ror';
export const ROR_PROFILE_DIR = fhirProfilesDir();

export interface RorConformance {
  /** Resource profiles by resource type. */
  profiles: Record<string, string>;
  extensions: number;
  codeSystems: number;
  valueSets: number;
  /** The ROR server CapabilityStatement this server instantiates. */
  instantiates?: string;
}

export interface RorConformanceResources {
  /** Profiles and extension definitions (snapshot form), extensions first: a profile's extension slices refer to them. */
  definitions: StructureDefinition[];
  /** The code systems and value sets of their required bindings. */
  terminology: (CodeSystem | ValueSet)[];
  /** The URL of the ROR server CapabilityStatement, for the CapabilityStatement's `instantiates`. */
  instantiates?: string;
  summary: RorConformance;
}

/** Reads the conformance resources of a fhir-profiles folder (`profiles/`, `terminology/`). */
export function readRorConformance(root: string = ROR_PROFILE_DIR): RorConformanceResources {
  const definitions: StructureDefinition[] = [];
  const terminology: (CodeSystem | ValueSet)[] = [];
  let instantiates: string | undefined;
  for (const resource of readResources(path.join(root, 'profiles'))) {
    if (resource.resourceType === 'StructureDefinition') definitions.push(resource);
    else if (resource.resourceType === 'CapabilityStatement' && resource.url) instantiates = resource.url;
  }
  for (const resource of readResources(path.join(root, 'terminology'))) {
    if (resource.resourceType === 'CodeSystem' || resource.resourceType === 'ValueSet') terminology.push(resource);
  }
  definitions.sort((a, b) => Number(a.type !== 'Extension') - Number(b.type !== 'Extension'));
  const profiles: Record<string, string> = {};
  for (const sd of definitions) if (sd.kind === 'resource') profiles[sd.type as string] = sd.url as string;
  const summary: RorConformance = {
    profiles,
    extensions: definitions.filter((sd) => sd.type === 'Extension').length,
    codeSystems: terminology.filter((r) => r.resourceType === 'CodeSystem').length,
    valueSets: terminology.filter((r) => r.resourceType === 'ValueSet').length,
    instantiates,
  };
  return { definitions, terminology, instantiates, summary };
}

/** FHIR resources of the JSON files of a folder (Bundles are opened); other JSON files are skipped. */
function readResources(dir: string): Resource[] {
  if (!fs.existsSync(dir)) return [];
  const out: Resource[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Resource | Bundle;
    if (json.resourceType === 'Bundle') {
      for (const e of (json as Bundle).entry ?? []) if (e.resource) out.push(e.resource);
    } else if (typeof json.resourceType === 'string') {
      out.push(json);
    }
  }
  return out;
}
