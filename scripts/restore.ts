/**
 * `npm run restore -- <file> [--force]` — puts a backup made by `npm run backup` in place as the store of
 * ROR_DATA_DIR. The server must be stopped: refused while a process has the store open. Data already there is
 * replaced only with --force, and kept beside as `ror.sqlite.replaced-<time>`. The offer index is removed and
 * rebuilt by the server at start. Exit status: 0 done, 1 refused or failed (the data directory unchanged).
 */
import { loadConfig } from '../src/config';
import { restoreStore } from '../src/store/sqlite/backup';

function main(argv: string[]): number {
  const force = argv.includes('--force');
  const files = argv.filter((a) => a !== '--force');
  if (files.length !== 1 || files[0].startsWith('-')) {
    console.error('usage: npm run restore -- <file> [--force]   (into the data directory ROR_DATA_DIR, default ./data; server stopped)');
    return 1;
  }
  const { dataDir } = loadConfig();
  const r = restoreStore(files[0], dataDir, { force });
  console.log(`restored ${files[0]} into ${r.dataDir}: ${r.resources} resources, ${r.versions} versions${r.replacedAs ? `; the previous store is kept as ${r.replacedAs}` : ''}; the offer index is rebuilt when the server starts`);
  return 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
