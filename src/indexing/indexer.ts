/**
 * The indexer: what a resource contributes to the search index, for one SearchParameter registry. Built once by the
 * composition root and handed to the store adapters (which write the rows it extracts) and to search planning
 * (which reads the same registry), so both sides always agree on what is indexed and how.
 */
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexRows, type IndexRows } from './extract';
import type { SearchParamRegistry } from './registry';

export class Indexer {
  constructor(readonly registry: SearchParamRegistry) {}

  /** The index rows of a resource about to be stored (run on every write). */
  rows(resource: Resource): IndexRows {
    return extractIndexRows(this.registry, resource);
  }

  /** The code whose rows a parameter's searches read (parameters with identical rows share them). */
  indexCode(resourceType: string, code: string): string {
    return this.registry.indexCode(resourceType, code);
  }
}
