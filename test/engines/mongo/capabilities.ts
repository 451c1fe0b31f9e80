/**
 * Prints the capabilities of the MongoDB engine at MONGODB_URI as JSON (the store's own start-up probe, on a scratch
 * database that it then drops). Run in a child process by ./engine.ts: Jest declares tests synchronously, so which
 * ones to skip must be known before the first await.
 */
import { MongoClient } from 'mongodb';
import { probeCapabilities } from '../../../src/store/mongo/schema';

async function main(): Promise<void> {
  const client = new MongoClient(process.env.MONGODB_URI!, { serverSelectionTimeoutMS: 5000 });
  try {
    const db = client.db(`ror_probe_${process.pid}`);
    const caps = await probeCapabilities(db, client);
    await db.dropDatabase().catch(() => undefined);
    process.stdout.write(JSON.stringify(caps));
  } finally {
    await client.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
