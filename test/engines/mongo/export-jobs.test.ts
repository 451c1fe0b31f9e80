/** The export jobs contract (test/contract/export-jobs.contract.ts, unchanged) on the MongoDB store, when MONGODB_URI is set. */
import { exportJobsContract } from '../../contract/export-jobs.contract';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

withCapabilities(() => exportJobsContract(adapterName(), mongoStoreFactory()));
afterAll(dropDatabases);
