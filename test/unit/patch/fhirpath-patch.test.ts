import type { Observation, Organization, Parameters, Patient } from '@medplum/fhirtypes';
import { applyFhirPathPatch, parseFhirPathPatch } from '../../../src/fhir/patch';
import { destination, fhirError, frozen, index, name, op, params, source, value } from './helpers';

function patient(): Patient {
  return frozen<Patient>({
    resourceType: 'Patient',
    id: 'p1',
    active: true,
    name: [{ use: 'official', family: 'Martin', given: ['Claire', 'Anne'] }],
    identifier: [
      { system: 'urn:a', value: '1' },
      { system: 'urn:a', value: '2' },
      { system: 'urn:a', value: '3' },
    ],
    telecom: [
      { system: 'phone', value: '0102030405' },
      { system: 'email', value: 'claire@example.org' },
    ],
  });
}

const patch = (...operations: Parameters['parameter'] & object) => applyFhirPathPatch(patient(), params(...operations)) as Patient;
const values = (p: Patient) => p.identifier!.map((i) => i.value);

describe('FHIRPath Patch: add', () => {
  it('adds a primitive element to the resource', () => {
    const result = patch(op('add', 'Patient', name('birthDate'), value({ valueDate: '1980-05-01' })));
    expect(result.birthDate).toBe('1980-05-01');
  });

  it('appends to a repeating element (a single value becomes a list item)', () => {
    const result = patch(op('add', 'Patient', name('identifier'), value({ valueIdentifier: { system: 'urn:b', value: '9' } })));
    expect(result.identifier).toHaveLength(4);
    expect(result.identifier![3]).toEqual({ system: 'urn:b', value: '9' });
  });

  it('builds a complex value from nested parts (a backbone element with data types inside)', () => {
    const result = patch(
      op(
        'add',
        'Patient',
        name('contact'),
        value({
          part: [
            { name: 'name', valueHumanName: { text: 'Paul Martin' } },
            { name: 'relationship', valueCodeableConcept: { text: 'frère' } },
            { name: 'telecom', valueContactPoint: { system: 'phone', value: '0600000000' } },
            { name: 'telecom', valueContactPoint: { system: 'email', value: 'paul@example.org' } },
            { name: 'gender', valueCode: 'male' },
          ],
        }),
      ),
    );
    expect(result.contact).toEqual([
      {
        name: { text: 'Paul Martin' },
        relationship: [{ text: 'frère' }],
        telecom: [
          { system: 'phone', value: '0600000000' },
          { system: 'email', value: 'paul@example.org' },
        ],
        gender: 'male',
      },
    ]);
  });

  it('adds inside an element selected with where()', () => {
    const result = patch(op('add', "Patient.name.where(use='official')", name('prefix'), value({ valueString: 'Dr' })));
    expect(result.name![0].prefix).toEqual(['Dr']);
  });

  it("adds an extension to a primitive, in its _element (https://hl7.org/fhir/R4/json.html#primitive)", () => {
    const result = patch(
      op('add', 'Patient', name('birthDate'), value({ valueDate: '1980-05-01' })),
      op('add', 'Patient.birthDate', name('extension'), value({ part: [{ name: 'url', valueUri: 'urn:x' }, { name: 'valueString', valueString: 'approx' }] })),
    );
    expect(result.birthDate).toBe('1980-05-01');
    expect((result as unknown as Record<string, unknown>)._birthDate).toEqual({ extension: [{ url: 'urn:x', valueString: 'approx' }] });
  });

  it('adds a choice element under its base name, the key carrying the type (deceased → deceasedDateTime)', () => {
    const result = patch(op('add', 'Patient', name('deceased'), value({ valueDateTime: '2026-01-02' })));
    expect(result.deceasedDateTime).toBe('2026-01-02');
    const typed = fhirError(() => patch(op('add', 'Patient', name('deceasedBoolean'), value({ valueDateTime: '2026-01-02' }))));
    expect(typed.status).toBe(400);
    expect(typed.message).toMatch(/deceasedBoolean takes a boolean, not dateTime/);
  });

  it('adds a contained resource, which can then be patched and deleted', () => {
    const added = patch(op('add', 'Patient', name('contained'), { name: 'value', resource: { resourceType: 'Organization', id: 'org', name: 'CHU' } }));
    expect(added.contained).toEqual([{ resourceType: 'Organization', id: 'org', name: 'CHU' }]);
    const renamed = applyFhirPathPatch(added, params(op('replace', "Patient.contained.where(id='org').name", value({ valueString: 'CHU de Nantes' })))) as Patient;
    expect(renamed.contained).toEqual([{ resourceType: 'Organization', id: 'org', name: 'CHU de Nantes' }]);
    expect(applyFhirPathPatch(renamed, params(op('delete', "Patient.contained.where(id='org')")))).not.toHaveProperty('contained');
  });

  it('accepts a string-based value for a code element, and an integer for a decimal', () => {
    const result = patch(op('add', 'Patient', name('gender'), value({ valueString: 'female' })));
    expect(result.gender).toBe('female');
    const obs = frozen<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1.5 } });
    const replaced = applyFhirPathPatch(obs, params(op('replace', 'Observation.valueQuantity.value', value({ valueInteger: 3 })))) as Observation;
    expect(replaced.valueQuantity).toEqual({ value: 3 });
  });

  it.each([
    ['an element that already has a value', op('add', 'Patient', name('active'), value({ valueBoolean: false })), 422, /"active" already has a value and holds only one: use replace/],
    ['a path that matches nothing', op('add', "Patient.name.where(use='maiden')", name('prefix'), value({ valueString: 'Dr' })), 422, /matches no element/],
    ['a path that matches several elements', op('add', 'Patient.identifier', name('use'), value({ valueCode: 'usual' })), 422, /matches 3 elements; add needs exactly one/],
    ['an element the type does not have', op('add', 'Patient', name('nickname'), value({ valueString: 'x' })), 400, /Patient has no element "nickname"/],
    ['a value of the wrong type', op('add', 'Patient', name('birthDate'), value({ valueBoolean: true })), 400, /birthDate takes a date, not boolean \(valueBoolean\)/],
    ['a primitive given as parts', op('add', 'Patient', name('birthDate'), value({ part: [{ name: 'x', valueString: 'y' }] })), 400, /is a date: give it as valueDate, not as parts/],
    ['parts naming an unknown element', op('add', 'Patient', name('contact'), value({ part: [{ name: 'nom', valueString: 'x' }] })), 400, /contact is a PatientContact, which has no element "nom"/],
    ['a single-valued element given twice in parts', op('add', 'Patient', name('contact'), value({ part: [{ name: 'gender', valueCode: 'male' }, { name: 'gender', valueCode: 'female' }] })), 400, /contact.gender is given more than once/],
  ] as const)('refuses %s', (_label, operation, status, message) => {
    const error = fhirError(() => patch(operation));
    expect(error.status).toBe(status);
    expect(error.message).toMatch(message);
  });
});

