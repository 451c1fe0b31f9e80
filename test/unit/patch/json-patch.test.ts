import type { Organization, Patient } from '@medplum/fhirtypes';
import { applyJsonPatch, parseJsonPatch } from '../../../src/fhir/patch';
import { fhirError, frozen } from './helpers';

function patient(): Patient {
  return frozen<Patient>({
    resourceType: 'Patient',
    id: 'p1',
    active: true,
    name: [{ family: 'Martin', given: ['Claire', 'Anne'] }],
    identifier: [
      { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '1' },
      { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '2' },
    ],
  });
}

describe('applyJsonPatch: operations (RFC 6902 §4)', () => {
  it('add sets a new member, inserts into an array at an index, appends with "-"', () => {
    const result = applyJsonPatch(patient(), [
      { op: 'add', path: '/gender', value: 'female' },
      { op: 'add', path: '/name/0/given/1', value: 'Marie' },
      { op: 'add', path: '/name/0/given/-', value: 'Louise' },
    ]) as Patient;
    expect(result.gender).toBe('female');
    expect(result.name![0].given).toEqual(['Claire', 'Marie', 'Anne', 'Louise']);
  });

  it('add on an existing member replaces it (RFC 6902 §4.1)', () => {
    const result = applyJsonPatch(patient(), [{ op: 'add', path: '/active', value: false }]) as Patient;
    expect(result.active).toBe(false);
  });

  it('remove deletes a member and an array item', () => {
    const result = applyJsonPatch(patient(), [
      { op: 'remove', path: '/active' },
      { op: 'remove', path: '/identifier/0' },
    ]) as Patient;
    expect(result).not.toHaveProperty('active');
    expect(result.identifier).toEqual([{ system: 'urn:oid:1.2.250.1.213.1.4.8', value: '2' }]);
  });

  it('replace changes a value, including a whole object', () => {
    const result = applyJsonPatch(patient(), [
      { op: 'replace', path: '/name/0/family', value: 'Dupont' },
      { op: 'replace', path: '/identifier/1', value: { value: '3' } },
    ]) as Patient;
    expect(result.name![0].family).toBe('Dupont');
    expect(result.identifier![1]).toEqual({ value: '3' });
  });

  it('move and copy', () => {
    const result = applyJsonPatch(patient(), [
      { op: 'move', from: '/name/0/given/1', path: '/name/0/given/0' },
      { op: 'copy', from: '/name/0/family', path: '/name/0/text' },
    ]) as Patient;
    expect(result.name![0].given).toEqual(['Anne', 'Claire']);
    expect(result.name![0].text).toBe('Martin');
  });

  it('a passing test changes nothing, and ~1 / ~0 escapes are understood', () => {
    const org = frozen<Organization>({
      resourceType: 'Organization',
      id: 'o1',
      name: 'CHU',
      extension: [{ url: 'a/b~c', valueString: 'x' }],
    });
    const result = applyJsonPatch(org, [
      { op: 'test', path: '/name', value: 'CHU' },
      { op: 'test', path: '/extension/0', value: { url: 'a/b~c', valueString: 'x' } },
      { op: 'replace', path: '/name', value: 'CHU de Nantes' },
    ]);
    expect(result).toEqual({ ...org, name: 'CHU de Nantes' });
  });

  it('leaves the input untouched (it is frozen here) and returns a new object', () => {
    const input = patient();
    const result = applyJsonPatch(input, [{ op: 'replace', path: '/active', value: false }]);
    expect(result).not.toBe(input);
    expect(input.active).toBe(true);
  });

  it('an empty document changes nothing', () => {
    expect(applyJsonPatch(patient(), [])).toEqual(patient());
  });
});

