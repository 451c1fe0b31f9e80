/** Valid resources shaped like ROR data (https://interop.esante.gouv.fr/ig/fhir/ror/), and test helpers. */
import type { Bundle, Location, OperationOutcome, Organization } from '@medplum/fhirtypes';
import { FhirError } from '../../../src/errors';
import type { ValidationOptions, Validator } from '../../../src/fhir/validation';
import { r4Validator } from '../../helpers/validation';

const ROR = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition';

export function organization(): Organization {
  return {
    resourceType: 'Organization',
    id: 'ej-750000001',
    meta: { versionId: '3', lastUpdated: '2026-01-15T10:00:00.000Z' },
    extension: [
      {
        url: `${ROR}/ror-organization-finess-legal-status`,
        valueCodeableConcept: { coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R72/FHIR', code: '1' }] },
      },
    ],
    identifier: [{ system: 'https://finess.esante.gouv.fr', value: '750000001' }],
    active: true,
    type: [{ coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R66/FHIR', code: '355' }] }],
    name: 'Centre Hospitalier de Test',
    alias: ['CHT'],
    telecom: [
      { system: 'phone', value: '0102030405', use: 'work' },
      { system: 'email', value: 'contact@cht.fr' },
    ],
    address: [{ use: 'work', line: ['1 rue de la Paix'], city: 'Paris', postalCode: '75001', country: 'FR' }],
    partOf: { reference: 'Organization/ej-750000000' },
  };
}

export function location(): Location {
  return {
    resourceType: 'Location',
    id: 'ror-loc-1',
    extension: [
      {
        url: `${ROR}/ror-location-supported-capacity`,
        extension: [
          {
            url: 'capacity',
            extension: [
              { url: 'capacityType', valueCodeableConcept: { coding: [{ system: 'https://mos.esante.gouv.fr/x', code: '01' }] } },
              { url: 'capacityValue', valueInteger: 12 },
            ],
          },
          { url: 'capacityUpdateDate', valueDateTime: '2026-03-01T10:00:00+01:00' },
        ],
      },
    ],
    identifier: [{ system: 'https://ror.esante.gouv.fr', value: 'L123' }],
    status: 'active',
    name: 'Unité de soins',
    mode: 'instance',
    telecom: [{ system: 'phone', value: '0102030405' }],
    address: { line: ['1 rue de la Paix'], city: 'Paris', postalCode: '75001' },
    position: { longitude: 2.35, latitude: 48.85 },
    managingOrganization: { reference: 'Organization/ej-750000001' },
    hoursOfOperation: [{ daysOfWeek: ['mon', 'tue'], openingTime: '08:00:00', closingTime: '18:00:00' }],
  };
}

export function transaction(): Bundle {
  return json({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:0b5d1b8e-9c1a-4a8e-8a62-8e0d6a3f1e11',
        resource: { ...organization(), id: undefined, partOf: undefined },
        request: { method: 'POST', url: 'Organization' },
      },
      {
        resource: { ...location(), managingOrganization: { reference: 'urn:uuid:0b5d1b8e-9c1a-4a8e-8a62-8e0d6a3f1e11' } },
        request: { method: 'PUT', url: 'Location/ror-loc-1' },
      },
    ],
  });
}

/** Deep copy as loose JSON, to build invalid variants. */
export function json(resource: object): any {
  return JSON.parse(JSON.stringify(resource));
}

/** Validates for write and returns the FhirError it throws (fails the test if it does not throw one). */
export function rejection(resource: unknown, opts?: ValidationOptions, validator: Validator = r4Validator()): FhirError {
  try {
    validator.validateForWrite(resource, opts);
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error('expected the resource to be rejected');
}

/** The error issues as "expression: diagnostics" lines, for readable assertions. */
export function errorLines(outcome: OperationOutcome): string[] {
  return (outcome.issue ?? [])
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.expression?.join(',') ?? ''}: ${i.diagnostics}`);
}

/** The expressions of the error issues. */
export function errorPaths(outcome: OperationOutcome): string[] {
  return (outcome.issue ?? []).filter((i) => i.severity === 'error').flatMap((i) => i.expression ?? []);
}