describe('FHIRPath Patch: insert', () => {
  const insertAt = (i: number) => patch(op('insert', 'Patient.identifier', index(i), value({ valueIdentifier: { value: 'new' } })));

  it.each([
    [0, ['new', '1', '2', '3']],
    [1, ['1', 'new', '2', '3']],
    [3, ['1', '2', '3', 'new']],
  ])('at index %i', (i, expected) => {
    expect(values(insertAt(i))).toEqual(expected);
  });

  it('refuses an index past the end of the list', () => {
    const error = fhirError(() => insertAt(4));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/index 4 is out of range: the list has 3 element\(s\), so the index must be 0 to 3/);
  });

  it('inserts into a list of primitives, keeping the _given extensions aligned', () => {
    const input = frozen<Patient>({
      resourceType: 'Patient',
      name: [{ given: ['A', 'B'], _given: [null, { extension: [{ url: 'urn:x', valueString: 'b' }] }] } as never],
    });
    const result = applyFhirPathPatch(input, params(op('insert', 'Patient.name[0].given', index(0), value({ valueString: 'Z' })))) as Patient;
    const name0 = result.name![0] as Record<string, unknown>;
    expect(name0.given).toEqual(['Z', 'A', 'B']);
    expect(name0._given).toEqual([null, null, { extension: [{ url: 'urn:x', valueString: 'b' }] }]);
  });

  it('creates the list when it is absent and the index is 0', () => {
    const result = patch(op('insert', 'Patient.address', index(0), value({ valueAddress: { city: 'Nantes' } })));
    expect(result.address).toEqual([{ city: 'Nantes' }]);
  });

  it('refuses a path that is not a list name, and an element that is not a list', () => {
    const filtered = fhirError(() => patch(op('insert', "Patient.identifier.where(value='1')", index(0), value({ valueIdentifier: {} }))));
    expect(filtered.status).toBe(400);
    expect(filtered.message).toMatch(/must name the list itself/);
    const single = fhirError(() => patch(op('insert', 'Patient.birthDate', index(0), value({ valueDate: '2000-01-01' }))));
    expect(single.status).toBe(400);
    expect(single.message).toMatch(/"birthDate" is not a list/);
  });
});

