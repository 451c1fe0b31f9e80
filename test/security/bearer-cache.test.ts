/**
 * Verified bearer tokens are remembered (src/security/bearer.ts): the LRU's bound, order and expiry, and through a
 * real issuer with real ES256 tokens that a remembered token still ends at its `exp`, that a refused token is
 * never remembered, and that each request gets its own copy of the principal with its own address.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Principal } from '../../src/kernel/actor';
import { externalIssuer, VERIFIED_TOKEN_TTL_MS } from '../../src/security/bearer';
import { ExpiringLru } from '../../src/security/lru';
import { claimMappingFromEnv } from '../../src/security/claims';

describe('ExpiringLru', () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const lru = new ExpiringLru<number>(2);
    lru.set('a', 1, 1000);
    lru.set('b', 2, 1000);
    expect(lru.get('a', 0)).toBe(1); // a is now the most recently used
    lru.set('c', 3, 1000);
    expect(lru.size).toBe(2);
    expect(lru.get('b', 0)).toBeUndefined();
    expect(lru.get('a', 0)).toBe(1);
    expect(lru.get('c', 0)).toBe(3);
  });

  it('forgets an entry at its expiry', () => {
    const lru = new ExpiringLru<string>(10);
    lru.set('k', 'v', 100);
    expect(lru.get('k', 99)).toBe('v');
    expect(lru.get('k', 100)).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new ExpiringLru(0)).toThrow(/capacity/);
  });
});

describe('externalIssuer remembers verified tokens', () => {
  const ISSUER = 'https://idp.cache.test';
  const AUDIENCE = 'https://ror.cache.test/fhir';
  let sign: (claims: Record<string, unknown>, exp: number) => Promise<string>;
  let jwks: { keys: object[] };
  let clock: number;
  let cache: ExpiringLru<Principal>;
  let verify: (token: string, address?: string) => Promise<Principal>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    sign = (claims, exp) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('client-1')
        .setIssuedAt(Math.floor(clock / 1000))
        .setExpirationTime(exp)
        .sign(privateKey);
  });

  beforeEach(() => {
    clock = Date.UTC(2030, 0, 1);
    cache = new ExpiringLru<Principal>(100);
    const issuer = externalIssuer(
      { issuer: ISSUER, audience: AUDIENCE, jwks: jwks as never, mapping: claimMappingFromEnv({}, 'ROR_JWT') },
      { cache, now: () => clock },
    );
    verify = (token, address) => issuer.verify(token, address);
  });

  const inSeconds = (s: number) => Math.floor(clock / 1000) + s;

  it('answers a token seen before from the cache, with each request\'s address on its own copy', async () => {
    const token = await sign({ role: 'consumer', access_profile: 3, scope: 'system/*.rs' }, inSeconds(600));
    const first = await verify(token, '10.0.0.1');
    expect(cache.size).toBe(1);
    const second = await verify(token, '10.0.0.2');
    expect(cache.size).toBe(1);
    expect(second).toEqual({ ...first, address: '10.0.0.2' });
    expect(second).toMatchObject({ role: 'consumer', accessProfile: 3, scopes: ['system/*.rs'], via: 'bearer' });
    expect(second).not.toBe(first);
    (second.scopes as string[]).push('system/*.cruds');
    expect((await verify(token)).scopes).toEqual(['system/*.rs']);
  });

  it('stops believing a token once it has expired', async () => {
    const token = await sign({ role: 'analyst' }, inSeconds(60));
    await verify(token);
    clock += 59_000;
    await expect(verify(token)).resolves.toMatchObject({ role: 'analyst' });
    // Past exp and the clock tolerance: checked again, and refused.
    clock += 60_000;
    await expect(verify(token)).rejects.toThrow(/exp/);
  });

  it('checks a long-lived token again after the cache\'s time to live', async () => {
    const token = await sign({ role: 'analyst' }, inSeconds(3600));
    await verify(token);
    clock += VERIFIED_TOKEN_TTL_MS;
    expect(cache.get(token, clock)).toBeUndefined();
    await expect(verify(token)).resolves.toMatchObject({ role: 'analyst' });
  });

  it('never remembers a refused token', async () => {
    const good = await sign({ role: 'analyst' }, inSeconds(600));
    const forged = `${good.slice(0, good.lastIndexOf('.') + 1)}${'A'.repeat(86)}`;
    await expect(verify(forged)).rejects.toThrow(/signature/);
    await expect(verify(forged)).rejects.toThrow(/signature/);
    const noRole = await sign({}, inSeconds(600));
    await expect(verify(noRole)).rejects.toThrow(/no role/);
    expect(cache.size).toBe(0);
  });
});
