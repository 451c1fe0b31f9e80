/**
 * Validators are instances: which profiles and terminology one knows is its own, so differently configured
 * validators live side by side in one process (medplum's process-wide registry is only a cache of parsed definitions).
 */
import { Terminology } from '../../../src/terminology/terminology';
import { Validator } from '../../../src/fhir/validation';
import { readRorConformance } from '../../../src/ror/profiles';
import { locationWithCapacity, ROR_LOCATION, subExtension } from '../ror/helpers';

const ror = readRorConformance();
const FREE = 2; // index of the "2 free beds" capacity entry in the fixture

function withBadCapacityStatus(): any {
  const loc = locationWithCapacity();
  subExtension(loc.extension[FREE], 'capacityStatus').valueCodeableConcept.coding[0].code = '99';
  return loc;
}

function status(validator: Validator, resource: unknown): number {
  try {
    validator.validateForWrite(resource);
    return 200;
  } catch (e: any) {
    return e.status;
  }
}

describe('two validators in one process', () => {
  const withRor = new Validator({ terminology: new Terminology({ resources: ror.terminology }), profiles: ror.definitions });
  const plain = new Validator({ terminology: new Terminology() });

  it('only the one built with the ROR profiles checks a resource claiming one', () => {
    const loc = withBadCapacityStatus();
    expect(loc.meta.profile).toEqual([ROR_LOCATION]);
    expect(status(withRor, loc)).toBe(422);
    expect(status(plain, loc)).toBe(200);
    expect(plain.outcome(loc).issue).toEqual([
      expect.objectContaining({ severity: 'information', diagnostics: expect.stringContaining(`Profile ${ROR_LOCATION} (meta.profile) is not known to this server`) }),
    ]);
  });

  it('each says which profiles it holds', () => {
    expect(withRor.isProfileAvailable(ROR_LOCATION)).toBe(true);
    expect(plain.isProfileAvailable(ROR_LOCATION)).toBe(false);
    expect(withRor.definition(ROR_LOCATION)?.type).toBe('Location');
    expect(plain.definition(ROR_LOCATION)).toBeUndefined();
    expect(withRor.resourceProfiles().map((p) => p.type).sort()).toEqual(['HealthcareService', 'Location', 'Organization', 'Practitioner', 'PractitionerRole', 'Task']);
    expect(plain.resourceProfiles()).toEqual([]);
    // Both know the R4 base definitions.
    expect(plain.isProfileAvailable('http://hl7.org/fhir/StructureDefinition/Location')).toBe(true);
  });

  it('checks bindings with its own terminology', () => {
    const withoutRorCodes = new Validator({ terminology: new Terminology(), profiles: ror.definitions });
    // JDV_J188 is not in its terminology: the capacity status is accepted unchecked, the rest of the profile applies.
    expect(status(withoutRorCodes, withBadCapacityStatus())).toBe(200);
    const missingType = locationWithCapacity();
    missingType.extension[FREE].extension = missingType.extension[FREE].extension.filter((e: any) => e.url !== 'capacityType');
    expect(status(withoutRorCodes, missingType)).toBe(422);
  });

  it('is rebuilt from its recipe (what the validation thread receives) with the same verdicts', () => {
    const copy = Validator.fromRecipe(structuredClone(withRor.recipe()));
    for (const resource of [locationWithCapacity(), withBadCapacityStatus(), { ...locationWithCapacity(), status: 'closed' }]) {
      expect(copy.outcome(resource)).toEqual(withRor.outcome(resource));
    }
  });
});
