import { Indexer } from '../../src/indexing/indexer';
import { loadSearchParameterFiles, SearchParamRegistry } from '../../src/indexing/registry';

let shared: Indexer | undefined;

/** The indexer the server builds (R4 + the project's SearchParameters), one per test file. */
export function testIndexer(): Indexer {
  return (shared ??= new Indexer(new SearchParamRegistry(loadSearchParameterFiles())));
}
