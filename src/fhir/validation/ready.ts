import { loadDefinitions } from '../../definitions';

let ready = false;

/** Loads the R4 definitions into medplum's registries on first use (~1 s), not at import time. */
export function ensureDefinitions(): void {
  if (ready) return;
  loadDefinitions();
  ready = true;
}
