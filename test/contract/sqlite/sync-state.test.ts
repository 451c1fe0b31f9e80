import { syncStateContract } from '../sync-state.contract';
import { sqliteStoreFactory } from '../../helpers/sqlite-factory';

syncStateContract('SQLite', sqliteStoreFactory());
