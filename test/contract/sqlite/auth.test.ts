import { authContract } from '../auth.contract';
import { sqliteStoreFactory } from '../../helpers/sqlite-factory';

authContract('SQLite', sqliteStoreFactory());
