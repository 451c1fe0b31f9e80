import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { ResourceStore } from '../../src/store/store';
import { tempDir } from './tmp';
import { testIndexer } from './indexing';

/** Opens SQLite stores on fresh temporary directories, and reopens one on its directory (restart tests). */
export function sqliteStoreFactory() {
  const dirs = new WeakMap<ResourceStore, string>();
  const openIn = (dir: string) => {
    const store = new SqliteStore({ dataDir: dir }, testIndexer());
    dirs.set(store, dir);
    return store;
  };
  return {
    async open(): Promise<SqliteStore> {
      return openIn(tempDir());
    },
    async reopen(previous: ResourceStore): Promise<SqliteStore> {
      const dir = dirs.get(previous)!;
      await previous.close();
      return openIn(dir);
    },
  };
}
