/** The leases contract (test/contract/leases.contract.ts, unchanged) on the MongoDB store, when MONGODB_URI is set. */
import { leasesContract } from '../../contract/leases.contract';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

withCapabilities(() => leasesContract(adapterName(), mongoStoreFactory()));
afterAll(dropDatabases);
