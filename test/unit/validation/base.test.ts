/**
 * Validation against the base R4 StructureDefinitions: all failures are 400 ("failed basic FHIR validation rules",
 * https://hl7.org/fhir/R4/http.html), with one issue per problem and its element path in `expression`.
 */
import { r4Validator } from '../../helpers/validation';
import { errorLines, errorPaths, json, location, organization, rejection, transaction } from './fixtures';

describe('Validator.validateForWrite: base R4 definitions', () => {
  it.each([
    ['a ROR-like Organization', organization()],
    ['a ROR-like Location with nested extensions', location()],
    ['a transaction Bundle with urn:uuid references', transaction()],
  ])('accepts %s', (_label, resource) => {
    expect(r4Validator().validateForWrite(resource)).toBe(resource);
  });

  it('rejects a string where a boolean is expected', () => {
    const err = rejection({ ...organization(), active: 'true' });
    expect(err.status).toBe(400);
    expect(errorLines(err.outcome)).toEqual(['Organization.active: Invalid JSON type: expected boolean, but got string']);
  });

  it('rejects an array for a single-valued element (Organization.active)', () => {
    const err = rejection({ ...organization(), active: [true] });
    expect(err.status).toBe(400);
    expect(errorPaths(err.outcome)).toEqual(['Organization.active']);
    expect(err.message).toMatch(/single boolean value, not an array/);
  });

  it('rejects a single value for a repeating element (Organization.alias)', () => {
    const err = rejection({ ...organization(), alias: 'CHT' });
    expect(errorPaths(err.outcome)).toEqual(['Organization.alias']);
  });

  it.each([
    ['date', 'Patient', { birthDate: '2026-13-01' }, 'Patient.birthDate'],
    ['date', 'Patient', { birthDate: '01/02/2026' }, 'Patient.birthDate'],
    ['dateTime', 'Patient', { deceasedDateTime: '2026-01-01T25:00:00Z' }, 'Patient.deceased'],
    ['instant', 'Organization', { name: 'x', meta: { lastUpdated: '2026-01-01' } }, 'Organization.meta.lastUpdated'],
    ['time', 'Location', { hoursOfOperation: [{ openingTime: '8h' }] }, 'Location.hoursOfOperation[0].openingTime'],
    ['uri', 'Organization', { name: 'x', identifier: [{ system: 'a b' }] }, 'Organization.identifier[0].system'],
    ['code', 'Location', { status: 'not active' }, 'Location.status'],
    ['id', 'Organization', { name: 'x', meta: { versionId: 'a b' } }, 'Organization.meta.versionId'],
    ['decimal', 'Location', { position: { longitude: '2.35', latitude: 48 } }, 'Location.position.longitude'],
    ['integer', 'Patient', { multipleBirthInteger: 1.5 }, 'Patient.multipleBirth'],
    ['unsignedInt', 'Bundle', { type: 'searchset', total: -1 }, 'Bundle.total'],
    ['boolean', 'Location', { extension: [{ url: 'http://x', valueBoolean: 'yes' }] }, 'Location.extension[0].value'],
  ])('rejects a bad %s and points at it', (_type, resourceType, body, path) => {
    const err = rejection({ resourceType, ...body });
    expect(err.status).toBe(400);
    expect(errorPaths(err.outcome)).toEqual([path]);
  });

  it.each([
    ['date', { birthDate: '2026' }],
    ['date', { birthDate: '2026-02' }],
    ['date', { birthDate: '2024-02-29' }],
    ['dateTime', { deceasedDateTime: '2026-01-01T10:00:00+01:00' }],
    ['dateTime', { deceasedDateTime: '2026-01-01' }],
  ])('accepts a valid %s', (_type, body) => {
    expect(() => r4Validator().validateForWrite({ resourceType: 'Patient', ...body })).not.toThrow();
  });

  it('rejects an unknown element, at any depth', () => {
    const body = json(location());
    body.colour = 'blue';
    body.position.height = 3;
    body.hoursOfOperation[0].allDay = 'yes';
    const err = rejection(body);
    expect(err.status).toBe(400);
    expect(errorPaths(err.outcome).sort()).toEqual(
      ['Location.colour', 'Location.hoursOfOperation[0].allDay', 'Location.position.height'].sort(),
    );
  });

  it('rejects a choice element with a type it does not allow', () => {
    const err = rejection({ resourceType: 'Patient', deceasedString: 'yes' });
    expect(errorLines(err.outcome)).toEqual(['Patient.deceasedString: Unknown element "deceasedString" for Patient in FHIR R4']);
  });

  it('rejects a missing required element (Location.extension.url, Location.position.latitude)', () => {
    const body = json(location());
    delete body.extension[0].extension[0].url;
    delete body.position.latitude;
    const err = rejection(body);
    expect(err.status).toBe(400);
    expect(errorPaths(err.outcome)).toEqual(
      expect.arrayContaining(['Location.extension[0].extension[0].url', 'Location.position.latitude']),
    );
    expect(err.outcome.issue?.find((i) => i.expression?.[0] === 'Location.position.latitude')?.code).toBe('required');
  });

  it('reports every problem, not only the first', () => {
    const body = json(organization());
    body.active = 'yes';
    body.telecom[1].system = 'pigeon';
    body.address[0].period = { start: '2026-02-30' };
    const err = rejection(body);
    expect(errorPaths(err.outcome).sort()).toEqual(
      ['Organization.active', 'Organization.address[0].period.start', 'Organization.telecom[1].system'].sort(),
    );
  });

  describe('invariants', () => {
    it('evaluates element invariants (ext-1: value or extensions, not both)', () => {
      const body = json(location());
      body.extension[0].valueString = 'x';
      const err = rejection(body);
      expect(errorLines(err.outcome)).toEqual([
        expect.stringMatching(/^Location\.extension\[0\]: Constraint ext-1 not met/),
      ]);
      expect(err.outcome.issue?.[0].code).toBe('invariant');
    });

    it('evaluates resource invariants (org-3: no home telecom)', () => {
      const body = json(organization());
      body.telecom[0].use = 'home';
      expect(errorLines(rejection(body).outcome)).toEqual([expect.stringMatching(/^Organization\.telecom\[0\]: Constraint org-3/)]);
    });

    it('evaluates Bundle invariants (bdl-3: transaction entries need a request)', () => {
      const body = json(transaction());
      delete body.entry[1].request;
      expect(errorLines(rejection(body).outcome)).toEqual([expect.stringMatching(/^Bundle: Constraint bdl-3/)]);
    });
  });

  describe('Bundle', () => {
    it('validates the resources of the entries, with their path', () => {
      const body = json(transaction());
      body.entry[1].resource.status = 'open';
      body.entry[0].resource.active = 1;
      const err = rejection(body);
      expect(err.status).toBe(400);
      expect(errorPaths(err.outcome).sort()).toEqual(['Bundle.entry[0].resource.active', 'Bundle.entry[1].resource.status']);
    });

    it('rejects an entry resource without or with an unknown resourceType', () => {
      const body = json(transaction());
      delete body.entry[0].resource.resourceType;
      body.entry[1].resource.resourceType = 'Lieu';
      const err = rejection(body);
      expect(errorLines(err.outcome)).toEqual([
        'Bundle.entry[0].resource: A nested resource must have a resourceType',
        'Bundle.entry[1].resource: Unknown resource type "Lieu" for a nested resource',
      ]);
    });

    it('rejects a bad id of an entry resource', () => {
      const body = json(transaction());
      body.entry[1].resource.id = 'loc_1';
      expect(errorPaths(rejection(body).outcome)).toEqual(['Bundle.entry[1].resource.id']);
    });
  });

  describe('contained resources', () => {
    const withContained = () => {
      const body = json(organization());
      body.contained = [{ resourceType: 'Location', id: 'site', name: 'Site principal' }];
      body.extension.push({ url: 'http://example.org/site', valueReference: { reference: '#site' } });
      return body;
    };

    it('accepts a referenced contained resource', () => {
      expect(() => r4Validator().validateForWrite(withContained())).not.toThrow();
    });

    it('validates the content of contained resources', () => {
      const body = withContained();
      body.contained[0].status = 'open';
      body.contained[0].mode = 3;
      const err = rejection(body);
      expect(errorPaths(err.outcome).sort()).toEqual(['Organization.contained[0].mode', 'Organization.contained[0].status']);
    });

    it('rejects meta.versionId in a contained resource (dom-4)', () => {
      const body = withContained();
      body.contained[0].meta = { versionId: '1' };
      expect(errorLines(rejection(body).outcome)).toEqual([expect.stringMatching(/^Organization: Constraint dom-4/)]);
    });

    it('rejects nested contained resources (dom-2)', () => {
      const body = withContained();
      body.contained[0].contained = [{ resourceType: 'Location', id: 'x', name: 'x' }];
      body.contained[0].partOf = { reference: '#x' };
      expect(errorLines(rejection(body).outcome)).toEqual([expect.stringMatching(/^Organization: Constraint dom-2/)]);
    });
  });

  describe('primitive extensions (_element)', () => {
    it('accepts extensions on a primitive, with or without its value', () => {
      const patient = {
        resourceType: 'Patient',
        birthDate: '1970-01-01',
        _birthDate: {
          extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1970-01-01T10:00:00Z' }],
        },
        name: [{ given: ['Jean', 'Paul'], _given: [null, { extension: [{ url: 'http://x', valueString: 'usuel' }] }] }],
        _gender: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
      };
      expect(() => r4Validator().validateForWrite(patient)).not.toThrow();
    });

    it('validates the content of primitive extensions', () => {
      const err = rejection({
        resourceType: 'Patient',
        birthDate: '1970-01-01',
        _birthDate: { extension: [{ url: 'http://x', valueDateTime: 'hier' }], colour: 'red' },
      });
      expect(errorPaths(err.outcome).sort()).toEqual(['Patient.birthDate.colour', 'Patient.birthDate.extension[0].value']);
    });

    it('rejects _element on an unknown or complex element', () => {
      expect(errorPaths(rejection({ resourceType: 'Patient', _nickname: {} }).outcome)).toEqual(['Patient._nickname']);
      expect(errorPaths(rejection({ resourceType: 'Patient', _address: [{ id: 'a' }] }).outcome)).toEqual(['Patient._address']);
    });
  });
});
