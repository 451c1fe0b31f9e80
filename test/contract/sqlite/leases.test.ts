import { leasesContract } from '../leases.contract';
import { sqliteStoreFactory } from '../../helpers/sqlite-factory';

leasesContract('SQLite', sqliteStoreFactory());
