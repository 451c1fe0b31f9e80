import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { ResourceStore } from '../../src/store/store';
import { resourceStoreContract } from './resource-store.contract';
import { tempDir } from '../helpers/tmp';

const dirs = new WeakMap<ResourceStore, string>();

resourceStoreContract('SQLite', {
  async open() {
    const dir = tempDir();
    const store = new SqliteStore({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
  async reopen(previous) {
    const dir = dirs.get(previous)!;
    await previous.close();
    const store = new SqliteStore({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
});
