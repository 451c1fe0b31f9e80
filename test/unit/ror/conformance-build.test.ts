/** The pieces scripts/build-profiles.ts uses: FSH extension reader and snapshot generator. */
import type { StructureDefinition } from '@medplum/fhirtypes';
import { parseAliases, parseFshExtensions, toDifferential } from '../../../src/ror/conformance/fsh';
import { baseDefinition, withSnapshot } from '../../../src/ror/conformance/snapshot';

const FSH = `
Alias: $JDV-Test = https://example.org/ValueSet/test

Extension: TestComplex
Id: test-complex
Description: "A complex extension"
* ^context.type = #element
* ^context.expression = "Location"
* extension contains
    kind 1..1 and // a comment
    TestSimple named simple 0..* and
    range 0..1
* extension[kind].value[x] only CodeableConcept
* extension[kind].valueCodeableConcept from $JDV-Test (required)
* extension[range].value[x] only Range
* extension[range].value[x].low 1..1
`;

describe('FSH extension reader and snapshot generator', () => {
  const [ext] = parseFshExtensions(FSH, {
    aliases: parseAliases(FSH),
    extensionUrl: (name) => (name === 'TestSimple' ? 'https://example.org/StructureDefinition/test-simple' : undefined),
  });
  const diff = toDifferential(ext, 'https://example.org', '1.0.0');
  const sd = withSnapshot(diff, baseDefinition('Extension') as StructureDefinition);
  const byId = new Map(sd.snapshot?.element?.map((e) => [e.id, e]));

  it('reads the extension header and context', () => {
    expect(ext).toMatchObject({ name: 'TestComplex', id: 'test-complex', contexts: ['Location'] });
    expect(diff.url).toBe('https://example.org/StructureDefinition/test-complex');
  });

  it('places slices after the sliced element, each followed by its children, in declaration order', () => {
    const ids = sd.snapshot?.element?.map((e) => e.id) ?? [];
    const at = (id: string) => ids.indexOf(id);
    expect(at('Extension.extension')).toBeLessThan(at('Extension.extension:kind'));
    expect(at('Extension.extension:kind')).toBeLessThan(at('Extension.extension:kind.url'));
    expect(at('Extension.extension:kind.value[x]')).toBeLessThan(at('Extension.extension:simple'));
    expect(at('Extension.extension:simple')).toBeLessThan(at('Extension.extension:range'));
    expect(at('Extension.extension:range')).toBeLessThan(at('Extension.url'));
    expect(ids[ids.length - 1]).toBe('Extension.value[x]');
  });

  it('applies cardinalities, fixed URLs, types, bindings and profiles', () => {
    expect(byId.get('Extension.extension')?.slicing?.discriminator).toEqual([{ type: 'value', path: 'url' }]);
    expect(byId.get('Extension.extension:kind')).toMatchObject({ sliceName: 'kind', min: 1, max: '1', path: 'Extension.extension' });
    expect(byId.get('Extension.extension:kind.url')).toMatchObject({ fixedUri: 'kind', path: 'Extension.extension.url' });
    expect(byId.get('Extension.extension:kind.extension')?.max).toBe('0');
    expect(byId.get('Extension.extension:kind.value[x]')).toMatchObject({
      type: [{ code: 'CodeableConcept' }],
      binding: { strength: 'required', valueSet: 'https://example.org/ValueSet/test' },
    });
    expect(byId.get('Extension.extension:simple')?.type).toEqual([
      { code: 'Extension', profile: ['https://example.org/StructureDefinition/test-simple'] },
    ]);
    expect(byId.get('Extension.url')?.fixedUri).toBe('https://example.org/StructureDefinition/test-complex');
    expect(byId.get('Extension.value[x]')?.max).toBe('0');
  });

  it('unfolds a constrained choice type to reach its children', () => {
    expect(byId.get('Extension.extension:range.value[x].low')).toMatchObject({
      min: 1,
      path: 'Extension.extension.value[x].low',
    });
  });

  it('refuses an element that does not exist', () => {
    const bad = { ...diff, differential: { element: [{ id: 'Extension.nope', path: 'Extension.nope' }] } };
    expect(() => withSnapshot(bad, baseDefinition('Extension') as StructureDefinition)).toThrow(/Unknown element Extension.nope/);
  });
});
