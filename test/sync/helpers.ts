import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { createSqliteSearchIndex } from '../../src/store/sqlite/search-index';
import { SqliteSyncState } from '../../src/sync/reconcile/state';
import { runSync } from '../../src/sync/run';
import type { RunOptions, SourceSpecs } from '../../src/sync/run';
import { findConditionalMatches } from '../../src/fhir/search/conditional';
import { tempDir } from '../helpers/tmp';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'referentiels');
export const ET_EXCERPT = path.join(FIXTURES, 'finess', 'etalab-cs1100502-stock-20260512-0339.EXCERPT.csv');

export function realEtLines(): string[] {
  return fs.readFileSync(ET_EXCERPT, 'utf8').split('\n').filter(Boolean);
}

export interface SyncEnv {
  store: SqliteStore;
  state: SqliteSyncState;
  dir: string;
  run(sources: SourceSpecs, opts?: Partial<RunOptions>): ReturnType<typeof runSync>;
  /** Writes a file in the env's directory and returns its path. */
  file(name: string, content: string | Buffer): string;
  find<T extends Resource>(type: string, query: string): Promise<T[]>;
  close(): Promise<void>;
}

export function syncEnv(): SyncEnv {
  const dir = tempDir('ror-sync-');
  const store = new SqliteStore({ dataDir: dir }, createSqliteSearchIndex());
  const state = new SqliteSyncState(store.database);
  return {
    store,
    state,
    dir,
    run: (sources, opts = {}) => runSync({ store, state, sources, ...opts }),
    file(name, content) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, content);
      return p;
    },
    async find<T extends Resource>(type: string, query: string) {
      return (await findConditionalMatches(store, type, query, 1000)).map((v) => JSON.parse(v.json) as T);
    },
    async close() {
      state.close();
      await store.close();
    },
  };
}

/** Builds a structureet line from named overrides on a real line. */
export function etLine(base: string, overrides: Record<number, string>): string {
  const f = base.split(';');
  for (const [i, v] of Object.entries(overrides)) f[Number(i)] = v;
  return f.join(';');
}
