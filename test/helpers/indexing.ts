import { Indexer } from '../../src/indexing/indexer';
import { Hooks } from '../../src/kernel/hooks';
import type { SearchServices } from '../../src/fhir/interactions/search';
import type { SearchContext } from '../../src/fhir/search/plan';
import { testTerminology } from './validation';
import { loadSearchParameterFiles, SearchParamRegistry } from '../../src/indexing/registry';

let shared: Indexer | undefined;

/** The indexer the server builds (R4 + the project's SearchParameters), one per test file. */
export function testIndexer(): Indexer {
  return (shared ??= new Indexer(new SearchParamRegistry(loadSearchParameterFiles())));
}

/** What a search needs besides the store, for tests that call the search interaction on a bare store. */
export function testSearchServices(): SearchServices {
  return { ...testSearchContext(), hooks: new Hooks() };
}

/** What planning reads: the indexer's registry (or another), and the server's terminology. */
export function testSearchContext(registry: SearchParamRegistry = testIndexer().registry): SearchContext {
  return { registry, terminology: testTerminology() };
}
