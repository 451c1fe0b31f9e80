/**
 * How French establishments update bed availability in the ROR: PATCH of the repeated
 * ror-location-supported-capacity extensions of a Location (ROR IG 0.7.0), with FHIRPath Patch and with JSON Patch.
 * The fixtures/ folder holds the IG's draft PATCH examples as published (spec-snippets of ror-0.7.0); they contain
 * mistakes, which must be refused with a message that says how to fix them.
 */
import type { Extension, Location, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { applyFhirPathPatch, applyJsonPatch } from '../../../src/fhir/patch';
import scenario2 from './fixtures/PATCH-Location-XXX-add-supported-capacity.scenario2.parameters.json';
import scenario3 from './fixtures/PATCH-Location-XXX-zero-capacity.scenario3.parameters.json';
import {
  SUB,
  SUPPORTED_CAPACITY,
  capacity,
  capacityParts,
  fhirError,
  frozen,
  name,
  op,
  params,
  rorLocation,
  sub,
  value,
} from './helpers';

const location = () => frozen(rorLocation());
const nb = (entry: Extension | undefined) => sub(entry, 'nbCapacity')?.valueInteger;

/** FHIRPath selecting the capacity entry for a status and a gender (TRE_R330 and TRE_R332 codes). */
const entryPath = (status: string, gender: string) =>
  `Location.extension.where(url='${SUPPORTED_CAPACITY}' ` +
  `and extension.where(url='capacityStatus').value.coding.code = '${status}' ` +
  `and extension.where(url='genderCapacityAvailable').value.coding.code = '${gender}')`;

describe('ROR capacities with FHIRPath Patch', () => {
  it('adds a whole capacity entry built from nested parts', () => {
    const fields = { capacityStatus: '02', genderCapacityAvailable: '04', nbCapacity: 1, capacityUpdateDate: '2026-11-21T08:30:00+01:00' };
    const result = applyFhirPathPatch(
      location(),
      params(op('add', 'Location', name('extension'), value({ part: [{ name: 'url', valueUri: SUPPORTED_CAPACITY }, ...capacityParts(fields)] }))),
    ) as Location;
    expect(result.extension).toHaveLength(4);
    expect(result.extension![3]).toEqual(capacity(fields));
    expect(result.extension!.slice(0, 3)).toEqual(rorLocation().extension);
  });

  it('replaces nbCapacity (and the update date) of the entry with status 02 (available) and gender 01', () => {
    const result = applyFhirPathPatch(
      location(),
      params(
        op('replace', `${entryPath('02', '01')}.extension.where(url='nbCapacity').value`, value({ valueInteger: 5 })),
        op('replace', `${entryPath('02', '01')}.extension.where(url='capacityUpdateDate').value`, value({ valueDateTime: '2026-11-21T09:00:00+01:00' })),
      ),
    ) as Location;
    expect(result.extension!.map(nb)).toEqual([5, 2, 12]);
    expect(sub(result.extension![0], 'capacityUpdateDate')).toEqual({ url: 'capacityUpdateDate', valueDateTime: '2026-11-21T09:00:00+01:00' });
    expect(result.extension![0].extension![SUB.nbCapacity]).toEqual({ url: 'nbCapacity', valueInteger: 5 });
  });

  it("does the same with FHIRPath's extension(url) shortcut", () => {
    const path =
      `Location.extension('${SUPPORTED_CAPACITY}')` +
      ".where(extension('capacityStatus').value.coding.code = '02' and extension('genderCapacityAvailable').value.coding.code = '02')" +
      ".extension('nbCapacity').value";
    const result = applyFhirPathPatch(location(), params(op('replace', path, value({ valueInteger: 0 })))) as Location;
    expect(result.extension!.map(nb)).toEqual([3, 0, 12]);
  });

  it('deletes a capacity entry', () => {
    const result = applyFhirPathPatch(location(), params(op('delete', entryPath('03', '04')))) as Location;
    expect(result.extension).toEqual(rorLocation().extension!.slice(0, 2));
  });

  it('refuses a value whose type does not fit the element, or whose JSON does not fit its type', () => {
    const url = fhirError(() =>
      applyFhirPathPatch(location(), params(op('replace', `${entryPath('02', '01')}.extension.where(url='nbCapacity').url`, value({ valueInteger: 5 })))),
    );
    expect(url.status).toBe(400);
    expect(url.message).toMatch(/url takes a uri, not integer \(valueInteger\)/);
    const shape = fhirError(() =>
      applyFhirPathPatch(location(), params(op('replace', `${entryPath('02', '01')}.extension.where(url='nbCapacity').value`, value({ valueInteger: 2.5 })))),
    );
    expect(shape.status).toBe(400);
    expect(shape.message).toMatch(/valueInteger must be a JSON integer, got the number 2.5/);
  });

  it('refuses a path that matches several entries (status 02 is held by two entries)', () => {
    const path = `Location.extension.where(extension.where(url='capacityStatus').value.coding.code = '02').extension.where(url='nbCapacity').value`;
    const error = fhirError(() => applyFhirPathPatch(location(), params(op('replace', path, value({ valueInteger: 0 })))));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/matches 2 elements; replace needs exactly one/);
  });

  it('refuses a path with a wrong extension URL: it matches nothing', () => {
    const wrong = SUPPORTED_CAPACITY.replace('StructureDefinition/', 'StructureDefinition-');
    const path = entryPath('02', '01').replace(SUPPORTED_CAPACITY, wrong) + ".extension.where(url='nbCapacity').value";
    const error = fhirError(() => applyFhirPathPatch(location(), params(op('replace', path, value({ valueInteger: 0 })))));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/the path matches no element of the resource/);
  });
});

