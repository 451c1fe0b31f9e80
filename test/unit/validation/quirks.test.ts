/**
 * Where @medplum/core's validator departs from FHIR R4, and how validation follows the specification instead.
 * Each case was first observed with medplum's `validateResource` alone (noted as "medplum: ...").
 */
import { validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { r4Validator } from '../../helpers/validation';
import { errorLines, errorPaths, json, location, organization, rejection } from './fixtures';

/** Issues medplum reports alone (errors throw, warnings are returned), to show each quirk still exists upstream. */
function medplumSays(resource: object): string[] {
  try {
    return validateResource(resource as Resource).map((i) => `${i.severity}: ${i.details?.text}`);
  } catch (e: any) {
    return (e.outcome?.issue ?? []).map((i: any) => `${i.severity}: ${i.details?.text}`);
  }
}

describe('medplum quirks, handled to follow FHIR R4', () => {
  beforeAll(() => r4Validator().outcome(organization())); // loads the definitions

  describe('meta', () => {
    it('accepts meta.versionId and meta.lastUpdated sent by the client (the store overwrites them)', () => {
      expect(() => r4Validator().validateForWrite({ ...organization(), meta: { versionId: '42', lastUpdated: '2020-01-01T00:00:00Z' } })).not.toThrow();
    });
  });

  describe('unknown properties', () => {
    it('rejects property names inherited from Object.prototype (medplum: accepted)', () => {
      const body = JSON.parse('{"resourceType":"Organization","name":"x","constructor":1,"__proto__":{"a":1},"address":[{"toString":"x"}]}');
      expect(medplumSays(body)).toEqual([]);
      expect(errorPaths(rejection(body).outcome).sort()).toEqual(
        ['Organization.__proto__', 'Organization.address[0].toString', 'Organization.constructor'].sort(),
      );
    });

    it('rejects resourceType inside a data type (medplum: accepted)', () => {
      const body = { ...organization(), address: [{ resourceType: 'Address', city: 'Paris' }] };
      expect(medplumSays(body)).toEqual([]);
      expect(errorPaths(rejection(body).outcome)).toEqual(['Organization.address[0].resourceType']);
    });
  });

  describe('strings', () => {
    it('rejects an empty string (medplum: taken as absent)', () => {
      const body = { ...organization(), name: '' };
      expect(medplumSays(body)).toEqual([]);
      expect(errorLines(rejection(body).outcome)).toEqual([
        'Organization.name: Empty string values are not allowed; omit the element instead',
      ]);
    });

    it('only warns on a whitespace-only string, a SHOULD in FHIR (medplum: error)', () => {
      const body = { ...organization(), name: '  ' };
      expect(medplumSays(body)).toEqual(['error: String must contain non-whitespace content']);
      expect(() => r4Validator().validateForWrite(body)).not.toThrow();
      expect(r4Validator().outcome(body).issue).toEqual([
        { severity: 'warning', code: 'value', diagnostics: 'String contains only whitespace', expression: ['Organization.name'] },
      ]);
    });

    it('rejects a whitespace-only value of other string types (medplum: skips their format check)', () => {
      const body = { ...location(), status: ' ' };
      expect(errorPaths(rejection(body).outcome)).toEqual(['Location.status']);
    });
  });

  describe('dates and numbers', () => {
    it.each([
      ['Patient', { birthDate: '2026-02-30' }, 'Patient.birthDate'],
      ['Patient', { birthDate: '2025-02-29' }, 'Patient.birthDate'],
      ['Patient', { deceasedDateTime: '2026-04-31T10:00:00Z' }, 'Patient.deceased'],
      ['Organization', { name: 'x', meta: { lastUpdated: '2026-06-31T00:00:00Z' } }, 'Organization.meta.lastUpdated'],
    ])('rejects a day that does not exist (medplum: accepted)', (resourceType, body, path) => {
      expect(medplumSays({ resourceType, ...body })).toEqual([]);
      expect(errorPaths(rejection({ resourceType, ...body }).outcome)).toEqual([path]);
    });

    it('rejects an integer beyond 32 bits (medplum: accepted)', () => {
      const body = json(location());
      body.extension[0].extension[0].extension[1].valueInteger = 2 ** 31;
      expect(medplumSays(body)).toEqual([]);
      expect(errorPaths(rejection(body).outcome)).toEqual(['Location.extension[0].extension[0].extension[1].value']);
    });
  });

  describe('JSON shapes', () => {
    it('rejects an empty array (medplum: accepted)', () => {
      const body = { ...organization(), alias: [] };
      expect(medplumSays(body)).toEqual([]);
      expect(errorPaths(rejection(body).outcome)).toEqual(['Organization.alias']);
    });

    it.each([
      ['a number for a data type', { address: [5] }, 'Organization.address[0]'],
      ['a number for a contained resource', { contained: [5] }, 'Organization.contained[0]'],
      ['a string for a data type', { address: ['Paris'] }, 'Organization.address[0]'],
      ['an object for a primitive', { name: { text: 'x' } }, 'Organization.name'],
      ['a string for _element', { _name: 'x' }, 'Organization._name'],
    ])('rejects %s with one clear issue (medplum: accepted, nonsense or crash)', (_label, patch, path) => {
      const err = rejection({ ...organization(), ...patch });
      expect(err.status).toBe(400);
      expect(errorPaths(err.outcome)).toEqual([path]);
    });

    it('rejects an empty _element object and an _element array of the wrong length (medplum: accepted)', () => {
      expect(errorPaths(rejection({ resourceType: 'Patient', _birthDate: {} }).outcome)).toEqual(['Patient._birthDate']);
      const body = { ...organization(), alias: ['a'], _alias: [null, { extension: [{ url: 'http://x', valueString: 'q' }] }] };
      expect(medplumSays(body)).toEqual([]);
      expect(errorPaths(rejection(body).outcome)).toEqual(['Organization._alias']);
    });

    it('rejects two types for one choice element (medplum: warning without a path)', () => {
      const body = { resourceType: 'Patient', deceasedBoolean: true, deceasedDateTime: '2020-01-01' };
      expect(medplumSays(body)).toEqual([expect.stringMatching(/^warning: Conflicting choice of type properties/)]);
      expect(errorLines(rejection(body).outcome)).toEqual([
        'Patient.deceased: Only one type is allowed for deceased[x], found boolean and dateTime',
      ]);
    });
  });

  describe('required bindings (medplum: not checked)', () => {
    it('rejects a code outside a required value set', () => {
      const body = json(location());
      body.status = 'open';
      body.telecom[0].system = 'pigeon';
      body.hoursOfOperation[0].daysOfWeek[1] = 'lundi';
      expect(medplumSays(body)).toEqual([]);
      const err = rejection(body);
      expect(err.status).toBe(400);
      expect(err.outcome.issue?.every((i) => i.code === 'code-invalid')).toBe(true);
      expect(errorLines(err.outcome).sort()).toEqual(
        [
          'Location.hoursOfOperation[0].daysOfWeek[1]: Code "lundi" is not in the required value set http://hl7.org/fhir/ValueSet/days-of-week (allowed: mon, tue, wed, thu, fri, sat, sun)',
          'Location.status: Code "open" is not in the required value set http://hl7.org/fhir/ValueSet/location-status (allowed: active, suspended, inactive)',
          'Location.telecom[0].system: Code "pigeon" is not in the required value set http://hl7.org/fhir/ValueSet/contact-point-system (allowed: phone, fax, email, pager, url, sms, other)',
        ].sort(),
      );
    });

    it('accepts codes of value sets it cannot expand locally (mime types)', () => {
      const body = { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'application/x-ror' } }] };
      expect(() => r4Validator().validateForWrite(body)).not.toThrow();
    });
  });

  describe('references', () => {
    it('rejects a reference to a type the element does not allow (medplum: warning)', () => {
      const body = { ...organization(), partOf: { reference: 'Location/1' } };
      expect(medplumSays(body)).toEqual([expect.stringMatching(/^warning: Invalid reference/)]);
      expect(errorLines(rejection(body).outcome)).toEqual([
        'Organization.partOf.reference: Invalid reference "Location/1": a Location is not allowed here (expected Organization)',
      ]);
    });

    it.each([['Foo/1'], ['Organization'], ['Organization/a_b']])('rejects the unreadable reference %p', (reference) => {
      expect(errorPaths(rejection({ ...organization(), partOf: { reference } }).outcome)).toEqual(['Organization.partOf.reference']);
    });

    it.each([
      ['an absolute URL', 'https://ror.example.org/fhir/Organization/1'],
      ['an absolute URL with version', 'https://ror.example.org/fhir/Organization/1/_history/2'],
      ['a urn:uuid', 'urn:uuid:0b5d1b8e-9c1a-4a8e-8a62-8e0d6a3f1e11'],
      ['a conditional reference', 'Organization?identifier=https://finess.esante.gouv.fr|750000000'],
      ['a versioned reference', 'Organization/1/_history/3'],
    ])('accepts %s (medplum: warns on the first three)', (_label, reference) => {
      expect(() => r4Validator().validateForWrite({ ...organization(), partOf: { reference } })).not.toThrow();
      expect(r4Validator().outcome({ ...organization(), partOf: { reference } }).issue?.[0].severity).toBe('information');
    });

    it('accepts any resource type where the element allows any (Extension.valueReference)', () => {
      const body = json(organization());
      body.extension[0] = { url: 'http://x', valueReference: { reference: 'HealthcareService/hs-1' } };
      expect(() => r4Validator().validateForWrite(body)).not.toThrow();
    });
  });

  describe('invariants medplum does not evaluate', () => {
    it('org-1: an Organization needs a name or an identifier (medplum: skipped)', () => {
      const body = { resourceType: 'Organization', active: true };
      expect(medplumSays(body)).toEqual([]);
      expect(errorLines(rejection(body).outcome)).toEqual([
        'Organization: Constraint org-1 not met: The organization SHALL at least have a name or an identifier',
      ]);
      expect(() => r4Validator().validateForWrite({ resourceType: 'Organization', identifier: [{ value: '1' }] })).not.toThrow();
    });

    it('dom-3: a contained resource must be referenced (medplum: skipped)', () => {
      const body = { ...organization(), contained: [{ resourceType: 'Location', id: 'site', name: 'Site' }] };
      expect(medplumSays(body)).toEqual([]);
      expect(errorLines(rejection(body).outcome)).toEqual([
        'Organization.contained[0]: Constraint dom-3 not met: contained resource "site" is not referenced from elsewhere in the resource',
      ]);
    });

    it('dom-3 accepts a contained resource that refers to its container with "#"', () => {
      const body = {
        ...location(),
        contained: [{ resourceType: 'Organization', id: 'o', name: 'Gestionnaire', partOf: { reference: '#' } }],
      };
      expect(() => r4Validator().validateForWrite(body)).not.toThrow();
    });

    it('ref-1: a #local reference needs a matching contained resource (medplum: not evaluated)', () => {
      const body = { ...organization(), partOf: { reference: '#nope' } };
      expect(medplumSays(body)).toEqual([]);
      expect(errorLines(rejection(body).outcome)).toEqual([
        'Organization.partOf.reference: Constraint ref-1 not met: no contained resource has the id "nope"',
      ]);
    });

    it('data type invariants: cpt-2 (ContactPoint value needs a system), per-1 (Period order)', () => {
      const body = json(organization());
      delete body.telecom[1].system;
      body.address[0].period = { start: '2026-02-01', end: '2026-01-01' };
      expect(medplumSays(body)).toEqual([]);
      const lines = errorLines(rejection(body).outcome).sort();
      expect(lines).toEqual([
        expect.stringMatching(/^Organization\.address\[0\]\.period: Constraint per-1 not met/),
        expect.stringMatching(/^Organization\.telecom\[1\]: Constraint cpt-2 not met/),
      ]);
    });

    it('invariants of nested resources: dom-4 inside a Bundle entry, org-1 on a contained Organization', () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          {
            fullUrl: 'urn:uuid:0b5d1b8e-9c1a-4a8e-8a62-8e0d6a3f1e11',
            resource: {
              ...location(),
              managingOrganization: { reference: '#gest' },
              contained: [{ resourceType: 'Organization', id: 'gest', meta: { lastUpdated: '2026-01-01T00:00:00Z' } }],
            },
          },
        ],
      };
      expect(medplumSays(bundle)).toEqual([]);
      expect(errorLines(rejection(bundle).outcome).sort()).toEqual([
        expect.stringMatching(/^Bundle\.entry\[0\]\.resource\.contained\[0\]: Constraint org-1 not met/),
        expect.stringMatching(/^Bundle\.entry\[0\]\.resource: Constraint dom-4 not met/),
      ]);
    });

    it('txt-1/txt-2: the narrative must be a safe, non-empty XHTML div (medplum: htmlChecks() is always true)', () => {
      const div = (html: string) => ({ ...organization(), text: { status: 'generated', div: html } });
      const ok = '<div xmlns="http://www.w3.org/1999/xhtml"><p>CH de <b>Test</b></p></div>';
      expect(() => r4Validator().validateForWrite(div(ok))).not.toThrow();
      for (const bad of [
        '<p>no div</p>',
        '<div>no namespace</div>',
        '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>',
        '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="alert(1)">x</p></div>',
        '<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">x</a></div>',
        '<div xmlns="http://www.w3.org/1999/xhtml">  </div>',
      ]) {
        expect(medplumSays(div(bad))).toEqual([]);
        expect(errorPaths(rejection(div(bad)).outcome)).toEqual(['Organization.text.div']);
      }
    });
  });
});
