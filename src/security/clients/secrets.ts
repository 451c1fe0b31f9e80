/**
 * Client secrets: 32 random bytes (base64url), shown once to the operator, stored only as a scrypt hash with its
 * own salt and parameters (`scrypt$N$r$p$salt$hash`, so the cost can be raised later without breaking the hashes
 * already stored), compared in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const SECRET_BYTES = 32;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/**
 * scrypt cost: N = 2^14, r = 8, p = 1 (16 MiB, tens of milliseconds, paid per token request, not per API call). The
 * secrets are 256 random bits, beyond any guessing: the hash keeps a copy of the store from being a list of
 * working secrets, it is not what stops brute force, so a higher cost would only make the endpoint easier to load.
 */
const DEFAULT_PARAMS = { N: 2 ** 14, r: 8, p: 1 };
/** Hashes of other costs are read; a stored hash asking for more than this is refused, not computed. */
const MAX_N = 2 ** 20;

export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

function derive(secret: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(secret, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string, params = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, params, KEY_BYTES);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether `secret` is the one `stored` was made from. False for a malformed stored hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const hash = await derive(secret, parsed.salt, parsed.params, parsed.hash.length);
  return timingSafeEqual(hash, parsed.hash);
}

/** A hash of a random secret, for spending on an unknown client the time a known one would cost. */
let decoy: Promise<string> | undefined;
export async function spendVerificationTime(secret: string): Promise<void> {
  decoy ??= hashSecret(generateSecret());
  await verifySecret(secret, await decoy);
}

function parseHash(stored: string): { params: { N: number; r: number; p: number }; salt: Buffer; hash: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const valid = (n: number) => Number.isInteger(n) && n >= 1;
  if (!valid(N) || !valid(r) || !valid(p) || N > MAX_N || (N & (N - 1)) !== 0 || r > 32 || p > 16) return undefined;
  const salt = Buffer.from(parts[4], 'base64url');
  const hash = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || hash.length < 16) return undefined;
  return { params: { N, r, p }, salt, hash };
}
