/**
 * Validation of a resource against a profile in snapshot form (https://hl7.org/fhir/R4/profiling.html), for what a
 * profile adds to the base definitions - the base itself is checked by medplum's pass and walk.ts.
 *
 * Why our own: @medplum/core's validator only applies a profile to the root's own elements. It validates nested
 * values against the *base* type, never follows an extension's profile (so sub-extensions, their cardinalities,
 * value types and bindings are unchecked), matches extension slices only through a `url` child that IG snapshots
 * do not carry (so every required extension slice reads as missing), and ignores bindings.
 *
 * Checked, at every depth, with FHIRPath-style paths:
 * - cardinality (min/max) of elements and of slices; closed slicing;
 * - the allowed types of choice elements (`value[x]` restricted to integer rejects `valueString`);
 * - fixed[x] (exact) and pattern[x] (the value contains the pattern) values;
 * - extensions against their own StructureDefinition (sub-extensions included) when it is loaded;
 * - required bindings on code, Coding, CodeableConcept, Quantity and string values, when the value set can be
 *   expanded by the validator's Terminology (src/terminology); other bindings are skipped.
 * Slices are recognised by value/pattern discriminators (fixed or pattern value at the discriminator path, the
 * extension URL, or the slice's required binding when it is the only way to tell); a slice that cannot be
 * recognised (no value to compare, value set not available) is left unchecked rather than reported missing.
 * Not checked: profile-specific invariants (the ROR profiles add none), reference targets' profiles, mustSupport.
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import type { Issue } from './issues';
import { error } from './issues';
import type { CodeSet } from '../../terminology/code-set';
import type { Terminology } from '../../terminology/terminology';

interface Node {
  el: ElementDefinition;
  /** Element name in its parent (`extension`, `value[x]`). */
  name: string;
  children: Map<string, Node>;
  slices: Node[];
  /** Constraints of a choice element per type (`value[x]:valueCodeableConcept` → CodeableConcept). */
  typeSlices: Map<string, Node>;
}

export interface DefinitionSource {
  /** A loaded StructureDefinition by canonical URL (no version). */
  definition(url: string): StructureDefinition | undefined;
  /** Expands the value sets of required bindings. */
  terminology: Terminology;
}

type Json = Record<string, unknown>;

const trees = new WeakMap<StructureDefinition, Node>();

/** Issues of `resource` against the profile `sd` (snapshot form). */
export function snapshotIssues(resource: Json, sd: StructureDefinition, source: DefinitionSource): Issue[] {
  const issues: Issue[] = [];
  new Checker(source, issues).object(resource, tree(sd), resource.resourceType as string);
  return issues;
}

function tree(sd: StructureDefinition): Node {
  let root = trees.get(sd);
  if (root) return root;
  const elements = sd.snapshot?.element ?? [];
  root = newNode(elements[0], elements[0]?.path ?? sd.type ?? '');
  for (const el of elements.slice(1)) {
    const segments = (el.id ?? el.path ?? '').split('.').slice(1);
    let node = root;
    segments.forEach((segment, i) => {
      const [name, sliceName] = splitSegment(segment);
      const last = i === segments.length - 1;
      let child = node.children.get(name);
      if (!child) {
        if (!last || sliceName) return; // malformed snapshot: parent missing
        child = newNode(el, name);
        node.children.set(name, child);
      }
      if (!sliceName) {
        node = child;
        return;
      }
      if (name.endsWith('[x]') && sliceName.startsWith(name.slice(0, -3))) {
        const typeName = typeFromSuffix(sliceName.slice(name.length - 3));
        let typeSlice = child.typeSlices.get(typeName);
        if (!typeSlice) child.typeSlices.set(typeName, (typeSlice = newNode(el, name)));
        node = typeSlice;
        return;
      }
      let slice = child.slices.find((s) => s.el.sliceName === sliceName);
      if (!slice) {
        if (!last) return;
        child.slices.push((slice = newNode(el, name)));
      }
      node = slice;
    });
  }
  trees.set(sd, root);
  return root;
}