describe('ROR IG 0.7.0 draft example, scenario 2: add a supported capacity', () => {
  const draft = () => structuredClone(scenario2) as unknown as Parameters;
  /** The draft's outer part named "extension", which holds the url and the flattened sub-extensions. */
  const draftExtension = () => draft().parameter![0].part!.find((p) => p.name === 'extension')!;
  const addExtension = (valueParts: ParametersParameter[]) =>
    params(op('add', 'Location', name('extension'), value({ part: valueParts })));
  const fixUrl = (parts: ParametersParameter[]) =>
    parts.map((p) => (p.name === 'url' ? { name: 'url', valueUri: SUPPORTED_CAPACITY } : p));
  /** The draft lists url/value pairs in one extension; each pair must be its own sub-extension. */
  const splitSubExtensions = (parts: ParametersParameter[]) =>
    parts.map((p) => {
      if (p.name !== 'extension') return p;
      const pairs: ParametersParameter[] = [];
      for (let i = 0; i < p.part!.length; i += 2) pairs.push({ name: 'extension', part: [p.part![i], p.part![i + 1]] });
      return pairs;
    }).flat();
  const setNbCapacity = (parts: ParametersParameter[], valuePart: Record<string, unknown>) =>
    JSON.parse(JSON.stringify(parts).replace('{"name":"value","valueInt":"2"}', JSON.stringify({ name: 'value', ...valuePart }))) as ParametersParameter[];

  it('as published: refused, the element must be given with "name" and "value" parts', () => {
    const error = fhirError(() => applyFhirPathPatch(location(), draft()));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^FHIRPath Patch operation 0 \(add at "Location"\): unknown part "extension"/);
    expect(error.message).toMatch(/use \{"name": "name", "valueString": "extension"\}/);
  });

  it('with name/value parts but the web-page URL: refused, naming the canonical URL', () => {
    const error = fhirError(() => applyFhirPathPatch(location(), addExtension(draftExtension().part!)));
    expect(error.status).toBe(400);
    expect(error.message).toContain(`write "${SUPPORTED_CAPACITY}"`);
  });

  it('with the URL fixed but the sub-extensions flattened: refused, each sub-extension is its own part', () => {
    const error = fhirError(() => applyFhirPathPatch(location(), addExtension(fixUrl(draftExtension().part!))));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/extension\.extension\.url is given more than once, but an Extension holds one url\. Each sub-extension is its own "extension" part/);
  });

  it('with the sub-extensions split but "valueInt": refused, suggesting valueInteger', () => {
    const error = fhirError(() => applyFhirPathPatch(location(), addExtension(splitSubExtensions(fixUrl(draftExtension().part!)))));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/"valueInt", which is not a FHIR value\[x\]; did you mean valueInteger/);
  });

  it('with valueInteger as a string: refused, it must be a JSON integer', () => {
    const parts = setNbCapacity(splitSubExtensions(fixUrl(draftExtension().part!)), { valueInteger: '2' });
    const error = fhirError(() => applyFhirPathPatch(location(), addExtension(parts)));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/valueInteger must be a JSON integer, got the string "2"/);
  });

  it('corrected: accepted, the Location gets one more capacity entry', () => {
    const parts = setNbCapacity(splitSubExtensions(fixUrl(draftExtension().part!)), { valueInteger: 2 });
    const result = applyFhirPathPatch(location(), addExtension(parts)) as Location;
    const added = result.extension![3];
    expect(added.url).toBe(SUPPORTED_CAPACITY);
    expect(added.extension!.map((e) => e.url)).toEqual([
      'temporaryAssignement',
      'capacityType',
      'capacityStatus',
      'temporalityCapacity',
      'nbCapacity',
      'genderCapacityAvailable',
    ]);
    expect(nb(added)).toBe(2);
    expect(sub(added, 'capacityStatus')!.valueCodeableConcept!.coding![0].code).toBe('02');
  });
});

