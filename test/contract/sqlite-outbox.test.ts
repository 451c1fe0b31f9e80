import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { ResourceStore } from '../../src/store/store';
import { outboxContract } from './outbox.contract';
import { tempDir } from '../helpers/tmp';

const dirs = new WeakMap<ResourceStore, string>();

outboxContract('SQLite', {
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