describe('FHIRPath Patch: delete', () => {
  it('deletes a single element', () => {
    expect(patch(op('delete', 'Patient.active'))).not.toHaveProperty('active');
  });

  it('deletes a list item selected with where()', () => {
    const result = patch(op('delete', "Patient.telecom.where(system='email')"));
    expect(result.telecom).toEqual([{ system: 'phone', value: '0102030405' }]);
  });

  it('deletes by index, and removes the list when it becomes empty', () => {
    const result = patch(op('delete', 'Patient.telecom[1]'), op('delete', 'Patient.telecom[0]'));
    expect(result).not.toHaveProperty('telecom');
  });

  it('removes an element left empty (FHIR JSON has no empty objects)', () => {
    const input = frozen<Patient>({ resourceType: 'Patient', id: 'x', name: [{ family: 'A' }, { family: 'B' }] });
    const result = applyFhirPathPatch(input, params(op('delete', "Patient.name.where(family='A').family"))) as Patient;
    expect(result.name).toEqual([{ family: 'B' }]);
  });

  it('leaves the resource as it is when the path matches nothing', () => {
    expect(patch(op('delete', "Patient.telecom.where(system='fax')"))).toEqual(patient());
    expect(patch(op('delete', 'Patient.birthDate'))).toEqual(patient());
  });

  it('refuses a path that matches several elements', () => {
    const error = fhirError(() => patch(op('delete', 'Patient.identifier')));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/matches 3 elements; delete needs exactly one/);
  });
});

describe('FHIRPath Patch: replace', () => {
  it('replaces a primitive inside an element selected with where()', () => {
    const result = patch(op('replace', "Patient.telecom.where(system='phone').value", value({ valueString: '0999999999' })));
    expect(result.telecom![0]).toEqual({ system: 'phone', value: '0999999999' });
  });

  it('replaces a whole list item and a primitive list item', () => {
    const result = patch(
      op('replace', 'Patient.identifier[1]', value({ valueIdentifier: { value: 'two' } })),
      op('replace', "Patient.name[0].given.where($this = 'Anne')", value({ valueString: 'Anna' })),
    );
    expect(values(result)).toEqual(['1', 'two', '3']);
    expect(result.name![0].given).toEqual(['Claire', 'Anna']);
  });

  it('changes the type of a choice element (deceasedBoolean → deceasedDateTime)', () => {
    const input = frozen<Patient>({ resourceType: 'Patient', id: 'x', deceasedBoolean: false, active: true });
    const result = applyFhirPathPatch(input, params(op('replace', 'Patient.deceased', value({ valueDateTime: '2026-01-02' }))));
    expect(result).toEqual({ resourceType: 'Patient', id: 'x', deceasedDateTime: '2026-01-02', active: true });
    expect(Object.keys(result)).toEqual(['resourceType', 'id', 'deceasedDateTime', 'active']);
  });

  it('works on any resource type (Organization)', () => {
    const org = frozen<Organization>({ resourceType: 'Organization', id: 'o', name: 'CHU', alias: ['A'] });
    const result = applyFhirPathPatch(
      org,
      params(op('replace', 'Organization.name', value({ valueString: 'CHU de Nantes' })), op('add', 'Organization', name('alias'), value({ valueString: 'B' }))),
    );
    expect(result).toEqual({ resourceType: 'Organization', id: 'o', name: 'CHU de Nantes', alias: ['A', 'B'] });
  });

  it.each([
    ['a path that matches nothing', op('replace', 'Patient.birthDate', value({ valueDate: '2000-01-01' })), 422, /matches no element of the resource \(replace needs exactly one\)/],
    ['a path that matches several elements', op('replace', "Patient.identifier.where(system='urn:a').value", value({ valueString: 'x' })), 422, /matches 3 elements/],
    ['a value of the wrong type', op('replace', 'Patient.active', value({ valueString: 'false' })), 400, /active takes a boolean, not string/],
    ['a choice type the element does not allow', op('replace', 'Patient.name[0].given[0]', value({ valueInteger: 1 })), 400, /takes a string, not integer/],
    ['the resource itself', op('replace', 'Patient', value({ valueString: 'x' })), 400, /to replace it, use PUT/],
    ['a change of id', op('replace', 'Patient.id', value({ valueString: 'other' })), 422, /may not change the id/],
  ] as const)('refuses %s', (_label, operation, status, message) => {
    const error = fhirError(() => patch(operation));
    expect(error.status).toBe(status);
    expect(error.message).toMatch(message);
  });
});

