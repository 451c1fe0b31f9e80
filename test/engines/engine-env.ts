/**
 * Which real engines the engine suites run against: `OPENSEARCH_URL` / `ELASTICSEARCH_URL` (exported by
 * `npm run test:engines` from the engines' state file, or set by hand). A suite without its engine reports itself
 * skipped by name with the reason, so `npm test` says what it did not run.
 */
import type { EngineKind } from '../../src/store/elastic/engine';

export function engineUnderTest(): { kind: EngineKind; url: string } | undefined {
  const os = process.env.OPENSEARCH_URL?.trim();
  if (os) return { kind: 'opensearch', url: os };
  const es = process.env.ELASTICSEARCH_URL?.trim();
  if (es) return { kind: 'elasticsearch', url: es };
  return undefined;
}

/** A suite reported as skipped, with the reason in its name. */
export function skipWithoutEngine(suite: string): void {
  const reason = 'no OPENSEARCH_URL or ELASTICSEARCH_URL (run `npm run test:engines`, which starts the engines)';
  // Jest folds a wholly skipped file into a count: the name and the reason are printed as well.
  process.stderr.write(`skipped: ${suite}: ${reason}\n`);
  describe(suite, () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}
