import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { createSqliteSearchIndex } from '../../src/store/sqlite/search-index';
import { searchContract } from './search.contract';
import { tempDir } from '../helpers/tmp';

searchContract('SQLite', {
  async open() {
    return new SqliteStore({ dataDir: tempDir() }, createSqliteSearchIndex());
  },
});
