/**
 * Reads the ROR extension definitions written in FHIR Shorthand (https://hl7.org/fhir/uv/shorthand/) into
 * differential StructureDefinitions. Only the rules the ROR extension files use are understood:
 *   Extension / Id / Parent / Title / Description keywords,
 *   `* value[x] only T1 or T2`, `* valueX from $Alias (strength)`,
 *   `* extension contains a 1..1 and Profile named b 0..* and ...` (continued on following lines),
 *   `* extension[a].value[x] only T`, `* extension[a].valueX from $Alias (strength)`,
 *   `* extension[a].value[x].low 1..1` (cardinality rules on any path), `* extension 1..*`,
 *   `* ^context...expression = "Type"`.
 * Anything else (caret rules on elements, comments, obeys...) is ignored. Used by scripts/build-profiles.ts.
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

export interface FshExtension {
  name: string;
  id: string;
  parent?: string;
  title?: string;
  description?: string;
  contexts: string[];
  /** Rules in order, as differential elements keyed by element id. */
  elements: Map<string, ElementDefinition>;
}

export interface FshContext {
  /** `$Alias` → URL. */
  aliases: Map<string, string>;
  /** Extension name (as used in `contains X named y`) → canonical URL. */
  extensionUrl(name: string): string | undefined;
}

/** `Alias: $X = url` lines. */
export function parseAliases(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^Alias:\s*(\S+)\s*=\s*(\S+)/gm)) out.set(m[1], m[2]);
  return out;
}

/** Extension entities of a FSH file (usually one). */
export function parseFshExtensions(text: string, ctx: FshContext): FshExtension[] {
  const out: FshExtension[] = [];
  let current: FshExtension | undefined;
  const lines = joinContinuations(text);
  for (const raw of lines) {
    const line = raw.replace(/\s\/\/.*$/, '').trim();
    const keyword = /^(Extension|Id|Parent|Title|Description):\s*(.*)$/.exec(line);
    if (keyword) {
      const [, key, value] = keyword;
      if (key === 'Extension') {
        current = { name: value.trim(), id: '', contexts: [], elements: new Map() };
        out.push(current);
      } else if (current) {
        const v = value.trim().replace(/^"|"$/g, '');
        if (key === 'Id') current.id = v;
        else if (key === 'Parent') current.parent = v;
        else if (key === 'Title') current.title = v;
        else current.description = v;
      }
      continue;
    }
    if (!current || !line.startsWith('* ')) continue;
    applyRule(current, line.slice(2).trim(), ctx);
  }
  return out;
}

/** `* extension contains` rules continue on the following indented lines. */
function joinContinuations(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const prev = out[out.length - 1];
    if (prev !== undefined && /\b(contains|and)\s*$/.test(prev.replace(/\s\/\/.*$/, '')) && /^\s+\S/.test(line)) {
      out[out.length - 1] = `${prev.replace(/\s\/\/.*$/, '')} ${line.trim()}`;
    } else {
      out.push(line);
    }
  }
  return out;
}

function applyRule(ext: FshExtension, rule: string, ctx: FshContext): void {
  const context = /^\^context(?:\[[^\]]*\])?\.expression\s*=\s*"([^"]+)"/.exec(rule);
  if (context) {
    ext.contexts.push(context[1]);
    return;
  }
  if (rule.startsWith('^') || rule.includes(' ^')) return;
  const contains = /^extension\s+contains\s+(.*)$/.exec(rule);
  if (contains) {
    addSlices(ext, contains[1], ctx);
    return;
  }
  const only = /^(\S+)\s+only\s+(.+)$/.exec(rule);
  if (only) {
    const id = elementId(only[1]);
    const el = element(ext, id);
    el.type = only[2].split(/\s+or\s+/).map((t) => ({ code: t.trim() }));
    const sub = /^Extension\.extension:([^.]+)\.value\[x\]$/.exec(id);
    if (sub) element(ext, `Extension.extension:${sub[1]}.extension`).max = '0';
    return;
  }
  const from = /^(\S+)\s+from\s+(\S+)(?:\s+\((\w+)\))?/.exec(rule);
  if (from) {
    const id = elementId(from[1]).replace(/\.value[A-Z]\w*$/, '.value[x]');
    const url = from[2].startsWith('$') ? ctx.aliases.get(from[2]) : from[2];
    if (!url) throw new Error(`Unknown alias ${from[2]} in ${ext.name}`);
    element(ext, id).binding = { strength: (from[3] ?? 'required') as 'required', valueSet: url };
    return;
  }
  const card = /^(\S+)\s+(\d+)\.\.(\d+|\*)(?:\s|$)/.exec(rule);
  if (card) {
    const el = element(ext, elementId(card[1]));
    el.min = Number(card[2]);
    el.max = card[3];
  }
}

