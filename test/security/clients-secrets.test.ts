/**
 * Client secrets: random, hashed with scrypt (salt and parameters in the stored string), verified; a malformed or
 * outrageous stored hash verifies nothing.
 */
import { generateSecret, hashSecret, verifySecret } from '../../src/security/clients/secrets';

test('a secret is 32 random bytes in base64url; two are never the same', () => {
  const a = generateSecret();
  expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(Buffer.from(a, 'base64url')).toHaveLength(32);
  expect(generateSecret()).not.toBe(a);
});

test('the hash carries its parameters and salt, differs for the same secret, and verifies only that secret', async () => {
  const secret = generateSecret();
  const [h1, h2] = await Promise.all([hashSecret(secret), hashSecret(secret)]);
  expect(h1).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  expect(h1).not.toBe(h2);
  expect(h1).not.toContain(secret);
  expect(await verifySecret(secret, h1)).toBe(true);
  expect(await verifySecret(secret, h2)).toBe(true);
  expect(await verifySecret(`${secret}x`, h1)).toBe(false);
  expect(await verifySecret('', h1)).toBe(false);
});

test('a hash made with other parameters still verifies (they are read from it)', async () => {
  const hash = await hashSecret('s3cret', { N: 1024, r: 4, p: 2 });
  expect(hash.startsWith('scrypt$1024$4$2$')).toBe(true);
  expect(await verifySecret('s3cret', hash)).toBe(true);
});

test('a malformed stored hash, or one asking for an outrageous cost, verifies nothing', async () => {
  const good = await hashSecret('s3cret');
  const [, , , , salt, hash] = good.split('$');
  for (const bad of ['', 'plain', `bcrypt$16384$8$1$${salt}$${hash}`, `scrypt$1000$8$1$${salt}$${hash}`, `scrypt$${2 ** 24}$8$1$${salt}$${hash}`, `scrypt$16384$8$1$$${hash}`, `scrypt$16384$8$1$${salt}$`]) {
    expect(await verifySecret('s3cret', bad)).toBe(false);
  }
});
