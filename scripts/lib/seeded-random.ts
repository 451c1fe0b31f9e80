/**
 * A small, fast seeded random generator (mulberry32): numbers in [0, 1), the same ones for the same seed. What the
 * generated extracts, the bench's generated offer and the randomized tests draw from, so their data reproduce.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