describe('ROR IG 0.7.0 draft example, scenario 3: set a capacity to zero', () => {
  const draft = () => structuredClone(scenario3) as unknown as Parameters;
  const draftPath = () => draft().parameter![0].part!.find((p) => p.name === 'path')!.valueString!;
  /** A Location where one entry is assigned to Covid+ patients (temporaryAssignement 02). */
  const covidLocation = (entries = 1) => {
    const loc = rorLocation();
    for (let i = 0; i < entries; i++) loc.extension![i] = capacity({ capacityStatus: '02', genderCapacityAvailable: i === 0 ? '01' : '02', nbCapacity: 3 + i, temporaryAssignement: '02' });
    return frozen(loc);
  };
  /** The draft's condition, with exists() on the inner collection. */
  const existsPath = () => draftPath().replace(".code='02'))", ".code='02').exists())");
  /** ...and ending at the value of nbCapacity rather than at the extension. */
  const fixedPath = () => existsPath() + '.value';

  it('as published: refused, a value is written {"name": "value", "valueInteger": ...}', () => {
    const error = fhirError(() => applyFhirPathPatch(covidLocation(), draft()));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/unknown part "valueInteger".*A value is written \{"name": "value", "valueInteger": \.\.\.\}/);
  });

  it('with the value fixed but a collection used as a boolean in where(): refused, suggesting exists()', () => {
    const error = fhirError(() => applyFhirPathPatch(covidLocation(), params(op('replace', draftPath(), value({ valueInteger: 0 })))));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/cannot evaluate .*written with exists\(\)/);
  });

  it('with exists() but a path that ends at the extension, not its value: refused, suggesting .value', () => {
    const error = fhirError(() => applyFhirPathPatch(covidLocation(), params(op('replace', existsPath(), value({ valueInteger: 0 })))));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/extension takes an Extension, not integer \(valueInteger\); to set the value of an extension, end the path with \.value/);
  });

  it('corrected: accepted when one entry matches', () => {
    expect(fixedPath()).not.toBe(draftPath());
    const result = applyFhirPathPatch(covidLocation(), params(op('replace', fixedPath(), value({ valueInteger: 0 })))) as Location;
    expect(result.extension!.map(nb)).toEqual([0, 2, 12]);
  });

  it('corrected, but when two entries are assigned to Covid+: refused, the path must select one entry', () => {
    const error = fhirError(() => applyFhirPathPatch(covidLocation(2), params(op('replace', fixedPath(), value({ valueInteger: 0 })))));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/matches 2 elements/);
  });
});

describe('ROR capacities with JSON Patch', () => {
  const base = `/extension/0/extension`;
  /** Guard the position-based edit with tests on what the entry is, as JSON Patch has no where(). */
  const guard = (entry: number, status: string, gender: string) => [
    { op: 'test', path: `/extension/${entry}/url`, value: SUPPORTED_CAPACITY },
    { op: 'test', path: `/extension/${entry}/extension/${SUB.capacityStatus}/valueCodeableConcept/coding/0/code`, value: status },
    { op: 'test', path: `/extension/${entry}/extension/${SUB.genderCapacityAvailable}/valueCodeableConcept/coding/0/code`, value: gender },
  ];

  it('adds a capacity entry', () => {
    const entry = capacity({ capacityStatus: '02', genderCapacityAvailable: '04', nbCapacity: 1 });
    const result = applyJsonPatch(location(), [{ op: 'add', path: '/extension/-', value: entry }]) as Location;
    expect(result.extension).toEqual([...rorLocation().extension!, entry]);
  });

  it('replaces nbCapacity of the entry with status 02 and gender 01, after testing it is that entry', () => {
    const result = applyJsonPatch(location(), [
      ...guard(0, '02', '01'),
      { op: 'replace', path: `${base}/${SUB.nbCapacity}/valueInteger`, value: 5 },
      { op: 'replace', path: `${base}/${SUB.capacityUpdateDate}/valueDateTime`, value: '2026-11-21T09:00:00+01:00' },
    ]) as Location;
    expect(result.extension!.map(nb)).toEqual([5, 2, 12]);
  });

  it('refuses the edit when the entry at that position is another one (a failed test is a 422)', () => {
    const error = fhirError(() => applyJsonPatch(location(), [...guard(1, '02', '01'), { op: 'replace', path: `/extension/1/extension/${SUB.nbCapacity}/valueInteger`, value: 5 }]));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/JSON Patch operation 2 \(test .*\): test failed: the value is "02", the patch expects "01"/);
  });

  it('removes a capacity entry', () => {
    const result = applyJsonPatch(location(), [...guard(2, '03', '04'), { op: 'remove', path: '/extension/2' }]) as Location;
    expect(result.extension).toEqual(rorLocation().extension!.slice(0, 2));
  });

  it('refuses the "valueInt" mistake: that member does not exist', () => {
    const error = fhirError(() => applyJsonPatch(location(), [{ op: 'replace', path: `${base}/${SUB.nbCapacity}/valueInt`, value: 0 }]));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/\/extension\/0\/extension\/4\/valueInt does not exist: \/extension\/0\/extension\/4 has no member "valueInt"/);
  });
});
