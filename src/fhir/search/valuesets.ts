/**
 * Local value set expansion for token `:in` / `:not-in` (https://hl7.org/fhir/R4/search.html#modifiers):
 * ValueSets and CodeSystems are read from the JSON files under fhir-profiles/ (and the ANS nomenclatures when
 * the ROR issue puts them there). Only `compose.include` with concepts or whole code systems is supported.
 */
import fs from 'node:fs';
import { fhirProfilesDir } from '../../project-paths';
import path from 'node:path';
import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import type { TokenValue } from '../../store/search-plan';

const PROFILE_ROOT = fhirProfilesDir();

interface Terminology {
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
}

let loaded: Terminology | undefined;

function walk(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.json')) out.push(p);
  }
}

function load(root: string): Terminology {
  const t: Terminology = { valueSets: new Map(), codeSystems: new Map() };
  const files: string[] = [];
  walk(root, files);
  const add = (r: { resourceType?: string; url?: string } | undefined) => {
    if (!r?.url) return;
    if (r.resourceType === 'ValueSet') t.valueSets.set(r.url, r as ValueSet);
    if (r.resourceType === 'CodeSystem') t.codeSystems.set(r.url, r as CodeSystem);
  };
  for (const f of files) {
    try {
      const json = JSON.parse(fs.readFileSync(f, 'utf8'));
      if (json.resourceType === 'Bundle') for (const e of json.entry ?? []) add(e.resource);
      else add(json);
    } catch {
      /* not a FHIR JSON file */
    }
  }
  return t;
}

function terminology(): Terminology {
  loaded ??= load(PROFILE_ROOT);
  return loaded;
}

/** For tests: use another folder. */
export function loadTerminology(root: string): void {
  loaded = load(root);
}

function flatten(concepts: CodeSystemConcept[] | undefined, out: string[]): void {
  for (const c of concepts ?? []) {
    out.push(c.code as string);
    flatten(c.concept, out);
  }
}

/** The (system, code) pairs of a value set, or undefined when the value set is not known locally. */
export function expandValueSet(url: string, seen = new Set<string>()): TokenValue[] | undefined {
  const canonical = url.split('|')[0];
  const t = terminology();
  const vs = t.valueSets.get(canonical);
  if (!vs) {
    // A code system url stands for all its codes (implicit value set).
    const cs = t.codeSystems.get(canonical);
    if (!cs) return undefined;
    const codes: string[] = [];
    flatten(cs.concept, codes);
    return codes.map((code) => ({ system: cs.url, code }));
  }
  if (seen.has(canonical)) return [];
  seen.add(canonical);
  const out: TokenValue[] = [];
  for (const c of vs.expansion?.contains ?? []) if (c.code) out.push({ system: c.system, code: c.code });
  for (const inc of vs.compose?.include ?? []) {
    if (inc.concept?.length) for (const c of inc.concept) out.push({ system: inc.system, code: c.code });
    else if (inc.system) {
      const codes: string[] = [];
      flatten(t.codeSystems.get(inc.system)?.concept, codes);
      for (const code of codes) out.push({ system: inc.system, code });
    }
    for (const other of inc.valueSet ?? []) out.push(...(expandValueSet(other, seen) ?? []));
  }
  return out;
}

/**
 * ANS code systems by their short name: the ROR IG writes token searches as `TRE_R330|02` (e.g. its orientation
 * query), while data carries the canonical `https://mos.esante.gouv.fr/NOS/TRE_R330-…/FHIR/TRE-R330-…`. The short
 * name is read off every code system URL known locally (CodeSystems, and the systems ValueSets include).
 */
let aliases: Map<string, string> | undefined;

export function codeSystemForAlias(system: string): string | undefined {
  if (!aliases) {
    aliases = new Map();
    const t = terminology();
    const urls = [
      ...[...t.codeSystems.values()].map((cs) => cs.url),
      ...[...t.valueSets.values()].flatMap((vs) => (vs.compose?.include ?? []).map((i) => i.system)),
    ];
    for (const url of urls) {
      const m = url ? /\/NOS\/((?:TRE|ASS)_[A-Z0-9]+)-[^/]+\/FHIR\//.exec(url) : null;
      if (m && url) aliases.set(m[1], url);
    }
  }
  return aliases.get(system);
}

