/** Builders shared by the patch tests: FHIRPath Patch Parameters, frozen inputs, ROR Location capacities. */
import type { Extension, Location, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../../src/errors';

/** One `operation` parameter: `op('replace', 'Patient.active', { name: 'value', valueBoolean: false })`. */
export function op(type: string, path: string, ...parts: ParametersParameter[]): ParametersParameter {
  return {
    name: 'operation',
    part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...parts],
  };
}

export function params(...operations: ParametersParameter[]): Parameters {
  return { resourceType: 'Parameters', parameter: operations };
}

export const name = (value: string): ParametersParameter => ({ name: 'name', valueString: value });
export const index = (value: number): ParametersParameter => ({ name: 'index', valueInteger: value });
export const source = (value: number): ParametersParameter => ({ name: 'source', valueInteger: value });
export const destination = (value: number): ParametersParameter => ({ name: 'destination', valueInteger: value });
/** `value({ valueString: 'x' })` or `value({ part: [...] })`. */
export const value = (content: Omit<ParametersParameter, 'name'>): ParametersParameter => ({ name: 'value', ...content });

/** Deep-freezes a resource: any write to it by the code under test throws (tests run in strict mode). */
export function frozen<T>(input: T): T {
  if (input !== null && typeof input === 'object') {
    Object.values(input).forEach(frozen);
    Object.freeze(input);
  }
  return input;
}

/** Runs `fn`, expecting a FhirError; returns it for assertions on status and message. */
export function fhirError(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw new Error(`expected a FhirError, got ${String(err)}`);
  }
  throw new Error('expected a FhirError, but the call succeeded');
}

export function clone<T extends Resource>(resource: T): T {
  return JSON.parse(JSON.stringify(resource)) as T;
}

// --- ROR (https://interop.esante.gouv.fr/ig/fhir/ror, version 0.7.0) ---

export const SUPPORTED_CAPACITY = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';

/** Code systems (TRE) of the value sets (JDV J187–J195) the sub-extensions are bound to. */
export const TRE = {
  capacityType: 'https://mos.esante.gouv.fr/NOS/TRE_R329-NatureCapacite/FHIR/TRE-R329-NatureCapacite',
  capacityStatus: 'https://mos.esante.gouv.fr/NOS/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite',
  temporalityCapacity: 'https://mos.esante.gouv.fr/NOS/TRE_R331-TemporaliteCapacite/FHIR/TRE-R331-TemporaliteCapacite',
  genderCapacityAvailable: 'https://mos.esante.gouv.fr/NOS/TRE_R332-GenreCapacite/FHIR/TRE-R332-GenreCapacite',
  temporaryAssignement: 'https://mos.esante.gouv.fr/NOS/TRE_R337-AffectationTemporaire/FHIR/TRE-R337-AffectationTemporaire',
} as const;

export interface CapacityFields {
  capacityType?: string;
  capacityStatus: string;
  temporalityCapacity?: string;
  genderCapacityAvailable: string;
  nbCapacity: number;
  capacityUpdateDate?: string;
  temporaryAssignement?: string;
}

/** Sub-extension order of the builders; the JSON Patch tests address sub-extensions by these positions. */
export const SUB = { capacityType: 0, capacityStatus: 1, temporalityCapacity: 2, genderCapacityAvailable: 3, nbCapacity: 4, capacityUpdateDate: 5 };

/**
 * A ror-location-supported-capacity extension. Its coded sub-extensions are CodeableConcepts, as in the IG 0.7.0
 * StructureDefinition (value[x] type CodeableConcept), with the TRE code systems.
 */
export function capacity(fields: CapacityFields): Extension {
  const coded = (url: keyof typeof TRE, code: string): Extension => ({
    url,
    valueCodeableConcept: { coding: [{ system: TRE[url], code }] },
  });
  const extension: Extension[] = [
    coded('capacityType', fields.capacityType ?? '01'),
    coded('capacityStatus', fields.capacityStatus),
    coded('temporalityCapacity', fields.temporalityCapacity ?? '01'),
    coded('genderCapacityAvailable', fields.genderCapacityAvailable),
    { url: 'nbCapacity', valueInteger: fields.nbCapacity },
    { url: 'capacityUpdateDate', valueDateTime: fields.capacityUpdateDate ?? '2026-11-20T10:00:00+01:00' },
  ];
  if (fields.temporaryAssignement) extension.push(coded('temporaryAssignement', fields.temporaryAssignement));
  return { url: SUPPORTED_CAPACITY, extension };
}

/**
 * The same capacity written as FHIRPath Patch parts (https://hl7.org/fhir/R4/fhirpatch.html): each sub-extension
 * is an `extension` part holding its own `url` and `value` parts.
 */
export function capacityParts(fields: CapacityFields): ParametersParameter[] {
  return capacity(fields).extension!.map((sub) => ({
    name: 'extension',
    part: [
      { name: 'url', valueUri: sub.url },
      sub.valueInteger !== undefined
        ? { name: 'value', valueInteger: sub.valueInteger }
        : sub.valueDateTime !== undefined
          ? { name: 'value', valueDateTime: sub.valueDateTime }
          : { name: 'value', valueCodeableConcept: sub.valueCodeableConcept },
    ],
  }));
}

/** A ROR-like Location (a hospital unit) with its capacities: 3 free female beds, 2 free male, 12 occupied. */
export function rorLocation(): Location {
  return {
    resourceType: 'Location',
    id: 'ror-unit-1',
    meta: { versionId: '4' },
    status: 'active',
    name: 'Unité de médecine polyvalente',
    extension: [
      capacity({ capacityStatus: '02', genderCapacityAvailable: '01', nbCapacity: 3 }),
      capacity({ capacityStatus: '02', genderCapacityAvailable: '02', nbCapacity: 2 }),
      capacity({ capacityStatus: '03', genderCapacityAvailable: '04', nbCapacity: 12 }),
    ],
  };
}

/** The sub-extension `url` of `entry`, for assertions. */
export function sub(entry: Extension | undefined, url: string): Extension | undefined {
  return entry?.extension?.find((e) => e.url === url);
}
