import { resourceStoreContract } from '../resource-store.contract';
import { sqliteStoreFactory } from '../../helpers/sqlite-factory';

resourceStoreContract('SQLite', sqliteStoreFactory());
