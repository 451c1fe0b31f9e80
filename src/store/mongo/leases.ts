/**
 * The MongoDB leases (collection `leases`, `_id` = the lease's name): each change is one conditional single-document
 * write, atomic on every engine, so of two instances only one holds a lease (one sync run, one scheduler leader).
 * Lease changes never join a resource transaction.
 */
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { Acquisition, Lease, LeaseStore } from '../leases';
import { eq, lit } from './safe';

interface LeaseDoc {
  _id: string;
  owner: string;
  expiresAt: number;
}

export class MongoLeases implements LeaseStore {
  private readonly leases: Collection<LeaseDoc>;

  constructor(
    db: Db,
    private readonly ready: Promise<unknown>,
    /** Runs a conditional change alone among this instance's (see MongoStore.conditional). */
    private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {
    this.leases = db.collection('leases');
  }

  acquire(name: string, owner: string, ttlMs: number, now: number): Promise<Acquisition> {
    return this.exclusive(() => this.acquireNow(name, owner, ttlMs, now));
  }

  private async acquireNow(name: string, owner: string, ttlMs: number, now: number): Promise<Acquisition> {
    await this.ready;
    for (let attempt = 0; attempt < 3; attempt++) {
      // Free (expired) or already ours: take it.
      const taken = await this.leases.updateOne(
        { _id: eq(name) as never, $or: [{ expiresAt: { $lte: lit(now) } }, { owner: eq(owner) }] },
        { $set: { owner: lit(owner), expiresAt: lit(now + ttlMs) } },
      );
      if (taken.matchedCount === 1) return { acquired: true };
      try {
        await this.leases.insertOne({ _id: lit(name), owner: lit(owner), expiresAt: lit(now + ttlMs) });
        return { acquired: true };
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      }
      const holder = await this.holder(name);
      // Released or expired between the two writes: try again.
      if (holder && holder.expiresAt > now && holder.owner !== owner) return { acquired: false, holder };
    }
    const holder = await this.holder(name);
    return holder ? { acquired: false, holder } : { acquired: false, holder: { owner: '', expiresAt: now } };
  }

  heartbeat(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return this.exclusive(() => this.heartbeatNow(name, owner, ttlMs, now));
  }

  private async heartbeatNow(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    await this.ready;
    const r = await this.leases.updateOne({ _id: eq(name) as never, owner: eq(owner) }, { $set: { expiresAt: lit(now + ttlMs) } });
    return r.matchedCount === 1;
  }

  release(name: string, owner: string): Promise<void> {
    return this.exclusive(() => this.releaseNow(name, owner));
  }

  private async releaseNow(name: string, owner: string): Promise<void> {
    await this.ready;
    await this.leases.deleteOne({ _id: eq(name) as never, owner: eq(owner) });
  }

  async holder(name: string): Promise<Lease | undefined> {
    await this.ready;
    const d = await this.leases.findOne({ _id: eq(name) as never });
    return d ? { owner: d.owner, expiresAt: d.expiresAt } : undefined;
  }

  takeOver(name: string, previousOwner: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return this.exclusive(() => this.takeOverNow(name, previousOwner, owner, ttlMs, now));
  }

  private async takeOverNow(name: string, previousOwner: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    await this.ready;
    const r = await this.leases.updateOne(
      { _id: eq(name) as never, owner: eq(previousOwner) },
      { $set: { owner: lit(owner), expiresAt: lit(now + ttlMs) } },
    );
    return r.matchedCount === 1;
  }
}
