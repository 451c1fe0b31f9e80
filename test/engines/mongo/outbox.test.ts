/** The outbox contract (test/contract/outbox.contract.ts, unchanged) on the MongoDB store, when MONGODB_URI is set. */
import { outboxContract } from '../../contract/outbox.contract';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

withCapabilities(() => outboxContract(adapterName(), mongoStoreFactory()));
afterAll(dropDatabases);
