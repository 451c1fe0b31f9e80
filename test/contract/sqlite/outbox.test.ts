import { outboxContract } from '../outbox.contract';
import { sqliteStoreFactory } from '../../helpers/sqlite-factory';

outboxContract('SQLite', sqliteStoreFactory());
