/** The search contract (test/contract/search.contract.ts, unchanged) on the MongoDB store, when MONGODB_URI is set. */
import { searchContract } from '../../contract/search.contract';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

withCapabilities(() => searchContract(adapterName(), mongoStoreFactory()));
afterAll(dropDatabases);
