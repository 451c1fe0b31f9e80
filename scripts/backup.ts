/**
 * `npm run backup -- <file> [--force]` — a consistent copy of the embedded store of ROR_DATA_DIR into `file`, while
 * the server keeps serving (src/store/sqlite/backup.ts: SQLite's online backup, in one read transaction). The file
 * is a plain SQLite database: `npm run restore -- <file>` puts it back. The offer index is not copied (derived: the
 * server rebuilds it), nor `session-secret`. Exit status: 0 done, 1 failure (nothing left at `file`).
 */
import { loadConfig } from '../src/config';
import { backupStore } from '../src/store/sqlite/backup';

async function main(argv: string[]): Promise<number> {
  const force = argv.includes('--force');
  const files = argv.filter((a) => a !== '--force');
  if (files.length !== 1 || files[0].startsWith('-')) {
    console.error('usage: npm run backup -- <file> [--force]   (the store of ROR_DATA_DIR, default ./data)');
    return 1;
  }
  const { dataDir } = loadConfig();
  const r = await backupStore(dataDir, files[0], { force });
  console.log(`backup of ${dataDir} written to ${r.file}: ${r.resources} resources, ${r.versions} versions, ${(r.bytes / 1e6).toFixed(1)} MB in ${(r.ms / 1000).toFixed(1)} s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
