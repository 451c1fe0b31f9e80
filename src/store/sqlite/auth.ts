/**
 * The SQLite API clients, signing keys and assertion replay cache (tables `api_clients`, `signing_keys`,
 * `assertion_jti`; migration 10). Each client and key is stored whole as JSON, with the columns it is looked up or
 * ordered by beside it. Changes run on the writer connection through `exclusive`, the store's transaction lock
 * (between transactions, never inside another caller's); reads use the read-only connection.
 */
import type Database from 'better-sqlite3';
import { applyClientChanges, withoutUndefined, type ApiClient, type ApiClientChanges, type AuthStore, type SigningKey } from '../auth';

interface JsonRow {
  json: string;
}

/** How many expired replay-cache entries one insertion removes, so the table stays the size of the live ones. */
const PURGE_BATCH = 100;

export class SqliteAuth implements AuthStore {
  private readonly insertClient: Database.Statement<[string, string | null, string]>;
  private readonly clientOnWriter: Database.Statement<[string], JsonRow>;
  private readonly clientOnReader: Database.Statement<[string], JsonRow>;
  private readonly clientByMtls: Database.Statement<[string], JsonRow>;
  private readonly allClients: Database.Statement<[], JsonRow>;
  private readonly replaceClient: Database.Statement<[string | null, string, string]>;
  private readonly insertKey: Database.Statement<[string, string, string | null, string]>;
  private readonly keyOnWriter: Database.Statement<[string], JsonRow>;
  private readonly allKeys: Database.Statement<[], JsonRow>;
  private readonly replaceKey: Database.Statement<[string, string, string]>;
  private readonly insertJti: Database.Statement<{ clientId: string; jti: string; expiresAt: number; now: number }>;
  private readonly purgeJti: Database.Statement<{ now: number; limit: number }>;
  private readonly update: (clientId: string, changes: ApiClientChanges) => ApiClient | undefined;
  private readonly retire: (kid: string, at: string) => boolean;
  private readonly remember: (clientId: string, jti: string, expiresAt: number, now: number) => boolean;

  constructor(
    writer: Database.Database,
    reader: Database.Database,
    private readonly exclusive: <T>(fn: () => T) => Promise<T>,
  ) {
    this.insertClient = writer.prepare('INSERT INTO api_clients (client_id, mtls_subject, json) VALUES (?, ?, ?) ON CONFLICT (client_id) DO NOTHING');
    this.clientOnWriter = writer.prepare('SELECT json FROM api_clients WHERE client_id = ?');
    this.clientOnReader = reader.prepare('SELECT json FROM api_clients WHERE client_id = ?');
    this.clientByMtls = reader.prepare('SELECT json FROM api_clients WHERE mtls_subject = ? ORDER BY client_id LIMIT 1');
    this.allClients = reader.prepare('SELECT json FROM api_clients ORDER BY client_id');
    this.replaceClient = writer.prepare('UPDATE api_clients SET mtls_subject = ?, json = ? WHERE client_id = ?');
    this.insertKey = writer.prepare('INSERT INTO signing_keys (kid, created_at, retired_at, json) VALUES (?, ?, ?, ?)');
    this.keyOnWriter = writer.prepare('SELECT json FROM signing_keys WHERE kid = ?');
    this.allKeys = reader.prepare('SELECT json FROM signing_keys ORDER BY created_at, rowid');
    this.replaceKey = writer.prepare('UPDATE signing_keys SET retired_at = ?, json = ? WHERE kid = ?');
    // Inserts a new entry, or takes the place of an expired one; a live one is left alone (a replay).
    this.insertJti = writer.prepare(
      `INSERT INTO assertion_jti (client_id, jti, expires_at) VALUES (@clientId, @jti, @expiresAt)
       ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at WHERE assertion_jti.expires_at <= @now`,
    );
    this.purgeJti = writer.prepare(
      `DELETE FROM assertion_jti WHERE (client_id, jti) IN
         (SELECT client_id, jti FROM assertion_jti WHERE expires_at <= @now LIMIT @limit)`,
    );

    // Read, change and write back in one transaction, so two changes made at once both apply.
    this.update = writer.transaction((clientId: string, changes: ApiClientChanges) => {
      const row = this.clientOnWriter.get(clientId);
      if (!row) return undefined;
      const client = applyClientChanges(JSON.parse(row.json) as ApiClient, changes);
      this.replaceClient.run(client.mtlsSubject ?? null, JSON.stringify(client), clientId);
      return client;
    });
    this.retire = writer.transaction((kid: string, at: string) => {
      const row = this.keyOnWriter.get(kid);
      if (!row) return false;
      const key = JSON.parse(row.json) as SigningKey;
      if (key.retiredAt) return false;
      key.retiredAt = at;
      this.replaceKey.run(at, JSON.stringify(key), kid);
      return true;
    });
    this.remember = writer.transaction((clientId: string, jti: string, expiresAt: number, now: number) => {
      this.purgeJti.run({ now, limit: PURGE_BATCH });
      return this.insertJti.run({ clientId, jti, expiresAt, now }).changes === 1;
    });
  }

  async addClient(client: ApiClient): Promise<boolean> {
    const stored = withoutUndefined(client);
    return this.exclusive(() => this.insertClient.run(stored.clientId, stored.mtlsSubject ?? null, JSON.stringify(stored)).changes === 1);
  }

  async getClient(clientId: string): Promise<ApiClient | undefined> {
    return parse(this.clientOnReader.get(clientId));
  }

  async clientByMtlsSubject(subject: string): Promise<ApiClient | undefined> {
    return parse(this.clientByMtls.get(subject));
  }

  async listClients(): Promise<ApiClient[]> {
    return this.allClients.all().map((row) => JSON.parse(row.json) as ApiClient);
  }

  updateClient(clientId: string, changes: ApiClientChanges): Promise<ApiClient | undefined> {
    return this.exclusive(() => this.update(clientId, changes));
  }

  async addSigningKey(key: SigningKey): Promise<void> {
    const stored = withoutUndefined(key);
    await this.exclusive(() => this.insertKey.run(stored.kid, stored.createdAt, stored.retiredAt ?? null, JSON.stringify(stored)));
  }

  async signingKeys(): Promise<SigningKey[]> {
    return this.allKeys.all().map((row) => JSON.parse(row.json) as SigningKey);
  }

  retireSigningKey(kid: string, at: string): Promise<boolean> {
    return this.exclusive(() => this.retire(kid, at));
  }

  rememberAssertion(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    return this.exclusive(() => this.remember(clientId, jti, expiresAt, now));
  }
}

function parse(row: JsonRow | undefined): ApiClient | undefined {
  return row ? (JSON.parse(row.json) as ApiClient) : undefined;
}
