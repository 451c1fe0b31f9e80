import { createHash } from 'node:crypto';

/**
 * The integer key of a (resource type, parameter code) pair in the index tables: a 48-bit hash, so both
 * connections (and a rebuilt database) agree without a lookup table. Collisions among the few thousand pairs
 * that exist have a probability around 1e-8.
 */
const cache = new Map<string, number>();

export function pidOf(resourceType: string, code: string): number {
  const key = `${resourceType}|${code}`;
  let pid = cache.get(key);
  if (pid === undefined) {
    pid = createHash('sha1').update(key).digest().readUIntBE(0, 6);
    cache.set(key, pid);
  }
  return pid;
}