describe('FHIRPath Patch: move', () => {
  it('moves within a list', () => {
    expect(values(patch(op('move', 'Patient.identifier', source(0), destination(2))))).toEqual(['2', '3', '1']);
    expect(values(patch(op('move', 'Patient.identifier', source(2), destination(0))))).toEqual(['3', '1', '2']);
  });

  it.each([
    [source(3), destination(0), /source 3 is out of range: the list has 3 element\(s\) \(0 to 2\)/],
    [source(0), destination(3), /destination 3 is out of range/],
  ])('refuses a position outside the list', (from, to, message) => {
    const error = fhirError(() => patch(op('move', 'Patient.identifier', from, to)));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(message);
  });

  it('refuses a list that is empty', () => {
    const error = fhirError(() => patch(op('move', 'Patient.address', source(0), destination(0))));
    expect(error.status).toBe(422);
  });
});

describe('FHIRPath Patch: several operations, in order, on a copy', () => {
  it('applies each operation to the result of the previous one', () => {
    const result = patch(
      op('add', 'Patient', name('identifier'), value({ valueIdentifier: { value: '4' } })),
      op('move', 'Patient.identifier', source(3), destination(0)),
      op('delete', "Patient.identifier.where(value='2')"),
    );
    expect(values(result)).toEqual(['4', '1', '3']);
  });

  it('never changes the input (frozen here), even when a later operation fails', () => {
    const input = patient();
    const error = fhirError(() =>
      applyFhirPathPatch(input, params(op('delete', 'Patient.active'), op('replace', 'Patient.gender', value({ valueCode: 'male' })))),
    );
    expect(error.message).toMatch(/^FHIRPath Patch operation 1 \(replace at "Patient.gender"\)/);
    expect(input.active).toBe(true);
  });

  it('accepts an empty Parameters as a patch that changes nothing', () => {
    expect(applyFhirPathPatch(patient(), { resourceType: 'Parameters' })).toEqual(patient());
  });
});

describe('FHIRPath Patch: paths', () => {
  it('understands %resource, first(), last(), skip(), take(), tail(), single() and ofType()', () => {
    const obs = frozen<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 } });
    const replaced = applyFhirPathPatch(obs, params(op('replace', 'Observation.value.ofType(Quantity).value', value({ valueDecimal: 2.5 })))) as Observation;
    expect(replaced.valueQuantity).toEqual({ value: 2.5 });
    const result = patch(
      op('replace', '%resource.identifier.first().value', value({ valueString: 'a' })),
      op('replace', 'Patient.identifier.last().value', value({ valueString: 'c' })),
      op('replace', 'Patient.identifier.skip(1).take(1).single().value', value({ valueString: 'b' })),
      op('delete', 'Patient.telecom.tail()'),
    );
    expect(values(result)).toEqual(['a', 'b', 'c']);
    expect(result.telecom).toHaveLength(1);
  });

  it.each([
    ['resolve()', 'Patient.managingOrganization.resolve().name', /resolve\(\) cannot be used/],
    ['a union', 'Patient.name | Patient.telecom', /does not select elements of the resource/],
    ['a non-selecting function', 'Patient.name.count()', /count\(\) does not select elements/],
    ['an invalid expression', 'Patient.name.where(', /not a valid FHIRPath expression/],
    ['an unknown variable', '%patient.name', /unknown variable %patient/],
    ['another resource type', 'Organization.name', /the path starts with "Organization", but the resource is a Patient/],
  ])('refuses %s with a 400', (_label, path, message) => {
    const error = fhirError(() => patch(op('delete', path)));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });
});

