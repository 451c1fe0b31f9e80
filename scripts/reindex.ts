/**
 * `npm run reindex` — rebuilds every search index row from the current resources, e.g. after a SearchParameter
 * was added or changed in fhir-profiles/search-parameters/. Works in batches (one write transaction each), so a
 * running server keeps answering reads meanwhile; writes wait for each batch (busy_timeout).
 *
 * Usage: npm run reindex [-- <ResourceType> ...]   (no type: every type)
 */
import { loadConfig } from '../src/config';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import { createSqliteSearchIndex } from '../src/store/sqlite/search-index';
import type { Resource } from '@medplum/fhirtypes';

const BATCH = 2000;

async function main(): Promise<void> {
  const config = loadConfig();
  const types = process.argv.slice(2);
  const index = createSqliteSearchIndex();
  const store = new SqliteStore({ dataDir: config.dataDir }, index);
  const db = store.database;
  const typeFilter = types.length ? `AND resource_type IN (${types.map(() => '?').join(', ')})` : '';
  const page = db.prepare(
    `SELECT rid, deleted, json FROM resources WHERE rid > ? ${typeFilter} ORDER BY rid LIMIT ${BATCH}`,
  );
  let last = 0;
  let done = 0;
  const started = Date.now();
  for (;;) {
    const rows = page.all(last, ...types) as { rid: number; deleted: number; json: string }[];
    if (!rows.length) break;
    db.transaction(() => {
      for (const r of rows) {
        index.indexResource(db, r.rid, r.deleted ? undefined : (JSON.parse(r.json) as Resource));
      }
    })();
    last = rows[rows.length - 1].rid;
    done += rows.length;
    if (done % (BATCH * 25) === 0) console.log(`${done} resources reindexed…`);
  }
  db.exec('ANALYZE');
  console.log(`reindexed ${done} resources in ${((Date.now() - started) / 1000).toFixed(1)} s (${config.dataDir})`);
  await store.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
