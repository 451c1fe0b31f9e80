/**
 * `npm run sync` (scripts/sync.ts) end to end: a first import into an empty store, through the store's bulk load
 * (search indexes built at the end), then searchable; a second run of the same file changes nothing.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/tmp';
import { ET_EXCERPT } from './helpers';

const CLI = path.join(__dirname, '..', '..', 'scripts', 'sync.ts');

function sync(dataDir: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', CLI, '--finess', ET_EXCERPT], {
    encoding: 'utf8',
    env: { ...process.env, ROR_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('npm run sync', () => {
  it('imports into an empty store with the indexes built at the end, then finds nothing to change', () => {
    const dataDir = tempDir();
    expect(sync(dataDir)).toMatch(/finess .* [1-9]\d* created/);
    const db = new Database(path.join(dataDir, 'ror.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM deferred_indexes').get()).toEqual({ n: 0 });
      const names = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['idx_token_value', 'idx_string_value', 'idx_ref_target']));
      const finess = db
        .prepare("SELECT count(*) AS n FROM idx_token INDEXED BY idx_token_value WHERE value IS NOT NULL AND system = 'https://finess.esante.gouv.fr'")
        .get() as { n: number };
      expect(finess.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    expect(sync(dataDir)).toMatch(/ 0 created, 0 updated, 0 deactivated, [1-9]\d* unchanged/);
  }, 60_000);
});
