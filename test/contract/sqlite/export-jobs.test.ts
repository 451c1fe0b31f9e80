import { exportJobsContract } from '../export-jobs.contract';
import { sqliteStoreFactory } from '../../helpers/sqlite-factory';

exportJobsContract('SQLite', sqliteStoreFactory());
