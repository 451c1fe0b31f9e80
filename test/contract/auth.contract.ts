/**
 * The auth part of the ResourceStore contract (src/store/auth.ts): API clients added once per id, read back as
 * given, listed, changed (revocation, a new secret, a field cleared), found by certificate subject; signing keys
 * listed oldest first and retired once; client assertions remembered until they expire. Everything survives a
 * restart. Time is given by the caller.
 */
import type { ApiClient, SigningKey } from '../../src/store/auth';
import type { ResourceStore } from '../../src/store/store';

export interface AuthStoreFactory {
  /** A new, empty store. */
  open(): Promise<ResourceStore>;
  /** Closes `previous` and reopens the same data. */
  reopen(previous: ResourceStore): Promise<ResourceStore>;
}

const T0 = Date.parse('2030-01-01T00:00:00Z');

const consumer: ApiClient = {
  clientId: 'viatrajectoire',
  role: 'consumer',
  finess: [],
  accessProfile: 2,
  secretHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
  createdAt: '2030-01-01T00:00:00.000Z',
  label: 'ViaTrajectoire',
};

const editor: ApiClient = {
  clientId: 'bed-manager',
  role: 'establishment',
  finess: ['010000024', '2A0000016'],
  accessProfile: 3,
  scopes: ['system/*.rs', 'system/Location.cu'],
  jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] },
  mtlsSubject: 'CN=bed-manager,O=CH Exemple,C=FR',
  createdAt: '2030-01-02T00:00:00.000Z',
};

