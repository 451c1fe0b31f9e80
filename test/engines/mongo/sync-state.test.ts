/** The sync-state contract (test/contract/sync-state.contract.ts, unchanged) on the MongoDB store, when MONGODB_URI is set. */
import { syncStateContract } from '../../contract/sync-state.contract';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

withCapabilities(() => syncStateContract(adapterName(), mongoStoreFactory()));
afterAll(dropDatabases);
