/** The auth contract (test/contract/auth.contract.ts, unchanged) on the MongoDB store, when MONGODB_URI is set. */
import { authContract } from '../../contract/auth.contract';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

withCapabilities(() => authContract(adapterName(), mongoStoreFactory()));
afterAll(dropDatabases);
