/** The resource-store contract (test/contract/resource-store.contract.ts, unchanged) on the MongoDB store, when MONGODB_URI is set. */
import { resourceStoreContract } from '../../contract/resource-store.contract';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

withCapabilities(() => resourceStoreContract(adapterName(), mongoStoreFactory()));
afterAll(dropDatabases);