describe('applyJsonPatch: operations that cannot be applied (422)', () => {
  const cases: [string, unknown[], RegExp][] = [
    ['a failed test', [{ op: 'test', path: '/active', value: false }], /operation 0 \(test \/active\): test failed: the value is true, the patch expects false/],
    ['a test on a missing path', [{ op: 'test', path: '/gender', value: 'female' }], /test failed: \/gender does not exist/],
    ['remove of a missing member', [{ op: 'remove', path: '/gender' }], /\/gender does not exist: the resource has no member "gender"/],
    ['replace of a missing member', [{ op: 'replace', path: '/name/0/prefix', value: ['Dr'] }], /\/name\/0\/prefix does not exist/],
    ['replace past the end of an array', [{ op: 'replace', path: '/identifier/2', value: {} }], /\/identifier has 2 element\(s\): there is no index 2/],
    ['remove with a non-canonical index', [{ op: 'remove', path: '/identifier/01' }], /\/identifier is an array: "01" is not an index/],
    ['add under a missing parent', [{ op: 'add', path: '/contact/0/name', value: {} }], /\/contact does not exist/],
    ['add past the end of an array', [{ op: 'add', path: '/identifier/5', value: {} }], /index 0 to 2, not 5/],
    ['add into a boolean', [{ op: 'add', path: '/active/x', value: 1 }], /\/active is a boolean: it has no member "x"/],
    ['move from a missing path', [{ op: 'move', from: '/telecom', path: '/contact' }], /\/telecom does not exist/],
    ['copy from a missing path', [{ op: 'copy', from: '/name/3', path: '/name/-' }], /no index 3/],
    ['a change of id', [{ op: 'replace', path: '/id', value: 'p2' }], /may not change the id/],
    ['a change of resourceType', [{ op: 'replace', path: '/resourceType', value: 'Group' }], /may not change resourceType/],
  ];
  it.each(cases)('%s', (_label, document, message) => {
    const error = fhirError(() => applyJsonPatch(patient(), document));
    expect(error.status).toBe(422);
    expect(error.outcome.issue![0].code).toBe('processing');
    expect(error.message).toMatch(message);
  });

  it('names the failing operation, and applies nothing when a later one fails', () => {
    const input = patient();
    const error = fhirError(() =>
      applyJsonPatch(input, [
        { op: 'replace', path: '/active', value: false },
        { op: 'test', path: '/name/0/family', value: 'Dupont' },
      ]),
    );
    expect(error.message).toMatch(/^JSON Patch operation 1 \(test \/name\/0\/family\)/);
    expect(input.active).toBe(true);
  });
});

describe('applyJsonPatch: malformed documents (400)', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not an array', { op: 'add', path: '/a', value: 1 }, /must be a JSON array/],
    ['an operation that is not an object', ['remove /active'], /operation 0: must be a JSON object/],
    ['an unknown op', [{ op: 'delete', path: '/active' }], /"op" must be one of add, remove, replace, move, copy, test; got "delete"/],
    ['no path', [{ op: 'remove' }], /"path" must be a JSON Pointer string/],
    ['a path without a leading slash', [{ op: 'remove', path: 'active' }], /must start with "\/"/],
    ['a bad escape', [{ op: 'remove', path: '/a~2b' }], /"~" that is not ~0 or ~1/],
    ['add without value', [{ op: 'add', path: '/gender' }], /"add" needs a "value"/],
    ['test without value', [{ op: 'test', path: '/active' }], /"test" needs a "value"/],
    ['move without from', [{ op: 'move', path: '/active' }], /"from" must be a JSON Pointer string/],
    ['move into its own child', [{ op: 'move', from: '/name/0', path: '/name/0/given' }], /cannot move \/name\/0 into one of its own children/],
    ['a prototype key', [{ op: 'add', path: '/__proto__/polluted', value: true }], /may not contain "__proto__"/],
    ['the whole resource as path', [{ op: 'replace', path: '', value: {} }], /use PUT/],
  ];
  it.each(cases)('%s', (_label, document, message) => {
    const error = fhirError(() => applyJsonPatch(patient(), document));
    expect(error.status).toBe(400);
    expect(error.outcome.issue![0].code).toBe('invalid');
    expect(error.message).toMatch(message);
  });

  it('parseJsonPatch checks a document without a resource (and points at the bad operation)', () => {
    expect(parseJsonPatch([{ op: 'remove', path: '/a' }])).toHaveLength(1);
    expect(fhirError(() => parseJsonPatch([{ op: 'remove', path: '/a' }, { op: 'nope', path: '/b' }])).message).toMatch(
      /JSON Patch operation 1:/,
    );
  });

  it('does not pollute Object.prototype', () => {
    fhirError(() => applyJsonPatch(patient(), [{ op: 'add', path: '/constructor/prototype/x', value: 1 }]));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
