/**
 * RORLocation on write: a resource claiming the profile in meta.profile is checked against it (422 with the element
 * path), one that does not claim it is held to the base R4 rules only.
 */
import { rorValidator } from '../../helpers/validation';
import { readRorConformance } from '../../../src/ror/profiles';
import {
  CAPACITY,
  COMMUNE_COG,
  errorPaths,
  errors,
  fixture,
  locationWithCapacity,
  rejection,
  ROR_LOCATION,
  ROR_SD,
  subExtension,
} from './helpers';

const FREE = 2; // index of the "2 free beds" capacity entry in the fixture

describe('RORLocation', () => {
  it('loads the six ROR profiles, idempotently', () => {
    const first = readRorConformance().summary;
    expect(readRorConformance().summary).toEqual(first);
    expect(Object.keys(first.profiles).sort()).toEqual(['HealthcareService', 'Location', 'Organization', 'Practitioner', 'PractitionerRole', 'Task']);
    expect(first.profiles.Location).toBe(ROR_LOCATION);
  });

  it('accepts a Location with two capacity entries', () => {
    expect(() => rorValidator().validateForWrite(locationWithCapacity())).not.toThrow();
    expect(() => rorValidator().validateForWrite(fixture('Location-ror-base.json'))).not.toThrow();
  });

  it('rejects a capacity entry without capacityType, naming the entry', () => {
    const loc = locationWithCapacity();
    loc.extension[FREE].extension = loc.extension[FREE].extension.filter((e: any) => e.url !== 'capacityType');
    const err = rejection(loc);
    expect(err.status).toBe(422);
    expect(errors(err.outcome)).toEqual([
      "Location.extension[2].extension('capacityType'): Sub-extension capacityType is required (1..1) and missing",
    ]);
  });

  it('rejects a capacity status code outside TRE_R330 (JDV_J188)', () => {
    const loc = locationWithCapacity();
    subExtension(loc.extension[FREE], 'capacityStatus').valueCodeableConcept.coding[0].code = '99';
    const err = rejection(loc);
    expect(err.status).toBe(422);
    expect(err.outcome.issue?.[0]).toMatchObject({ severity: 'error', code: 'code-invalid' });
    expect(errors(err.outcome)[0]).toMatch(
      /^Location\.extension\[2\]\.extension\[1\]\.value\.ofType\(CodeableConcept\): Code '99' of system .*TRE-R330-TypeStatutCapacite is not in the required value set JDV_J188-TypeStatutCapacite-ROR/,
    );
  });

  it('rejects a code of another system, and explains a value set URL used as coding system', () => {
    const loc = locationWithCapacity();
    const coding = subExtension(loc.extension[FREE], 'capacityType').valueCodeableConcept.coding[0];
    coding.system = 'https://mos.esante.gouv.fr/NOS/JDV_J187-NatureCapacite-ROR/FHIR/JDV-J187-NatureCapacite-ROR/';
    const [message] = errors(rejection(loc).outcome);
    expect(message).toContain('is the value set, not a code system');
    expect(message).toContain('TRE-R329-NatureCapacite');
  });

  it.each([
    ['valueString', '2'],
    ['valueDecimal', 2.5],
  ])('rejects nbCapacity given as %s', (key, value) => {
    const loc = locationWithCapacity();
    const nb = subExtension(loc.extension[FREE], 'nbCapacity');
    delete nb.valueInteger;
    nb[key] = value;
    const err = rejection(loc);
    expect(err.status).toBe(422);
    const type = key === 'valueString' ? 'string' : 'decimal';
    expect(errors(err.outcome)).toEqual([
      `Location.extension[2].extension[3].value.ofType(${type}): ${key} is not allowed by the profile: the type of value must be integer`,
    ]);
  });

  it('answers 400 (base R4) for a valueInteger that is not an integer', () => {
    const loc = locationWithCapacity();
    subExtension(loc.extension[FREE], 'nbCapacity').valueInteger = '2';
    expect(rejection(loc).status).toBe(400);
  });

  it('rejects a Location without ror-commune-cog', () => {
    const loc = locationWithCapacity();
    loc.extension = loc.extension.filter((e: any) => e.url !== COMMUNE_COG);
    const err = rejection(loc);
    expect(err.status).toBe(422);
    expect(errorPaths(err.outcome)).toEqual([`Location.extension('${COMMUNE_COG}')`]);
  });

  it('rejects a second capacityUpdateDate in one entry', () => {
    const loc = locationWithCapacity();
    loc.extension[FREE].extension.push({ url: 'capacityUpdateDate', valueDateTime: '2026-11-21T10:00:00+01:00' });
    expect(errors(rejection(loc).outcome)).toEqual([
      "Location.extension[2].extension('capacityUpdateDate'): Sub-extension capacityUpdateDate: expected 1..1 value(s), found 2",
    ]);
  });

  it('rejects a capacity extension carrying a value instead of sub-extensions', () => {
    const loc = locationWithCapacity();
    loc.extension[FREE] = { url: CAPACITY, valueString: 'x' };
    const err = rejection(loc);
    expect(err.status).toBe(422);
    expect(errors(err.outcome)).toEqual(
      expect.arrayContaining([
        "Location.extension[2].extension('capacityType'): Sub-extension capacityType is required (1..1) and missing",
        "Location.extension[2].extension('nbCapacity'): Sub-extension nbCapacity is required (1..1) and missing",
        'Location.extension[2].value.ofType(string): value is not allowed by the profile',
      ]),
    );
  });

  it('rejects a wrong fixed value (the UCUM system of the patient age range)', () => {
    expect(() => rorValidator().validateForWrite(fixture('HealthcareService-ror-patient-type.json'))).not.toThrow();
    const hs = fixture('HealthcareService-ror-patient-type.json');
    hs.extension[0].extension[0].valueRange.low.system = 'http://example.org/units';
    const err = rejection(hs);
    expect(err.status).toBe(422);
    expect(errors(err.outcome)).toContain(
      'HealthcareService.extension[0].extension[0].value.ofType(Range).low.system: Value must be exactly "http://unitsofmeasure.org" (fixed by the profile)',
    );
  });

  it('does not hold a Location without meta.profile to the ROR rules', () => {
    const loc = locationWithCapacity();
    delete loc.meta.profile;
    loc.extension = loc.extension.filter((e: any) => e.url !== COMMUNE_COG);
    subExtension(loc.extension[1], 'capacityStatus').valueCodeableConcept.coding[0].code = '99';
    expect(() => rorValidator().validateForWrite(loc)).not.toThrow();
    // ...unless the server asks for the profile ($validate?profile=)
    expect(rejection(loc, { profiles: [ROR_LOCATION] }).status).toBe(422);
  });

  it('accepts a versioned meta.profile claim', () => {
    const loc = locationWithCapacity();
    loc.meta.profile = [`${ROR_LOCATION}|0.7.0`];
    loc.extension.splice(0, 1);
    expect(rejection(loc).status).toBe(422);
  });

  it('ignores a claimed profile the server does not hold, with an information issue in $validate', () => {
    const loc = locationWithCapacity();
    loc.meta.profile.push('https://example.org/StructureDefinition/unknown');
    expect(() => rorValidator().validateForWrite(loc)).not.toThrow();
    const oo = rorValidator().outcome(loc);
    expect(oo.issue).toEqual([
      expect.objectContaining({ severity: 'information', code: 'not-supported', expression: ['Location.meta.profile[1]'] }),
    ]);
  });

  it('rejects a Location claiming the profile of another resource type', () => {
    const loc = locationWithCapacity();
    loc.meta.profile = [`${ROR_SD}/ror-organization`];
    const err = rejection(loc);
    expect(err.status).toBe(422);
    expect(err.message).toContain('applies to Organization resources, not to Location');
  });
});

