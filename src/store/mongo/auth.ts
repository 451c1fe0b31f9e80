/**
 * The MongoDB API clients, signing keys and assertion replay cache (collections `api_clients`, `signing_keys`,
 * `assertion_jti`). Clients and keys are stored whole as JSON text beside the fields they are looked up or ordered
 * by, so what is read back is exactly what was given. Each change is a conditional single-document write (a
 * client's change is retried when another change landed in between), atomic on every engine, and never joins a
 * resource transaction.
 */
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { applyClientChanges, withoutUndefined, type ApiClient, type ApiClientChanges, type AuthStore, type SigningKey } from '../auth';
import { eq, lit } from './safe';

interface ClientDoc {
  _id: string;
  mtls: string | null;
  json: string;
}
interface KeyDoc {
  _id: string;
  createdAt: string;
  /** Insertion order, for keys created at the same instant. */
  seq: number;
  retired: boolean;
  json: string;
}
interface JtiDoc {
  _id: string;
  expiresAt: number;
}

export class MongoAuth implements AuthStore {
  private readonly clients: Collection<ClientDoc>;
  private readonly keys: Collection<KeyDoc>;
  private readonly jtis: Collection<JtiDoc>;

  constructor(
    db: Db,
    private readonly ready: Promise<unknown>,
    /** Runs a conditional change alone among this instance's (see MongoStore.conditional). */
    private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {
    this.clients = db.collection('api_clients');
    this.keys = db.collection('signing_keys');
    this.jtis = db.collection('assertion_jti');
  }

  addClient(client: ApiClient): Promise<boolean> {
    return this.exclusive(() => this.addClientNow(client));
  }

  private async addClientNow(client: ApiClient): Promise<boolean> {
    await this.ready;
    const stored = withoutUndefined(client);
    return inserted(this.clients.insertOne({ _id: lit(stored.clientId), mtls: stored.mtlsSubject ?? null, json: JSON.stringify(stored) }));
  }

  async getClient(clientId: string): Promise<ApiClient | undefined> {
    await this.ready;
    return parse(await this.clients.findOne({ _id: eq(clientId) as never }));
  }

  async clientByMtlsSubject(subject: string): Promise<ApiClient | undefined> {
    await this.ready;
    const [d] = await this.clients.find({ mtls: eq(subject) }).sort({ _id: 1 }).limit(1).toArray();
    return parse(d);
  }

  async listClients(): Promise<ApiClient[]> {
    await this.ready;
    return (await this.clients.find({}).sort({ _id: 1 }).toArray()).map((d) => JSON.parse(d.json) as ApiClient);
  }

  updateClient(clientId: string, changes: ApiClientChanges): Promise<ApiClient | undefined> {
    return this.exclusive(() => this.updateClientNow(clientId, changes));
  }

  private async updateClientNow(clientId: string, changes: ApiClientChanges): Promise<ApiClient | undefined> {
    await this.ready;
    for (;;) {
      const d = await this.clients.findOne({ _id: eq(clientId) as never });
      if (!d) return undefined;
      const client = applyClientChanges(JSON.parse(d.json) as ApiClient, changes);
      // Conditional on the text read: a change made in between is not overwritten, this one is applied on top.
      const r = await this.clients.updateOne({ _id: eq(clientId) as never, json: eq(d.json) }, { $set: { mtls: client.mtlsSubject ?? null, json: JSON.stringify(client) } });
      if (r.matchedCount === 1) return client;
    }
  }

  addSigningKey(key: SigningKey): Promise<void> {
    return this.exclusive(() => this.addSigningKeyNow(key));
  }

  private async addSigningKeyNow(key: SigningKey): Promise<void> {
    await this.ready;
    const stored = withoutUndefined(key);
    const [last] = await this.keys.find({}).sort({ seq: -1 }).limit(1).toArray();
    const added = await inserted(
      this.keys.insertOne({ _id: lit(stored.kid), createdAt: lit(stored.createdAt), seq: (last?.seq ?? 0) + 1, retired: Boolean(stored.retiredAt), json: JSON.stringify(stored) }),
    );
    if (!added) throw new Error(`a signing key of kid '${stored.kid}' exists already`);
  }

  async signingKeys(): Promise<SigningKey[]> {
    await this.ready;
    return (await this.keys.find({}).sort({ createdAt: 1, seq: 1 }).toArray()).map((d) => JSON.parse(d.json) as SigningKey);
  }

  retireSigningKey(kid: string, at: string): Promise<boolean> {
    return this.exclusive(() => this.retireSigningKeyNow(kid, at));
  }

  private async retireSigningKeyNow(kid: string, at: string): Promise<boolean> {
    await this.ready;
    const d = await this.keys.findOne({ _id: eq(kid) as never, retired: eq(false) });
    if (!d) return false;
    const key = { ...(JSON.parse(d.json) as SigningKey), retiredAt: lit(at) };
    const r = await this.keys.updateOne({ _id: eq(kid) as never, retired: eq(false) }, { $set: { retired: true, json: JSON.stringify(key) } });
    return r.matchedCount === 1;
  }

  rememberAssertion(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    return this.exclusive(() => this.rememberAssertionNow(clientId, jti, expiresAt, now));
  }

  private async rememberAssertionNow(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    await this.ready;
    const _id = JSON.stringify([lit(clientId), lit(jti)]);
    await this.jtis.deleteMany({ expiresAt: { $lte: lit(now) }, _id: { $ne: _id } });
    if (await inserted(this.jtis.insertOne({ _id, expiresAt: lit(expiresAt) }))) return true;
    // Known: accepted again only when the entry has expired (then it takes the entry's place).
    const r = await this.jtis.updateOne({ _id: eq(_id) as never, expiresAt: { $lte: lit(now) } }, { $set: { expiresAt: lit(expiresAt) } });
    return r.matchedCount === 1;
  }
}

/** True when inserted, false on a duplicate id. */
async function inserted(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000) return false;
    throw err;
  }
}

function parse(d: ClientDoc | null | undefined): ApiClient | undefined {
  return d ? (JSON.parse(d.json) as ApiClient) : undefined;
}
