/**
 * Reading settings from environment variables: an empty or absent variable takes the default; anything else must
 * parse, or start-up fails with a message naming the variable.
 */
export type Env = Record<string, string | undefined>;

function given(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

/** A whole number within [min, max]. */
export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]+$/.test(raw.trim())) throw new Error(`${name} must be a whole number, got '${raw}'`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Any number within [min, max] (e.g. a share such as 0.05). */
export function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number between ${min} and ${max}, got '${raw}'`);
  return n;
}

/** A size such as `5mb`, `512kb` or a plain number of bytes. */
export function bytes(env: Env, name: string, fallback: number): number {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  const m = /^\s*([0-9]+)\s*(b|kb|mb|gb)?\s*$/i.exec(raw);
  if (!m) throw new Error(`${name} must be a size such as 5mb or 1048576, got '${raw}'`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Number(m[1]) * unit;
}

/** Exactly `true` or `false`. */
export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name} must be 'true' or 'false', got '${raw}'`);
}
