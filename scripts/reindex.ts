/**
 * `npm run reindex` — rebuilds every search index row from the current resources, e.g. after a SearchParameter
 * was added or changed in fhir-profiles/search-parameters/. Works in batches (one write transaction each), so a
 * running server keeps answering reads meanwhile; writes wait for each batch (busy_timeout).
 *
 * Usage: npm run reindex [-- <ResourceType> ...]   (no type: every type)
 */
import { loadConfig } from '../src/config';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import { Indexer } from '../src/indexing/indexer';
import { loadSearchParameterFiles, SearchParamRegistry } from '../src/indexing/registry';

async function main(): Promise<void> {
  const config = loadConfig();
  const types = process.argv.slice(2);
  const store = new SqliteStore({ dataDir: config.dataDir }, new Indexer(new SearchParamRegistry(loadSearchParameterFiles())));
  const started = Date.now();
  const done = await store.reindex({
    types,
    onProgress: (n) => {
      if (n % 50_000 < 2000) console.log(`${n} resources reindexed…`);
    },
  });
  console.log(`reindexed ${done} resources in ${((Date.now() - started) / 1000).toFixed(1)} s (${config.dataDir})`);
  await store.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
