/**
 * Registering and changing API clients (what `npm run clients` calls): every input checked with a message for the
 * operator, keys registered public only, a certificate subject for one client only, a new secret replacing the
 * former one, revocation once.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { ClientAdminError, registerClient, revokeClient, rotateClientSecret, type NewClient } from '../../src/security/clients/admin';
import { verifySecret } from '../../src/security/clients/secrets';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { sqliteStoreFactory } from '../helpers/sqlite-factory';

let store: SqliteStore;
beforeEach(async () => {
  store = await sqliteStoreFactory().open();
});
afterEach(() => store.close());

const refusal = async (input: NewClient) => {
  const err = await registerClient(store.auth, input).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClientAdminError);
  return (err as Error).message;
};

test('a client gets a secret by default, stored as a hash, with access profile 1 and its role\'s scopes', async () => {
  const { client, secret } = await registerClient(store.auth, { clientId: 'reader', role: 'consumer' }, new Date('2030-01-01T00:00:00Z'));
  expect(client).toEqual({ clientId: 'reader', role: 'consumer', finess: [], accessProfile: 1, secretHash: expect.stringMatching(/^scrypt\$/), createdAt: '2030-01-01T00:00:00.000Z' });
  expect(await verifySecret(secret!, client.secretHash!)).toBe(true);
  expect(await store.auth.getClient('reader')).toEqual(client);
});

test('every input is checked', async () => {
  expect(await refusal({ clientId: 'bad id', role: 'consumer' })).toMatch(/client id 'bad id'/);
  expect(await refusal({ clientId: '', role: 'consumer' })).toMatch(/client id/);
  expect(await refusal({ clientId: 'a', role: 'root' })).toMatch(/unknown role 'root'/);
  expect(await refusal({ clientId: 'a', role: 'consumer', finess: ['2C0000016'] })).toMatch(/not a FINESS number/);
  expect(await refusal({ clientId: 'a', role: 'establishment' })).toMatch(/at least one FINESS/);
  expect(await refusal({ clientId: 'a', role: 'consumer', accessProfile: 6 })).toMatch(/access profile/);
  expect(await refusal({ clientId: 'a', role: 'consumer', scopes: ['system/*.rs', 'patient/*.rs'] })).toMatch(/'patient\/\*\.rs' is not a SMART system scope/);
  expect(await refusal({ clientId: 'a', role: 'consumer', jwksUrl: 'http://keys.example.org/jwks.json' })).toMatch(/must be https/);
  expect(await refusal({ clientId: 'a', role: 'consumer', jwksUrl: 'not a url' })).toMatch(/not a URL/);
  expect(await store.auth.listClients()).toEqual([]);
});

test('registered scopes are kept in v2', async () => {
  const { client } = await registerClient(store.auth, { clientId: 'a', role: 'analyst', scopes: ['system/*.read', 'system/Task.*'] });
  expect(client.scopes).toEqual(['system/*.rs', 'system/Task.cruds']);
});

test('a JWKS must hold public signing keys of an accepted algorithm; such a client gets no secret', async () => {
  const ec = await generateKeyPair('ES384', { extractable: true });
  const publicJwk = { ...(await exportJWK(ec.publicKey)), kid: 'k1' };
  const { client, secret } = await registerClient(store.auth, { clientId: 'backend', role: 'consumer', jwks: { keys: [publicJwk] } });
  expect(secret).toBeUndefined();
  expect(client).not.toHaveProperty('secretHash');
  expect(client.jwks).toEqual({ keys: [publicJwk] });

  expect(await refusal({ clientId: 'b', role: 'consumer', jwks: { keys: [await exportJWK(ec.privateKey)] } })).toMatch(/is a private key/);
  expect(await refusal({ clientId: 'b', role: 'consumer', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toMatch(/only RSA and EC public keys/);
  expect(await refusal({ clientId: 'b', role: 'consumer', jwks: { keys: [] } })).toMatch(/non-empty "keys"/);
  expect(await refusal({ clientId: 'b', role: 'consumer', jwks: [publicJwk] })).toMatch(/non-empty "keys"/);
  expect(await refusal({ clientId: 'b', role: 'consumer', jwks: { keys: [{ ...publicJwk, x: 'AAAA' }] } })).toMatch(/not a valid ES384 key/);
  expect(await refusal({ clientId: 'b', role: 'consumer', jwks: { keys: [{ ...publicJwk, use: 'enc' }] } })).toMatch(/not a signing key/);
  expect(await refusal({ clientId: 'b', role: 'consumer', jwks: { keys: [publicJwk] }, jwksUrl: 'https://x.example.org/jwks' })).toMatch(/not both/);
});

test('a certificate subject identifies one client only', async () => {
  await registerClient(store.auth, { clientId: 'a', role: 'consumer', mtlsSubject: 'CN=a,O=Region,C=FR' });
  expect(await refusal({ clientId: 'b', role: 'consumer', mtlsSubject: 'CN=a,O=Region,C=FR' })).toMatch(/already identifies client 'a'/);
  expect((await store.auth.clientByMtlsSubject('CN=a,O=Region,C=FR'))?.clientId).toBe('a');
});

test('a new secret replaces the former one; a revoked client gets none; an unknown client is named', async () => {
  const { secret } = await registerClient(store.auth, { clientId: 'a', role: 'consumer' });
  const rotated = await rotateClientSecret(store.auth, 'a');
  expect(rotated.secret).not.toBe(secret);
  expect(await verifySecret(rotated.secret, rotated.client.secretHash!)).toBe(true);
  expect(await verifySecret(secret!, rotated.client.secretHash!)).toBe(false);

  const revoked = await revokeClient(store.auth, 'a', new Date('2030-02-01T00:00:00Z'));
  expect(revoked.revokedAt).toBe('2030-02-01T00:00:00.000Z');
  await expect(revokeClient(store.auth, 'a')).rejects.toThrow(/already revoked at 2030-02-01/);
  await expect(rotateClientSecret(store.auth, 'a')).rejects.toThrow(/is revoked/);
  await expect(revokeClient(store.auth, 'zz')).rejects.toThrow(new ClientAdminError("no client 'zz'"));
});
