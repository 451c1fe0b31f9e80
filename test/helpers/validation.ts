/**
 * Validators and terminology as the server builds them (src/main.ts composeKernel), one of each per test file:
 * `rorValidator()` knows the ROR profiles, `r4Validator()` only the R4 base definitions; both use the R4 base value
 * sets and the ANS nomenclatures of fhir-profiles/terminology.
 */
import { Validator } from '../../src/fhir/validation';
import { readRorConformance } from '../../src/ror/profiles';
import { Terminology } from '../../src/terminology/terminology';

let terminology: Terminology | undefined;
let r4: Validator | undefined;
let ror: Validator | undefined;

export function testTerminology(): Terminology {
  return (terminology ??= new Terminology({ resources: readRorConformance().terminology }));
}

export function r4Validator(): Validator {
  return (r4 ??= new Validator({ terminology: testTerminology() }));
}

export function rorValidator(): Validator {
  return (ror ??= new Validator({ terminology: testTerminology(), profiles: readRorConformance().definitions }));
}
