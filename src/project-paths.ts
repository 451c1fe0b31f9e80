/**
 * Where the conformance material the server loads at start lives. It is found by walking up from this file to the
 * folder that holds `fhir-profiles/`, so the same code works from the sources (`src/`, run by tsx) and from the
 * compiled output (`dist/src/`). A deployment without the folder fails at start, loudly, instead of serving a
 * server that silently lacks the ROR SearchParameters and profiles.
 */
import fs from 'node:fs';
import path from 'node:path';

function findProfilesDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'fhir-profiles');
    if (fs.existsSync(path.join(candidate, 'search-parameters'))) return candidate;
    if (path.dirname(dir) === dir) {
      throw new Error(`fhir-profiles/ not found above ${from}: deploy it beside the server (see the Dockerfile)`);
    }
  }
}

let cached: string | undefined;

/** The `fhir-profiles/` folder of this installation. */
export function fhirProfilesDir(): string {
  return (cached ??= findProfilesDir(__dirname));
}