function addSlices(ext: FshExtension, list: string, ctx: FshContext): void {
  const sliced = element(ext, 'Extension.extension');
  sliced.slicing = { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' };
  element(ext, 'Extension.value[x]').max = '0';
  for (const item of list.split(/\s+and\s+/)) {
    const m = /^(?:(\S+)\s+named\s+)?(\S+)\s+(\d+)\.\.(\d+|\*)/.exec(item.trim());
    if (!m) throw new Error(`Cannot read "${item}" in ${ext.name}`);
    const [, profileName, sliceName, min, max] = m;
    const slice = element(ext, `Extension.extension:${sliceName}`);
    slice.sliceName = sliceName;
    slice.min = Number(min);
    slice.max = max;
    if (profileName) {
      const url = ctx.extensionUrl(profileName);
      if (!url) throw new Error(`Unknown extension ${profileName} in ${ext.name}`);
      slice.type = [{ code: 'Extension', profile: [url] }];
    } else {
      element(ext, `Extension.extension:${sliceName}.url`).fixedUri = sliceName;
    }
  }
}

/** FSH path → element id: `extension[a].value[x].low` → `Extension.extension:a.value[x].low`. */
function elementId(fshPath: string): string {
  const parts = fshPath.split('.').map((p) => {
    const m = /^([^[]+)\[([^\]]+)\]$/.exec(p);
    if (m && m[2] !== 'x') return `${m[1]}:${m[2]}`;
    return p;
  });
  return ['Extension', ...parts].join('.');
}

function element(ext: FshExtension, id: string): ElementDefinition {
  let el = ext.elements.get(id);
  if (!el) {
    el = { id, path: id.replace(/:[^.]+/g, '') };
    ext.elements.set(id, el);
  }
  return el;
}

/** The differential StructureDefinition of a parsed extension, elements in snapshot order. */
export function toDifferential(ext: FshExtension, canonicalBase: string, version: string): StructureDefinition {
  const url = `${canonicalBase}/StructureDefinition/${ext.id}`;
  const elements = [...ext.elements.values()];
  elements.push({ id: 'Extension.url', path: 'Extension.url', fixedUri: url });
  return {
    resourceType: 'StructureDefinition',
    id: ext.id,
    url,
    version,
    name: ext.name,
    title: ext.title,
    status: 'active',
    description: ext.description,
    fhirVersion: '4.0.1',
    kind: 'complex-type',
    abstract: false,
    context: (ext.contexts.length ? ext.contexts : ['Element']).map((expression) => ({ type: 'element', expression })),
    type: 'Extension',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
    derivation: 'constraint',
    differential: { element: [{ id: 'Extension', path: 'Extension' }, ...sortElements(elements)] },
  };
}

/**
 * Orders differential elements like a snapshot: Extension.extension, its slices each followed by their children,
 * then Extension.url and Extension.value[x].
 */
function sortElements(elements: ElementDefinition[]): ElementDefinition[] {
  const rank = (id: string): [number, string, number] => {
    if (id === 'Extension.extension') return [0, '', 0];
    const slice = /^Extension\.extension:([^.]+)(.*)$/.exec(id);
    if (slice) return [1, slice[1], slice[2] ? 1 : 0];
    if (id === 'Extension.url') return [3, '', 0];
    return [4, id, 0];
  };
  const order = new Map<string, number>();
  elements.forEach((e, i) => {
    const m = /^Extension\.extension:([^.]+)/.exec(e.id as string);
    if (m && !order.has(m[1])) order.set(m[1], i);
  });
  return [...elements].sort((a, b) => {
    const [ga, sa, ca] = rank(a.id as string);
    const [gb, sb, cb] = rank(b.id as string);
    if (ga !== gb) return ga - gb;
    if (ga === 1 && sa !== sb) return (order.get(sa) ?? 0) - (order.get(sb) ?? 0);
    if (ca !== cb) return ca - cb;
    return (a.id as string).localeCompare(b.id as string);
  });
}