function newNode(el: ElementDefinition, name: string): Node {
  return { el, name, children: new Map(), slices: [], typeSlices: new Map() };
}

function splitSegment(segment: string): [string, string | undefined] {
  const colon = segment.indexOf(':');
  return colon < 0 ? [segment, undefined] : [segment.slice(0, colon), segment.slice(colon + 1)];
}

const PRIMITIVES = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer',
  'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml',
]);

/** `CodeableConcept` → CodeableConcept, `Integer` → integer. */
function typeFromSuffix(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVES.has(lower) ? lower : suffix;
}

function maxOf(el: ElementDefinition): number {
  return el.max === undefined || el.max === '*' ? Infinity : Number(el.max);
}

function isArrayElement(el: ElementDefinition): boolean {
  const max = el.base?.max ?? el.max;
  return max !== undefined && max !== '0' && max !== '1';
}

function unversioned(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

class Checker {
  constructor(
    private readonly source: DefinitionSource,
    private readonly issues: Issue[],
  ) {}

  /** Checks the members of a JSON object against the children of `node`. */
  object(obj: Json, node: Node, path: string): void {
    for (const child of node.children.values()) {
      if (child.name === 'id' && !path.includes('.')) continue;
      this.element(obj, child, path);
    }
  }

  private element(obj: Json, child: Node, path: string): void {
    const { key, type } = findKey(obj, child.name);
    const raw = key === undefined ? undefined : obj[key];
    const values = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
    const el = child.el;
    const name = child.name.replace('[x]', '');
    const label = type && child.name.endsWith('[x]') ? `${name}.ofType(${type})` : name;
    const here = `${path}.${label}`;
    // An absent element whose required slices make it required: say which slices (extensions) are missing.
    const slicesMin = values.length === 0 ? child.slices.reduce((n, sl) => n + (sl.el.min ?? 0), 0) : 0;
    if (slicesMin > 0) this.assignSlices([], child, here);
    if (values.length < (el.min ?? 0) && slicesMin < (el.min ?? 0)) {
      const message =
        values.length === 0 && el.min === 1
          ? 'Missing required element (minimum cardinality not met)'
          : `Expected at least ${el.min} value(s) for ${name}, found ${values.length}`;
      this.issues.push(error('required', message, here));
    }
    const max = maxOf(el);
    if (values.length > max) {
      const message = max === 0 ? `${name} is not allowed by the profile` : `At most ${max} value(s) allowed for ${name}, found ${values.length}`;
      this.issues.push(error('structure', message, here));
    }
    if (!values.length) return;
    let node = child;
    if (type && child.name.endsWith('[x]')) {
      const allowed = (el.type ?? []).map((t) => t.code as string);
      if (allowed.length && !allowed.includes(type)) {
        this.issues.push(error('structure', `${name}${type.charAt(0).toUpperCase()}${type.slice(1)} is not allowed by the profile: the type of ${name} must be ${allowed.join(' or ')}`, here));
        return;
      }
      node = child.typeSlices.get(type) ?? child;
    }
    const slices = node.slices.length ? this.assignSlices(values, node, here) : undefined;
    const array = isArrayElement(el);
    values.forEach((v, i) => {
      const itemPath = array ? `${here}[${i}]` : here;
      const slice = slices?.[i];
      this.value(v, slice ?? node, itemPath, type ?? (el.type?.length === 1 ? (el.type[0].code as string) : undefined));
    });
  }

  /** Matches each value to a slice, checks slice cardinalities and closed slicing; returns the slice per value. */
  private assignSlices(values: unknown[], node: Node, here: string): (Node | undefined)[] {
    const discriminators = node.el.slicing?.discriminator ?? [];
    const terminology = this.source.terminology;
    const decidable = node.slices.filter((s) => discriminators.length > 0 && discriminators.every((d) => canMatch(s, d, terminology)));
    const assigned = values.map((v) => decidable.find((s) => discriminators.every((d) => this.matches(v, s, d))));
    const counts = new Map<Node, number>();
    for (const s of assigned) if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const s of decidable) {
      const n = counts.get(s) ?? 0;
      const min = s.el.min ?? 0;
      const max = maxOf(s.el);
      if (n >= min && n <= max) continue;
      const url = extensionUrl(s);
      const where = url ? `${here.replace(/\[\d+\]$/, '')}('${url}')` : here;
      const what = !url ? `Slice ${s.el.sliceName}` : url === s.el.sliceName ? `Sub-extension ${url}` : `Extension ${url}`;
      const card = `${min}..${Number.isFinite(max) ? max : '*'}`;
      const message = n < min && n === 0 ? `${what} is required (${card}) and missing` : `${what}: expected ${card} value(s), found ${n}`;
      this.issues.push(error(n < min ? 'required' : 'structure', message, where));
    }
    if (node.el.slicing?.rules === 'closed') {
      assigned.forEach((s, i) => {
        if (!s) this.issues.push(error('structure', 'Value matches none of the slices of a closed slicing', `${here}[${i}]`));
      });
    }
    return assigned;
  }

  private matches(value: unknown, slice: Node, d: { type?: string; path?: string }): boolean {
    if (!isObject(value)) return false;
    const url = extensionUrl(slice);
    if (d.path === 'url' && url) return value.url === url;
    const target = descendant(slice, d.path ?? '$this');
    const actual = valuesAt(value, d.path ?? '$this');
    const expected = target && fixedOrPattern(target.el);
    if (expected) {
      return actual.some((a) => (expected.fixed ? deepEqual(a, expected.value) : contains(a, expected.value)));
    }
    // Discriminating by binding: the slice's code list tells its values apart.
    const codes = bindingCodes(slice.el, this.source.terminology);
    return !!codes && codingsOf(value).some((c) => inCodeList(codes, c.system, c.code));
  }

  private value(v: unknown, node: Node, path: string, type: string | undefined): void {
    const el = node.el;
    const expected = fixedOrPattern(el);
    if (expected) {
      const ok = expected.fixed ? deepEqual(v, expected.value) : contains(v, expected.value);
      if (!ok) {
        const how = expected.fixed ? 'must be exactly' : 'must contain';
        this.issues.push(error('value', `Value ${how} ${JSON.stringify(expected.value)} (fixed by the profile)`, path));
      }
    }
    if (el.binding?.strength === 'required' && el.binding.valueSet) this.binding(v, el.binding.valueSet, path, type);
    if (!isObject(v)) return;
    if (node.children.size) {
      this.object(v, node, path);
      return;
    }
    const profile = el.type?.find((t) => t.code === 'Extension')?.profile?.[0];
    const sd = profile ? this.source.definition(unversioned(profile)) : undefined;
    if (sd) this.object(v, tree(sd), path);
  }

  private binding(v: unknown, valueSet: string, path: string, type: string | undefined): void {
    const terminology = this.source.terminology;
    const codes = terminology.codes(valueSet);
    if (!codes) return;
    const vsName = valueSetName(valueSet);
    if (typeof v === 'string') {
      if (!codes.hasCode(v)) {
        this.issues.push(error('code-invalid', `Code '${v}' is not in the required value set ${vsName}`, path));
      }
      return;
    }
    if (!isObject(v)) return;
    const codings = type === 'Quantity' || 'value' in v ? [{ system: v.system, code: v.code }] : codingsOf(v);
    if (codings.some((c) => inCodeList(codes, c.system, c.code))) return;
    const shown = codings.map((c) => `code '${String(c.code)}' of system ${String(c.system)}`).join(', ') || 'no coding';
    const systems = codes.systems().join(', ');
    const misuse = codings.find((c) => typeof c.system === 'string' && terminology.isValueSet(unversioned(c.system).replace(/\/$/, '')));
    const hint = misuse
      ? ` ${String(misuse.system)} is the value set, not a code system: the coding system must be ${systems}.`
      : codings.some((c) => typeof c.system === 'string' && codes.bySystem.has(c.system)) ? '' : ` Expected a code of ${systems}.`;
    this.issues.push(error('code-invalid', `${capitalize(shown)} is not in the required value set ${vsName}.${hint}`, path));
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function valueSetName(url: string): string {
  const m = /\/NOS\/([^/]+)\//.exec(url);
  return m ? m[1] : unversioned(url);
}

/** The JSON key holding element `name` (for `value[x]`: `valueInteger`...) and, for a choice, its type. */
function findKey(obj: Json, name: string): { key?: string; type?: string } {
  if (!name.endsWith('[x]')) return name in obj ? { key: name } : {};
  const prefix = name.slice(0, -3);
  for (const key of Object.keys(obj)) {
    if (key.length > prefix.length && key.startsWith(prefix) && /[A-Z]/.test(key.charAt(prefix.length))) {
      return { key, type: typeFromSuffix(key.slice(prefix.length)) };
    }
  }
  return {};
}

function extensionUrl(slice: Node): string | undefined {
  const fixed = slice.children.get('url')?.el.fixedUri;
  if (fixed) return fixed;
  const profile = slice.el.type?.find((t) => t.code === 'Extension')?.profile?.[0];
  return profile ? unversioned(profile) : undefined;
}

function canMatch(slice: Node, d: { type?: string; path?: string }, terminology: Terminology): boolean {
  if (d.type !== 'value' && d.type !== 'pattern') return false;
  if (d.path === 'url' && extensionUrl(slice)) return true;
  const target = descendant(slice, d.path ?? '$this');
  return (target && fixedOrPattern(target.el)) !== undefined || bindingCodes(slice.el, terminology) !== undefined;
}

function bindingCodes(el: ElementDefinition, terminology: Terminology): CodeSet | undefined {
  return el.binding?.strength === 'required' && el.binding.valueSet ? terminology.codes(el.binding.valueSet) : undefined;
}

/** The node at a dotted path below `node` (`$this` is the node itself). */
function descendant(node: Node, path: string): Node | undefined {
  if (path === '$this') return node;
  let current: Node | undefined = node;
  for (const part of path.split('.')) current = current?.children.get(part) ?? current?.children.get(`${part}[x]`);
  return current;
}

/** Values at a dotted path, arrays flattened. */
function valuesAt(value: unknown, path: string): unknown[] {
  if (path === '$this') return [value];
  let current: unknown[] = [value];
  for (const part of path.split('.')) {
    const next: unknown[] = [];
    for (const c of current) {
      if (!isObject(c)) continue;
      const v = c[part];
      if (Array.isArray(v)) next.push(...v);
      else if (v !== undefined) next.push(v);
    }
    current = next;
  }
  return current;
}

function fixedOrPattern(el: ElementDefinition): { fixed: boolean; value: unknown } | undefined {
  for (const [key, value] of Object.entries(el)) {
    if (key.startsWith('fixed') && key.length > 5) return { fixed: true, value };
    if (key.startsWith('pattern') && key.length > 7) return { fixed: false, value };
  }
  return undefined;
}

function codingsOf(v: Json): { system?: unknown; code?: unknown }[] {
  if (Array.isArray(v.coding)) return v.coding.filter(isObject);
  if ('code' in v || 'system' in v) return [v];
  return [];
}

function inCodeList(codes: CodeSet, system: unknown, code: unknown): boolean {
  return typeof system === 'string' && typeof code === 'string' && codes.has(system, code);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** FHIR pattern semantics: every member of the pattern is in the value; each pattern array item matches some item. */
function contains(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => contains(v, p)));
  }
  if (isObject(pattern)) {
    return isObject(value) && Object.entries(pattern).every(([k, p]) => contains(value[k], p));
  }
  return value === pattern;
}
