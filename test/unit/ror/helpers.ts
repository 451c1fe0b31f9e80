/** Fixtures and helpers for the ROR profile tests (fixtures: test/fixtures/ror, see its README.md). */
import fs from 'node:fs';
import path from 'node:path';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ValidationOptions } from '../../../src/fhir/validation';
import { rejection as rejectionBy } from '../validation/fixtures';
import { rorValidator } from '../../helpers/validation';

export const ROR_SD = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition';
export const ROR_LOCATION = `${ROR_SD}/ror-location`;
export const CAPACITY = `${ROR_SD}/ror-location-supported-capacity`;
export const COMMUNE_COG = `${ROR_SD}/ror-commune-cog`;

export const FIXTURES = path.resolve(__dirname, '../../fixtures/ror');

/** A fresh copy of a fixture. */
export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
}

/** Location-ror-with-capacity.json: extension[0] commune, [1] installed beds, [2] 2 free beds (Covid+). */
export function locationWithCapacity(): any {
  return fixture('Location-ror-with-capacity.json');
}

/** The sub-extension `name` of a capacity entry. */
export function subExtension(entry: any, name: string): any {
  return entry.extension.find((e: any) => e.url === name);
}


/** The FhirError the server's validator (with the ROR profiles) throws for a resource. */
export const rejection = (resource: unknown, opts?: ValidationOptions) => rejectionBy(resource, opts, rorValidator());

/** `path: diagnostics` of the error issues. */
export function errors(outcome: OperationOutcome): string[] {
  return (outcome.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join(',')}: ${i.diagnostics}`);
}

export function errorPaths(outcome: OperationOutcome): string[] {
  return (outcome.issue ?? []).filter((i) => i.severity === 'error').map((i) => i.expression?.join(',') ?? '');
}
