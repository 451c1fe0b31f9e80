/**
 * SMART scopes (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html): a token's scopes narrow what
 * it may do; the role and the FINESS numbers of its principal bound it in any case. Version 2 syntax
 * (`system/Location.rs`, `user/*.cruds`) and version 1 (`system/Location.read`, `.write`, `.*`) are understood; query
 * restrictions after `?` (v2 granular scopes) are not, and such a scope grants nothing rather than too much.
 */
export type ScopeAction = 'c' | 'r' | 'u' | 'd' | 's';

interface ParsedScope {
  context: 'system' | 'user' | 'patient';
  type: string;
  actions: Set<ScopeAction>;
}

const V1: Record<string, ScopeAction[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };

export function parseScope(scope: string): ParsedScope | undefined {
  const m = /^(system|user|patient)\/([A-Za-z]+|\*)\.([a-z*]+)$/.exec(scope);
  if (!m) return undefined;
  const [, context, type, perms] = m;
  let actions: ScopeAction[] | undefined = V1[perms];
  if (!actions) {
    // v2: letters in the order c r u d s, each at most once.
    if (!/^c?r?u?d?s?$/.test(perms) || perms === '') return undefined;
    actions = [...perms] as ScopeAction[];
  }
  return { context: context as ParsedScope['context'], type, actions: new Set(actions) };
}

/**
 * Whether `scopes` let a caller do `action` on `resourceType`. `patient/` scopes never apply: a directory holds no
 * patient compartment. Undefined scopes: the credential carries none, nothing is narrowed.
 */
export function scopesAllow(scopes: readonly string[] | undefined, resourceType: string, action: ScopeAction): boolean {
  if (scopes === undefined) return true;
  for (const s of scopes) {
    const p = parseScope(s);
    if (p && p.context !== 'patient' && (p.type === '*' || p.type === resourceType) && p.actions.has(action)) return true;
  }
  return false;
}

/** `c`, `u`, `d` as words, for refusals a person reads. */
export const ACTION_WORDS: Record<ScopeAction, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };
