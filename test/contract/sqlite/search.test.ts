import { searchContract } from '../search.contract';
import { sqliteStoreFactory } from '../../helpers/sqlite-factory';

searchContract('SQLite', sqliteStoreFactory());