function key(kid: string, createdAt: string): SigningKey {
  return {
    kid,
    alg: 'ES256',
    privateJwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, d: `d-${kid}` },
    publicJwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}` },
    createdAt,
  };
}

export function authContract(adapter: string, factory: AuthStoreFactory): void {
  describe(`ResourceStore auth contract: ${adapter}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('API clients', () => {
      test('a client added is read back as given; an unknown id reads nothing', async () => {
        expect(await store.auth.addClient(consumer)).toBe(true);
        expect(await store.auth.addClient(editor)).toBe(true);
        expect(await store.auth.getClient('viatrajectoire')).toEqual(consumer);
        expect(await store.auth.getClient('bed-manager')).toEqual(editor);
        expect(await store.auth.getClient('nobody')).toBeUndefined();
        expect(await store.auth.getClient('VIATRAJECTOIRE')).toBeUndefined();
      });

      test('a second client of the same id is refused and changes nothing', async () => {
        await store.auth.addClient(consumer);
        expect(await store.auth.addClient({ ...consumer, role: 'admin', label: 'impostor' })).toBe(false);
        expect(await store.auth.getClient('viatrajectoire')).toEqual(consumer);
      });

      test('an undefined optional member is not stored', async () => {
        await store.auth.addClient({ ...consumer, label: undefined, scopes: undefined });
        const read = await store.auth.getClient('viatrajectoire');
        expect(read).not.toHaveProperty('label');
        expect(read).not.toHaveProperty('scopes');
      });

      test('clients are listed by id, revoked ones included', async () => {
        expect(await store.auth.listClients()).toEqual([]);
        await store.auth.addClient(consumer);
        await store.auth.addClient(editor);
        await store.auth.updateClient('viatrajectoire', { revokedAt: '2030-02-01T00:00:00.000Z' });
        const listed = await store.auth.listClients();
        expect(listed.map((c) => c.clientId)).toEqual(['bed-manager', 'viatrajectoire']);
        expect(listed[1].revokedAt).toBe('2030-02-01T00:00:00.000Z');
      });

      test('a change replaces the fields given, clears those given as null, keeps the others', async () => {
        await store.auth.addClient(consumer);
        const changed = await store.auth.updateClient('viatrajectoire', {
          secretHash: 'scrypt$16384$8$1$bmV3$bmV3',
          label: null,
          revokedAt: '2030-03-01T00:00:00.000Z',
        });
        const expected = { ...consumer, secretHash: 'scrypt$16384$8$1$bmV3$bmV3', revokedAt: '2030-03-01T00:00:00.000Z' };
        delete (expected as Partial<ApiClient>).label;
        expect(changed).toEqual(expected);
        expect(await store.auth.getClient('viatrajectoire')).toEqual(expected);
      });

      test('a change cannot alter the client id or creation time; a change to no client returns nothing', async () => {
        await store.auth.addClient(consumer);
        const sneaky = { clientId: 'other', createdAt: '1999-01-01T00:00:00.000Z', label: 'renamed' } as never;
        expect(await store.auth.updateClient('viatrajectoire', sneaky)).toEqual({ ...consumer, label: 'renamed' });
        expect(await store.auth.getClient('other')).toBeUndefined();
        expect(await store.auth.updateClient('nobody', { label: 'x' })).toBeUndefined();
        expect(await store.auth.listClients()).toHaveLength(1);
      });

      test('two changes made at once both apply', async () => {
        await store.auth.addClient(consumer);
        await Promise.all([
          store.auth.updateClient('viatrajectoire', { label: 'one' }),
          store.auth.updateClient('viatrajectoire', { revokedAt: '2030-03-01T00:00:00.000Z' }),
        ]);
        expect(await store.auth.getClient('viatrajectoire')).toMatchObject({ label: 'one', revokedAt: '2030-03-01T00:00:00.000Z' });
      });

      test('a client is found by its certificate subject, also after the subject changes', async () => {
        await store.auth.addClient(consumer);
        await store.auth.addClient(editor);
        expect((await store.auth.clientByMtlsSubject('CN=bed-manager,O=CH Exemple,C=FR'))?.clientId).toBe('bed-manager');
        expect(await store.auth.clientByMtlsSubject('CN=bed-manager')).toBeUndefined();
        await store.auth.updateClient('bed-manager', { mtlsSubject: 'CN=bed-manager-2026,O=CH Exemple,C=FR' });
        expect(await store.auth.clientByMtlsSubject('CN=bed-manager,O=CH Exemple,C=FR')).toBeUndefined();
        expect((await store.auth.clientByMtlsSubject('CN=bed-manager-2026,O=CH Exemple,C=FR'))?.clientId).toBe('bed-manager');
        await store.auth.updateClient('bed-manager', { mtlsSubject: null });
        expect(await store.auth.clientByMtlsSubject('CN=bed-manager-2026,O=CH Exemple,C=FR')).toBeUndefined();
      });
    });

    describe('signing keys', () => {
      test('keys are listed oldest first, with their private and public members', async () => {
        expect(await store.auth.signingKeys()).toEqual([]);
        await store.auth.addSigningKey(key('b', '2030-01-02T00:00:00.000Z'));
        await store.auth.addSigningKey(key('a', '2030-01-03T00:00:00.000Z'));
        expect(await store.auth.signingKeys()).toEqual([key('b', '2030-01-02T00:00:00.000Z'), key('a', '2030-01-03T00:00:00.000Z')]);
      });

      test('a key is retired once; retiring an unknown key does nothing', async () => {
        await store.auth.addSigningKey(key('a', '2030-01-02T00:00:00.000Z'));
        await store.auth.addSigningKey(key('b', '2030-01-03T00:00:00.000Z'));
        expect(await store.auth.retireSigningKey('a', '2030-01-03T00:00:00.000Z')).toBe(true);
        expect(await store.auth.retireSigningKey('a', '2030-01-04T00:00:00.000Z')).toBe(false);
        expect(await store.auth.retireSigningKey('zzz', '2030-01-04T00:00:00.000Z')).toBe(false);
        const keys = await store.auth.signingKeys();
        expect(keys.map((k) => [k.kid, k.retiredAt])).toEqual([['a', '2030-01-03T00:00:00.000Z'], ['b', undefined]]);
      });

      test('a second key of the same kid is refused', async () => {
        await store.auth.addSigningKey(key('a', '2030-01-02T00:00:00.000Z'));
        const refused = await store.auth.addSigningKey(key('a', '2030-01-05T00:00:00.000Z')).then(() => 'added', (err: unknown) => err);
        expect(refused).not.toBe('added');
        expect(String((refused as Error).message)).toMatch(/UNIQUE|PRIMARY|constraint|exists/i);
        expect(await store.auth.signingKeys()).toHaveLength(1);
      });
    });

    describe('client assertions (replay cache)', () => {
      test('an assertion is accepted once until it expires, then again', async () => {
        expect(await store.auth.rememberAssertion('c', 'jti-1', T0 + 60_000, T0)).toBe(true);
        expect(await store.auth.rememberAssertion('c', 'jti-1', T0 + 60_000, T0 + 1000)).toBe(false);
        expect(await store.auth.rememberAssertion('c', 'jti-1', T0 + 120_000, T0 + 59_999)).toBe(false);
        expect(await store.auth.rememberAssertion('c', 'jti-1', T0 + 120_000, T0 + 60_000)).toBe(true);
        expect(await store.auth.rememberAssertion('c', 'jti-1', T0 + 120_000, T0 + 61_000)).toBe(false);
      });

      test('the same jti of two clients are two assertions', async () => {
        expect(await store.auth.rememberAssertion('c', 'jti-1', T0 + 60_000, T0)).toBe(true);
        expect(await store.auth.rememberAssertion('d', 'jti-1', T0 + 60_000, T0)).toBe(true);
      });

      test('of the same assertion presented twice at once, one is accepted', async () => {
        const results = await Promise.all([
          store.auth.rememberAssertion('c', 'jti-2', T0 + 60_000, T0),
          store.auth.rememberAssertion('c', 'jti-2', T0 + 60_000, T0),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      test('many expired entries do not keep a live one from being seen', async () => {
        for (let i = 0; i < 250; i++) await store.auth.rememberAssertion('c', `old-${i}`, T0 + 1000, T0);
        expect(await store.auth.rememberAssertion('c', 'live', T0 + 600_000, T0 + 2000)).toBe(true);
        for (let i = 0; i < 5; i++) await store.auth.rememberAssertion('c', `new-${i}`, T0 + 600_000, T0 + 3000);
        expect(await store.auth.rememberAssertion('c', 'live', T0 + 600_000, T0 + 4000)).toBe(false);
        expect(await store.auth.rememberAssertion('c', 'old-3', T0 + 600_000, T0 + 4000)).toBe(true);
      });
    });

    test('clients, keys and remembered assertions survive a restart', async () => {
      await store.auth.addClient(editor);
      await store.auth.updateClient('bed-manager', { revokedAt: '2030-02-01T00:00:00.000Z' });
      await store.auth.addSigningKey(key('a', '2030-01-02T00:00:00.000Z'));
      await store.auth.rememberAssertion('bed-manager', 'jti-9', T0 + 60_000, T0);
      store = await factory.reopen(store);
      expect(await store.auth.getClient('bed-manager')).toEqual({ ...editor, revokedAt: '2030-02-01T00:00:00.000Z' });
      expect(await store.auth.signingKeys()).toEqual([key('a', '2030-01-02T00:00:00.000Z')]);
      expect(await store.auth.rememberAssertion('bed-manager', 'jti-9', T0 + 60_000, T0 + 1)).toBe(false);
    });

    test('auth changes wait for a running transaction and never join it', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const failing = store.transaction(async () => {
        await gate;
        throw new Error('boom');
      });
      await new Promise((r) => setTimeout(r, 10));
      const added = store.auth.addClient(consumer);
      release();
      await expect(failing).rejects.toThrow('boom');
      expect(await added).toBe(true);
      expect(await store.auth.getClient('viatrajectoire')).toEqual(consumer);
    });
  });
}
