/**
 * MONGODB_URI (and MONGODB_DATABASE) select the MongoDB store: `npm start` reads them here and hands the options to
 * the composition root, which keeps the embedded SQLite store when they are absent. A URI that is not a MongoDB one
 * fails start-up with a message naming the variable (its credentials left out).
 */
import type { Env } from '../../env';
import type { MongoStoreOptions } from './mongo-store';

export function mongoOptionsFromEnv(env: Env): MongoStoreOptions | undefined {
  const uri = env.MONGODB_URI?.trim();
  if (!uri) return undefined;
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) throw new Error(`MONGODB_URI must be a mongodb:// or mongodb+srv:// URI, got '${uri.replace(/\/\/[^@/]*@/, '//…@')}'`);
  return { uri, database: env.MONGODB_DATABASE?.trim() || undefined };
}