describe('FHIRPath Patch: malformed Parameters (400)', () => {
  const raw = (parameter: unknown): Parameters => ({ resourceType: 'Parameters', parameter: [parameter] }) as Parameters;

  it.each([
    ['not a Parameters', { resourceType: 'Patient' } as unknown as Parameters, /must be a Parameters resource/],
    ['a parameter not named operation', raw({ name: 'op', part: [] }), /named "op": every parameter of a FHIRPath Patch is named "operation"/],
    ['an operation without parts', raw({ name: 'operation' }), /has no parts/],
    ['no type', raw({ name: 'operation', part: [{ name: 'path', valueString: 'Patient' }] }), /the part "type" is missing/],
    ['an unknown type', params(op('remove', 'Patient.active')), /must be a valueCode among add, insert, delete, replace, move; got "remove"/],
    ['a missing value', params(op('replace', 'Patient.active')), /replace needs the part value/],
    ['a part the type does not take', params(op('delete', 'Patient.active', value({ valueBoolean: true }))), /delete takes no part value/],
    ['a repeated part', params(op('add', 'Patient', name('a'), name('b'), value({ valueString: 'x' }))), /the part "name" is given more than once/],
    ['an unknown part', params(op('add', 'Patient', { name: 'element', valueString: 'gender' }, value({ valueCode: 'male' }))), /unknown part "element"/],
    ['a negative index', params(op('insert', 'Patient.identifier', index(-1), value({ valueIdentifier: {} }))), /"index" must have a valueInteger of 0 or more/],
    ['an index given as a string', params(op('insert', 'Patient.identifier', { name: 'index', valueString: '0' }, value({ valueIdentifier: {} }))), /"index" must have a valueInteger/],
    ['a misspelt value[x]', params(op('replace', 'Patient.active', { name: 'value', valueBool: true } as never)), /"valueBool", which is not a FHIR value\[x\]; did you mean valueBoolean\?/],
    ['a value of the wrong JSON shape', params(op('add', 'Patient', name('multipleBirth'), value({ valueInteger: '2' as never }))), /valueInteger must be a JSON integer, got the string "2"/],
    ['two values in one part', params(op('replace', 'Patient.active', value({ valueBoolean: true, valueString: 'x' }))), /has several values \(valueBoolean, valueString\)/],
    ['a value part without value', params(op('replace', 'Patient.active', value({}))), /has no value/],
  ])('%s', (_label, parameters, message) => {
    const error = fhirError(() => applyFhirPathPatch(patient(), parameters));
    expect(error.status).toBe(400);
    expect(error.outcome.issue![0].code).toBe('invalid');
    expect(error.message).toMatch(message);
  });

  it('accepts the type as valueString too (common in the wild)', () => {
    const parameters = params({ name: 'operation', part: [{ name: 'type', valueString: 'delete' }, { name: 'path', valueString: 'Patient.active' }] });
    expect(applyFhirPathPatch(patient(), parameters)).not.toHaveProperty('active');
  });

  it('names the operation and path in the message, and points at the parameter in the OperationOutcome', () => {
    const error = fhirError(() =>
      applyFhirPathPatch(patient(), params(op('delete', 'Patient.active'), op('add', 'Patient', name('active'), value({ valueBoolean: true })), op('delete', 'Patient.identifier'))),
    );
    expect(error.message).toBe(
      'FHIRPath Patch operation 2 (delete at "Patient.identifier"): the path matches 3 elements; delete needs exactly one: narrow it with where(...) or [index]',
    );
    expect(error.outcome.issue![0].expression).toEqual(['Parameters.parameter[2]']);
  });

  it('parseFhirPathPatch reads the operations without a resource', () => {
    const [parsed] = parseFhirPathPatch(params(op('insert', 'Patient.identifier', index(2), value({ valueIdentifier: { value: 'x' } }))));
    expect(parsed).toMatchObject({ position: 0, type: 'insert', path: 'Patient.identifier', index: 2 });
  });
});
