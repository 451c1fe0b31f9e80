/**
 * The ROR's indicators as FHIR Measures (./definitions/Measure-*.json, shipped with the server), loaded at start and
 * written into the store through the kernel as `system:measures`, so `GET /Measure`, `GET /Measure/[id]` and
 * searches serve them like any resource and MeasureReports reference a Measure that is there. Writing them again
 * at each start changes nothing when they are unchanged (compared with what is stored), and brings a new version of the
 * server's definitions in when they changed.
 * (The server's other conformance material — profiles, SearchParameters, value sets — is loaded into the kernel and
 * not served as resources; Measures are data a report points to and a dashboard lists, hence stored.)
 */
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import type { Measure } from '@medplum/fhirtypes';
import type { Kernel } from '../../kernel/kernel';
import { systemActor } from '../../kernel/actor';
import type { ResourceStore } from '../../store/store';

export const MEASURES_COMPONENT = 'measures';
const DIR = path.join(__dirname, 'definitions');

export type MeasureDefinition = Measure & { id: string; url: string };

let cached: readonly MeasureDefinition[] | undefined;

/** The Measures shipped with the server, read once per process (immutable). */
export function measureDefinitions(): readonly MeasureDefinition[] {
  if (cached) return cached;
  const files = fs.readdirSync(DIR).filter((f) => /^Measure-.*\.json$/.test(f)).sort();
  cached = Object.freeze(
    files.map((f) => {
      const m = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as MeasureDefinition;
      if (m.resourceType !== 'Measure' || !m.id || !m.url) throw new Error(`${f} is not a Measure with an id and a url`);
      return Object.freeze(m);
    }),
  );
  return cached;
}

export function measureDefinition(id: string): MeasureDefinition | undefined {
  return measureDefinitions().find((m) => m.id === id);
}

/** Writes the shipped Measures into the store (unchanged ones are left as they are). Returns the ids written anew. */
export async function installMeasureDefinitions(kernel: Kernel, store: ResourceStore): Promise<string[]> {
  return kernel.transaction(store, systemActor(MEASURES_COMPONENT), async (tx) => {
    const written: string[] = [];
    for (const m of measureDefinitions()) {
      const before = await tx.read('Measure', m.id);
      if (before && !before.deleted && sameContent(before.json, m)) continue;
      await tx.put(structuredClone(m) as MeasureDefinition);
      written.push(m.id);
    }
    return written;
  });
}

/** The stored Measure says what the shipped one says (its meta aside). */
function sameContent(json: string, m: MeasureDefinition): boolean {
  const { meta: _stored, ...stored } = JSON.parse(json) as MeasureDefinition;
  const { meta: _shipped, ...shipped } = JSON.parse(JSON.stringify(m)) as MeasureDefinition;
  return isDeepStrictEqual(stored, shipped);
}
