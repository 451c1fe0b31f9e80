import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testIndexer } from '../helpers/indexing';
import { searchContract } from './search.contract';
import { tempDir } from '../helpers/tmp';

searchContract('SQLite', {
  async open() {
    return new SqliteStore({ dataDir: tempDir() }, testIndexer());
  },
});
