/**
 * Builds the ROR conformance resources the server loads at start (fhir-profiles/README.md says what comes from
 * where) from the specification material in ../shared:
 *   fhir-profiles/profiles/*.json            snapshot StructureDefinitions (profiles and extensions), current URLs,
 *                                             and the ROR server CapabilityStatement (claims)
 *   fhir-profiles/terminology/*.json         the JDV value sets and TRE code systems the required bindings use
 *   fhir-profiles/search-parameters/ror-search-parameters.json   the 0.7.0 SearchParameters, corrected
 *
 * Nomenclatures the profiles bind that ../shared lacks are read from fhir-profiles/sources/nomenclatures (the
 * RORTask ones: JDV_J241, J242, J244 and TRE_R349, R350, R352, transcribed from the ANS publications); an export of
 * the same URL in ../shared wins.
 *
 *   npx tsx scripts/build-profiles.ts [--shared ../shared]
 *
 * The output is committed: the server never reads ../shared. Re-running on the same material gives the same files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  Bundle,
  CodeSystem,
  ElementDefinition,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { parseAliases, parseFshExtensions, toDifferential, type FshExtension } from '../src/ror/conformance/fsh';
import { baseDefinition, withSnapshot } from '../src/ror/conformance/snapshot';
import { ELEMENT_GROUP_URL } from '../src/indexing/registry';

const ROR = 'https://interop.esante.gouv.fr/ig/fhir/ror';
const SD = `${ROR}/StructureDefinition`;
const VERSION = '0.7.0';
const TRE_R354 =
  'https://mos.esante.gouv.fr/NOS/TRE_R354-TypeIdentifiantRessourceOperationnelle/FHIR/TRE_R354-TypeIdentifiantRessourceOperationnelle';

const argShared = process.argv.indexOf('--shared');
const SHARED = path.resolve(argShared > 0 ? process.argv[argShared + 1] : path.join(__dirname, '../../shared'));
const IG = path.join(SHARED, 'spec/ror-ig');
const NOMENCLATURES = path.join(SHARED, 'nomenclatures');
const OUT = path.resolve(__dirname, '../fhir-profiles');
const LOCAL_NOMENCLATURES = path.join(OUT, 'sources/nomenclatures');

const log: string[] = [];

function readJsonFile<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Value set canonicals: the 0.7.0 list (ror-JDV-valuesets.tsv) is authoritative; older material has typos
// (JDV_J18 without /FHIR/) - every JDV URL is rewritten to the 0.7.0 canonical of the same Jnn.

const jdvByNumber = new Map<string, string>();
for (const line of fs.readFileSync(path.join(IG, 'ror-0.7.0/ror-JDV-valuesets.tsv'), 'utf8').split('\n').slice(1)) {
  const [name, url] = line.split('\t');
  const n = /^JDV_(J\d+)-/.exec(name ?? '')?.[1];
  if (n && url) jdvByNumber.set(n, url.trim());
}

function canonicalValueSet(url: string): string {
  const n = /\/JDV_(J\d+)-/.exec(url)?.[1];
  return (n && jdvByNumber.get(n)) ?? url.split('|')[0];
}

/** ror30 → ror canonicals (0.1.x material), and http → https. */
function currentUrls<T>(value: T): T {
  const text = JSON.stringify(value).replace(/https?:\/\/interop\.esante\.gouv\.fr\/ig\/fhir\/ror30\//g, `${ROR}/`);
  return JSON.parse(text) as T;
}

/** Required bindings → 0.7.0 JDV canonicals; profile references lose their `|version`. */
function normalizeElements(sd: StructureDefinition): void {
  for (const el of [...(sd.snapshot?.element ?? []), ...(sd.differential?.element ?? [])]) {
    if (el.binding?.valueSet) el.binding.valueSet = canonicalValueSet(el.binding.valueSet);
    for (const t of el.type ?? []) if (t.profile) t.profile = t.profile.map((p) => p.split('|')[0]);
  }
}

function header(sd: StructureDefinition, source: string): StructureDefinition {
  const out: StructureDefinition = {
    ...sd,
    version: VERSION,
    status: 'active',
    description: `${sd.description ?? ''}\n\nBuilt by scripts/build-profiles.ts from ${source}.`.trim(),
  };
  delete out.text;
  delete out.mapping;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Extensions: FSH (0.1.x) < compiled 0.1.x snapshot < 0.7.0 differential, the most recent material winning.

const aliases = parseAliases(fs.readFileSync(path.join(IG, 'ror-0.1.x-fsh/aliases.fsh'), 'utf8'));
for (const [k, v] of aliases) aliases.set(k, canonicalValueSet(v));

const fshDir = path.join(IG, 'ror-0.1.x-fsh/extensions');
const fshFiles = fs.readdirSync(fshDir).filter((f) => f.endsWith('.fsh')).sort();
const fshTexts = fshFiles.map((f) => fs.readFileSync(path.join(fshDir, f), 'utf8'));
const extensionIds = new Map<string, string>();
for (const text of fshTexts) {
  for (const m of text.matchAll(/^Extension:\s*(\S+)\s*\nId:\s*(\S+)/gm)) extensionIds.set(m[1], m[2]);
}
const fshContext = {
  aliases,
  extensionUrl: (name: string) => (extensionIds.has(name) ? `${SD}/${extensionIds.get(name)}` : undefined),
};

const extensions = new Map<string, { sd: StructureDefinition; source: string }>();
const extensionBase = baseDefinition('Extension') as StructureDefinition;

for (const [i, text] of fshTexts.entries()) {
  let parsed: FshExtension[];
  try {
    parsed = parseFshExtensions(text, fshContext);
  } catch (e) {
    log.push(`skipped ${fshFiles[i]}: ${(e as Error).message}`);
    continue;
  }
  for (const ext of parsed) {
    const diff = toDifferential(ext, ROR, VERSION);
    normalizeElements(diff);
    extensions.set(ext.id, { sd: withSnapshot(diff, extensionBase), source: `ror-0.1.x-fsh/extensions/${fshFiles[i]}` });
  }
}

for (const file of fs.readdirSync(path.join(IG, 'ror-0.1.x-ci')).sort()) {
  if (!file.startsWith('StructureDefinition-')) continue;
  const sd = currentUrls(readJsonFile<StructureDefinition>(path.join(IG, 'ror-0.1.x-ci', file)));
  if (sd.type !== 'Extension') continue;
  normalizeElements(sd);
  extensions.set(sd.id as string, { sd, source: `ror-0.1.x-ci/${file} (compiled snapshot, URLs ror30 → ror)` });
}

for (const file of fs.readdirSync(path.join(IG, 'ror-0.7.0')).sort()) {
  if (!file.startsWith('StructureDefinition-') || !file.endsWith('.differential.json')) continue;
  const diff = readJsonFile<StructureDefinition>(path.join(IG, 'ror-0.7.0', file));
  normalizeElements(diff);
  const sd = withSnapshot(diff, extensionBase);
  normalizeElements(sd);
  extensions.set(diff.id as string, { sd, source: `ror-0.7.0/${file} (differential; snapshot generated)` });
}

// ---------------------------------------------------------------------------------------------------------------
// Resource profiles: the compiled 0.1.x snapshots with the current canonicals and the 0.7.0 corrections below;
// RORTask (FSH only) from a differential transcribed from ror-0.1.x-fsh/profiles/RORTask.fsh.

const profiles = new Map<string, { sd: StructureDefinition; source: string; changes: string[] }>();

function removeElements(sd: StructureDefinition, idPrefix: string): void {
  const keep = (e: ElementDefinition) => e.id !== idPrefix && !e.id?.startsWith(`${idPrefix}.`);
  if (sd.snapshot?.element) sd.snapshot.element = sd.snapshot.element.filter(keep);
  if (sd.differential?.element) sd.differential.element = sd.differential.element.filter(keep);
}

/**
 * Identifier type slices fix a CodeableConcept whose coding.system is the JDV_J236 *value set* URL (an IG defect:
 * a value set used as a code system). The codes belong to TRE_R354 for Location; the slices become patterns on
 * that system (a fixed CodeableConcept would also forbid a display).
 */
function fixIdentifierTypes(sd: StructureDefinition, system: string, changes: string[]): void {
  for (const el of sd.snapshot?.element ?? []) {
    const fixed = el.fixedCodeableConcept;
    if (!fixed?.coding?.some((c) => c.system?.includes('JDV_J236'))) continue;
    delete el.fixedCodeableConcept;
    el.patternCodeableConcept = { coding: fixed.coding.map((c) => ({ system, code: c.code })) };
    delete el.binding;
    changes.push(`${el.id}: fixed JDV_J236 coding → pattern {system: TRE_R354, code: ${fixed.coding[0]?.code}}`);
  }
}

function snapshotElement(sd: StructureDefinition, id: string): ElementDefinition {
  const el = sd.snapshot?.element?.find((e) => e.id === id);
  if (!el) throw new Error(`${sd.id}: no element ${id}`);
  return el;
}

/** Identifier systems of the 0.7.0 model (spec/ror-ig/NOTES.md) for the ROROrganization identifier slices. */
const ORGANIZATION_IDENTIFIER_SYSTEMS: Record<string, string> = {
  idNatStruct: 'urn:oid:1.2.250.1.71.4.2.2',
  numFINESS: 'https://finess.esante.gouv.fr',
  numRPPS: 'https://rppsrang.esante.gouv.fr',
  numADELI: 'https://adelirang.esante.gouv.fr',
  identifierOI: 'https://oi.esante.gouv.fr',
};

/**
 * ROROrganization (0.1.x) against the 0.7.0 model of NOTES.md: identifier slices are told apart by their system
 * (0.7.0 data types them with FR Core or TRE_G07 codes, not the JDV_J236 ones the 0.1.x slices fix); SIREN and SIRET
 * share https://sirene.fr and the EG internal id has no known system, so those slices go; an entity juridique has
 * no category of establishment and only internal organisations (OI) have an OI type, so the 0.1.x `type` minimum
 * of 3 and its required slices are relaxed.
 */
function alignOrganization(sd: StructureDefinition, changes: string[]): void {
  snapshotElement(sd, 'Organization.identifier').slicing = {
    discriminator: [{ type: 'value', path: 'system' }],
    rules: 'open',
  };
  for (const slice of ['numSIREN', 'numSIRET', 'identifierEG']) removeElements(sd, `Organization.identifier:${slice}`);
  for (const [slice, system] of Object.entries(ORGANIZATION_IDENTIFIER_SYSTEMS)) {
    const type = snapshotElement(sd, `Organization.identifier:${slice}.type`);
    delete type.fixedCodeableConcept;
    delete type.binding;
    snapshotElement(sd, `Organization.identifier:${slice}.system`).fixedUri = system;
  }
  changes.push('identifier slices discriminated by system (NOTES.md systems); numSIREN, numSIRET, identifierEG removed; JDV_J236 type values dropped');
  snapshotElement(sd, 'Organization.type').min = 1;
  for (const slice of ['statutJuridiqueINSEE', 'categorieEtablissement', 'OIType']) {
    snapshotElement(sd, `Organization.type:${slice}`).min = 0;
  }
  changes.push('type 3..* → 1..*; type slices statutJuridiqueINSEE, categorieEtablissement, OIType 1..1 → 0..1');
}

for (const file of fs.readdirSync(path.join(IG, 'ror-0.1.x-ci')).sort()) {
  if (!file.startsWith('StructureDefinition-')) continue;
  const raw = readJsonFile<StructureDefinition>(path.join(IG, 'ror-0.1.x-ci', file));
  if (raw.type === 'Extension') continue;
  const sd = currentUrls(raw);
  normalizeElements(sd);
  const changes: string[] = ['canonical URLs ror30 → ror', 'JDV binding URLs → 0.7.0 canonicals'];
  if (sd.type === 'Location') {
    fixIdentifierTypes(sd, TRE_R354, changes);
    removeElements(sd, 'Location.extension:ror-location-equipment-limit');
    changes.push('Location.extension:ror-location-equipment-limit removed (nested in ror-location-equipment in 0.7.0)');
  }
  if (sd.type === 'Organization') alignOrganization(sd, changes);
  profiles.set(sd.id as string, { sd, source: `ror-0.1.x-ci/${file}`, changes });
}

function taskProfile(): StructureDefinition {
  const input = `${ROR}/CodeSystem/input-task-ror-codesystem`;
  const output = `${ROR}/CodeSystem/output-task-ror-codesystem`;
  const jdv = (n: string) => jdvByNumber.get(n) as string;
  const el = (id: string, props: Partial<ElementDefinition>): ElementDefinition => ({
    id,
    path: id.replace(/:[^.]+/g, ''),
    ...props,
  });
  const slices = (base: 'input' | 'output', system: string, defs: [string, string, string, string][]) =>
    defs.flatMap(([name, min, max, type]) => [
      el(`Task.${base}:${name}`, { sliceName: name, min: Number(min), max }),
      el(`Task.${base}:${name}.type`, { patternCodeableConcept: { coding: [{ system, code: name }] } }),
      el(`Task.${base}:${name}.value[x]`, { type: [{ code: type }] }),
    ]);
  const diff: StructureDefinition = {
    resourceType: 'StructureDefinition',
    id: 'ror-task',
    url: `${SD}/ror-task`,
    version: VERSION,
    name: 'RORTask',
    status: 'active',
    description: "Anomalie concernant une donnée dans une ressource du ROR",
    fhirVersion: '4.0.1',
    kind: 'resource',
    abstract: false,
    type: 'Task',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Task',
    derivation: 'constraint',
    differential: {
      element: [
        el('Task', {}),
        el('Task.identifier', { max: '1' }),
        el('Task.businessStatus', { min: 1, binding: { strength: 'required', valueSet: jdv('J244') } }),
        el('Task.code', { min: 1, binding: { strength: 'required', valueSet: jdv('J241') } }),
        el('Task.focus', { min: 1 }),
        el('Task.authoredOn', { min: 1 }),
        el('Task.lastModified', { min: 1 }),
        el('Task.reasonCode', { min: 1, binding: { strength: 'required', valueSet: jdv('J242') } }),
        el('Task.input', { slicing: { discriminator: [{ type: 'pattern', path: 'type' }], rules: 'open', ordered: false } }),
        ...slices('input', input, [
          ['ruleErrorId', '0', '1', 'string'],
          ['errorValue', '0', '*', 'string'],
          ['proposedValue', '0', '*', 'string'],
          ['pathElementError', '0', '1', 'Expression'],
          ['systemRequester', '1', '1', 'string'],
          ['identifierRequester', '0', '1', 'Identifier'],
        ]),
        el('Task.output', { slicing: { discriminator: [{ type: 'pattern', path: 'type' }], rules: 'open', ordered: false } }),
        ...slices('output', output, [
          ['newValue', '0', '*', 'string'],
          ['identifierAnalyst', '0', '1', 'Identifier'],
        ]),
      ],
    },
  };
  return withSnapshot(diff, baseDefinition('Task') as StructureDefinition);
}
profiles.set('ror-task', {
  sd: taskProfile(),
  source: 'ror-0.1.x-fsh/profiles/RORTask.fsh (transcribed differential; snapshot generated)',
  changes: ['businessStatus bound (required) to JDV_J244 as the 0.7.0 model says (not bound in the 0.1.x FSH)'],
});

function taskCodeSystem(id: string, name: string, fshFile: string): CodeSystem {
  const text = fs.readFileSync(path.join(IG, 'ror-0.1.x-fsh/codesystems', fshFile), 'utf8');
  const concept = [...text.matchAll(/^\* #(\S+) "([^"]*)" "([^"]*)"/gm)].map((m) => ({ code: m[1], display: m[2], definition: m[3] }));
  return {
    resourceType: 'CodeSystem',
    id,
    url: `${ROR}/CodeSystem/${id}`,
    version: VERSION,
    name,
    status: 'active',
    caseSensitive: true,
    content: 'complete',
    concept,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Terminology: the value sets bound (required) by the profiles and extensions, with the code systems they include.

function nomenclatureFiles(): Map<string, { file: string; resource: ValueSet | CodeSystem }> {
  const byUrl = new Map<string, { file: string; resource: ValueSet | CodeSystem }>();
  for (const file of fs.readdirSync(NOMENCLATURES).filter((f) => f.endsWith('.json')).sort()) {
    const resource = readJsonFile<ValueSet | CodeSystem>(path.join(NOMENCLATURES, file));
    if (resource.url) byUrl.set(resource.url, { file, resource });
  }
  for (const file of fs.readdirSync(LOCAL_NOMENCLATURES).filter((f) => f.endsWith('.json')).sort()) {
    const resource = readJsonFile<ValueSet | CodeSystem>(path.join(LOCAL_NOMENCLATURES, file));
    if (resource.url && !byUrl.has(resource.url)) byUrl.set(resource.url, { file: `fhir-profiles/sources/nomenclatures/${file}`, resource });
  }
  const capacity = readJsonFile<Bundle>(path.join(IG, 'ror-0.7.0/capacity-nomenclatures-JDV-J187-J195.bundle.json'));
  for (const e of capacity.entry ?? []) {
    const r = e.resource as ValueSet | CodeSystem;
    if (r?.url && !byUrl.has(r.url)) {
      const clean = JSON.parse(JSON.stringify(r, (k, v) => (k === '_note' ? undefined : v))) as ValueSet | CodeSystem;
      byUrl.set(r.url, { file: `ror-0.7.0/capacity-nomenclatures-JDV-J187-J195.bundle.json#${r.id ?? r.url}`, resource: clean });
    }
  }
  return byUrl;
}

// ---------------------------------------------------------------------------------------------------------------
// SearchParameters: the 0.7.0 list with the defects of spec/ror-ig/NOTES.md corrected.

const CAPACITY = `Location.extension.where(url='${SD}/ror-location-supported-capacity')`;
const EQUIPMENT = `Location.extension.where(url='${SD}/ror-location-equipment')`;
const EQUIPMENT_LIMIT = `${EQUIPMENT}.extension.where(url='${SD}/ror-location-equipment-limit')`;
const PRICE = `Organization.extension.where(url='${SD}/ror-organization-price')`;
const sub = (name: string, type: string) => `extension.where(url='${name}').value.ofType(${type})`;

/** Expressions replaced as a whole, with the reason (README and the SearchParameter's description keep it). */
const FIXES: Record<string, { expression?: string; code?: string; type?: SearchParameter['type']; why: string }> = {
  'ror-sp-capacity-type': { expression: `${CAPACITY}.${sub('capacityType', 'CodeableConcept')}`, why: 'value is a CodeableConcept, not a code' },
  'ror-sp-capacity-status': { expression: `${CAPACITY}.${sub('capacityStatus', 'CodeableConcept')}`, why: 'value is a CodeableConcept, not a code' },
  'ror-sp-temporality-capacity': { expression: `${CAPACITY}.${sub('temporalityCapacity', 'CodeableConcept')}`, why: 'value is a CodeableConcept, not a code' },
  'ror-sp-gender-capacity-available': { expression: `${CAPACITY}.${sub('genderCapacityAvailable', 'CodeableConcept')}`, why: 'value is a CodeableConcept, not a code' },
  'ror-sp-capacity-closing-type': { expression: `${CAPACITY}.${sub('capacityClosingType', 'CodeableConcept')}`, why: 'value is a CodeableConcept, not a code' },
  'ror-sp-additional-bed-type': { expression: `${CAPACITY}.${sub('additionalBedType', 'CodeableConcept')}`, why: 'value is a CodeableConcept, not a code' },
  'ror-sp-crisis-type': { expression: `${CAPACITY}.${sub('crisisType', 'CodeableConcept')}`, why: 'value is a CodeableConcept, not a code' },
  'ror-sp-temporary-assignement': { expression: `${CAPACITY}.${sub('temporaryAssignement', 'CodeableConcept')}`, why: 'as(): ofType()' },
  'ror-sp-nb-capacity': { expression: `${CAPACITY}.${sub('nbCapacity', 'integer')}`, why: 'as(): ofType()' },
  'ror-sp-capacity-update-date': { expression: `${CAPACITY}.${sub('capacityUpdateDate', 'dateTime')}`, why: 'as(): ofType()' },
  'ror-sp-equipment-type': { expression: `${EQUIPMENT}.${sub('equipmentType', 'CodeableConcept')}`, why: 'as(): ofType()' },
  'ror-sp-equipment-feature': {
    expression: `${EQUIPMENT_LIMIT}.${sub('equipmentFeature', 'CodeableConcept')}`,
    why: 'ror-location-equipment-limit is nested in ror-location-equipment since 0.7.0',
  },
  'ror-sp-limit-value': {
    expression: `${EQUIPMENT_LIMIT}.${sub('limitValue', 'Quantity')}`,
    why: 'ror-location-equipment-limit is nested in ror-location-equipment since 0.7.0',
  },
  'ror-sp-location-near-insee-code': {
    expression: `Location.extension.where(url='${SD}/ror-commune-cog').value.ofType(CodeableConcept)`,
    type: 'token',
    why: 'pointed at a non-existent fr-address-insee-code URL; the commune is ror-commune-cog. Typed token: the server matches the commune code (no proximity)',
  },
  'ror-sp-organization-price-amount-value': {
    code: 'price-amount-value',
    expression: `${PRICE}.${sub('amount', 'Money')}.value`,
    why: 'code amount-value while the CapabilityStatement says price-amount-value',
  },
  'ror-sp-organization-price-validity-start-date': {
    expression: `${PRICE}.extension.where(url='startDate').value`,
    why: 'read the ror-organization URL instead of ror-organization-price; startDate is a dateTime',
  },
  'ror-sp-organization-special-price': {
    expression: `${PRICE}.${sub('specialPrice', 'CodeableConcept')}`,
    why: 'read the dependencyLevel sub-extension instead of specialPrice',
  },
};

/**
 * Repeated elements whose search values must be matched entry by entry: every AND-ed condition on parameters of
 * one group has to hold on the same element (one capacity record, one equipment limit, one price…), not on any
 * mix of entries. Declared on each SearchParameter with the server's element-group extension
 * (src/indexing/registry.ts, ELEMENT_GROUP_URL); longest context first.
 */
const RESIDENTIAL = `Location.extension.where(url='${SD}/ror-location-residential-capacity')`;
const PATIENT_TYPE = `HealthcareService.extension.where(url='${SD}/ror-healthcareservice-patient-type')`;
const ELEMENT_GROUPS = [CAPACITY, EQUIPMENT_LIMIT, EQUIPMENT, RESIDENTIAL, PRICE, PATIENT_TYPE];


function elementGroup(expression: string | undefined): SearchParameter['extension'] {
  const context = ELEMENT_GROUPS.find((c) => expression?.startsWith(`${c}.`));
  if (!context || !expression) return undefined;
  return [
    {
      url: ELEMENT_GROUP_URL,
      extension: [
        { url: 'context', valueString: context },
        { url: 'path', valueString: expression.slice(context.length + 1) },
      ],
    },
  ];
}

/** SearchParameters of 0.7.0 that are not served, with the reason. */
const DROPPED: Record<string, string> = {
  'ror-sp-healthcareservice-equipment-type':
    'targets the removed ror30 ror-healthcareservice-equipement extension; not in the 0.7.0 CapabilityStatement',
};

function searchParameters(): { bundle: Bundle; notes: string[] } {
  const source = readJsonFile<Bundle<SearchParameter>>(path.join(IG, 'ror-0.7.0/SearchParameters-ror-0.7.0-extracted.bundle.json'));
  const notes: string[] = [];
  const entry: Bundle['entry'] = [];
  for (const e of source.entry ?? []) {
    const sp = { ...(e.resource as SearchParameter) };
    const id = sp.id as string;
    if (DROPPED[id]) {
      notes.push(`${id}: dropped - ${DROPPED[id]}`);
      continue;
    }
    const fix = FIXES[id];
    if (fix) {
      notes.push(`${id}: ${fix.why}`);
      if (fix.expression) sp.expression = fix.expression;
      if (fix.code) sp.code = fix.code;
      if (fix.type) sp.type = fix.type;
    } else if (sp.expression?.includes('.as(')) {
      sp.expression = sp.expression.replace(/\.as\((\w+)\)/g, '.ofType($1)');
      notes.push(`${id}: as() → ofType()`);
    }
    sp.expression = sp.expression?.replace(/url\s*=\s*'/g, "url='");
    const group = elementGroup(sp.expression);
    if (group) sp.extension = [...(sp.extension ?? []).filter((x) => x.url !== ELEMENT_GROUP_URL), ...group];
    sp.name ??= id.replace(/^ror-sp-/, '').replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
    sp.status = 'active';
    if (fix) sp.description = `${sp.description ?? ''} [Server correction of the 0.7.0 definition: ${fix.why}.]`.trim();
    entry.push({ fullUrl: sp.url, resource: sp });
  }
  return { bundle: { resourceType: 'Bundle', id: 'ror-search-parameters', type: 'collection', entry }, notes };
}

// ---------------------------------------------------------------------------------------------------------------

function main(): void {
  fs.rmSync(path.join(OUT, 'profiles'), { recursive: true, force: true });
  fs.rmSync(path.join(OUT, 'terminology'), { recursive: true, force: true });
  const manifest: Record<string, unknown>[] = [];

  for (const [id, { sd, source }] of [...extensions].sort(([a], [b]) => a.localeCompare(b))) {
    writeJson(path.join(OUT, 'profiles', `StructureDefinition-${id}.json`), header(sd, source));
    manifest.push({ id, kind: 'extension', source });
  }
  for (const [id, { sd, source, changes }] of [...profiles].sort(([a], [b]) => a.localeCompare(b))) {
    writeJson(path.join(OUT, 'profiles', `StructureDefinition-${id}.json`), header(sd, source));
    manifest.push({ id, kind: 'profile', source, changes });
  }
  const cs = readJsonFile<Record<string, unknown>>(path.join(IG, 'ror-0.7.0/CapabilityStatement-ror-serveur.json'));
  writeJson(path.join(OUT, 'profiles', 'CapabilityStatement-ror-serveur.json'), cs);

  // Terminology
  const all = [...extensions.values(), ...profiles.values()].map((x) => x.sd);
  const bound = new Set<string>();
  for (const sd of all) {
    for (const el of sd.snapshot?.element ?? []) {
      const vs = el.binding?.strength === 'required' ? el.binding.valueSet : undefined;
      if (vs && !vs.startsWith('http://hl7.org/fhir/')) bound.add(vs.split('|')[0]);
    }
  }
  const available = nomenclatureFiles();
  const copied: string[] = [];
  const missing: string[] = [];
  const systems = new Set<string>();
  for (const url of [...bound].sort()) {
    const found = available.get(url);
    if (!found) {
      missing.push(url);
      continue;
    }
    const vs = found.resource as ValueSet;
    for (const inc of vs.compose?.include ?? []) if (inc.system) systems.add(inc.system);
    writeJson(path.join(OUT, 'terminology', `ValueSet-${fileName(url)}.json`), vs);
    copied.push(`${url} ← ${found.file}`);
  }
  for (const system of [...systems].sort()) {
    const found = available.get(system);
    if (found?.resource.resourceType === 'CodeSystem') {
      writeJson(path.join(OUT, 'terminology', `CodeSystem-${fileName(system)}.json`), found.resource);
      copied.push(`${system} ← ${found.file}`);
    }
  }
  for (const [id, name, file] of [
    ['input-task-ror-codesystem', 'InputTaskRORCodeSystem', 'InputTaskRORCodeSystem.fsh'],
    ['output-task-ror-codesystem', 'OutputTaskRORCodeSystem', 'OutputTaskRORCodeSystem.fsh'],
  ]) {
    writeJson(path.join(OUT, 'terminology', `CodeSystem-${id}.json`), taskCodeSystem(id, name, file));
  }

  const { bundle, notes } = searchParameters();
  writeJson(path.join(OUT, 'search-parameters', 'ror-search-parameters.json'), bundle);

  writeJson(path.join(OUT, 'profiles', 'build-manifest.json'), {
    note: 'Written by scripts/build-profiles.ts: where each file comes from; not a FHIR resource.',
    structureDefinitions: manifest,
    terminologyCopied: copied,
    requiredBindingsWithoutLocalCodeList: missing,
    searchParameterCorrections: notes,
    warnings: log,
  });
  console.log(
    `${extensions.size} extensions, ${profiles.size} profiles, ${copied.length} terminology files ` +
      `(${missing.length} bound value sets not available), ${bundle.entry?.length} SearchParameters`,
  );
  for (const w of log) console.warn(w);
}

function fileName(url: string): string {
  const m = /\/NOS\/([^/]+)\//.exec(url);
  return (m ? m[1] : url.split('/').pop() ?? url).replace(/[^A-Za-z0-9_.-]/g, '_');
}

main();
