/**
 * SMART system scopes (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html): what an API client
 * may be granted, and what it is granted when it asks. Written in SMART v2 (`system/Location.cu`, permissions among
 * `c r u d s`, optionally narrowed by a search `?param=value`); v1 (`.read`, `.write`, `.*`) is accepted on input and
 * rewritten in v2. Only `system/` scopes exist here: a client acts for itself, never for a patient or a user.
 */
import type { Role } from '../../kernel/actor';

const ORDER = 'cruds';
const V1: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

export interface SystemScope {
  /** A resource type, or `*` for every type. */
  resourceType: string;
  /** Letters of `cruds`, in that order. */
  permissions: string;
  /** A search narrowing the scope (`category=…`), without its `?`. */
  query?: string;
}

const DEFAULTS: Record<Role, string[]> = {
  consumer: ['system/*.rs'],
  establishment: ['system/*.rs', 'system/Organization.u', 'system/HealthcareService.cu', 'system/Location.cu', 'system/Task.cu'],
  analyst: ['system/*.rs', 'system/Task.cruds', 'system/Subscription.cruds'],
  admin: ['system/*.cruds'],
};

/** What a client of `role` may be granted when it was registered without scopes of its own. */
export function defaultScopes(role: Role): string[] {
  return [...DEFAULTS[role]];
}

/** A scope read from SMART v2 or v1 syntax; undefined when it is not a system scope this server knows. */
export function parseScope(text: string): SystemScope | undefined {
  const m = /^system\/(\*|[A-Z][A-Za-z]{0,63})\.([a-z*]+)(?:\?([^\s?#]+))?$/.exec(text);
  if (!m) return undefined;
  const [, resourceType, perms, query] = m;
  let permissions: string;
  if (V1[perms] !== undefined) {
    if (query !== undefined) return undefined; // v1 scopes carry no search
    permissions = V1[perms];
  } else {
    if (![...perms].every((c) => ORDER.includes(c)) || new Set(perms).size !== perms.length) return undefined;
    permissions = [...ORDER].filter((c) => perms.includes(c)).join('');
  }
  return { resourceType, permissions, ...(query !== undefined ? { query } : {}) };
}

export function formatScope(scope: SystemScope): string {
  return `system/${scope.resourceType}.${scope.permissions}${scope.query !== undefined ? `?${scope.query}` : ''}`;
}

export class ScopeError extends Error {
  constructor(readonly scope: string, message: string) {
    super(message);
  }
}

/** Scopes validated and written in v2, duplicates and scopes covered by another removed. Throws ScopeError. */
export function normaliseScopes(list: readonly string[]): string[] {
  return simplify(list.map((text) => parseScope(text) ?? invalid(text))).map(formatScope);
}

function invalid(text: string): never {
  throw new ScopeError(text, `'${text}' is not a SMART system scope (system/<Type or *>.<cruds>, or .read, .write, .*)`);
}

/**
 * What a client allowed `allowed` is granted when it asks for `requested` (a space-separated list; absent or
 * empty: everything it may have). Each requested scope is granted as far as the allowed ones cover it (asking
 * `system/*.cruds` with `system/*.rs` allowed grants `system/*.rs`); one that none of them covers at all, or that
 * is not a system scope, makes the request fail with ScopeError (`invalid_scope`).
 */
export function grantScopes(requested: string | undefined, allowed: readonly string[]): string[] {
  const may = allowed.map((text) => parseScope(text)).filter((s): s is SystemScope => s !== undefined);
  const asked = (requested ?? '').split(' ').filter(Boolean);
  if (asked.length === 0) return simplify(may).map(formatScope);
  const granted: SystemScope[] = [];
  for (const text of asked) {
    const scope = parseScope(text);
    if (!scope) throw new ScopeError(text, `'${text}' is not a scope this server grants: only SMART system scopes`);
    const parts = may.map((m) => intersect(scope, m)).filter((s): s is SystemScope => s !== undefined);
    if (parts.length === 0) throw new ScopeError(text, `the client may not have '${text}'`);
    granted.push(...parts);
  }
  return simplify(granted).map(formatScope);
}

/** What both scopes allow; undefined when nothing. */
function intersect(a: SystemScope, b: SystemScope): SystemScope | undefined {
  let resourceType: string;
  if (a.resourceType === b.resourceType || b.resourceType === '*') resourceType = a.resourceType;
  else if (a.resourceType === '*') resourceType = b.resourceType;
  else return undefined;
  if (a.query !== undefined && b.query !== undefined && a.query !== b.query) return undefined;
  const query = a.query ?? b.query;
  const permissions = [...a.permissions].filter((c) => b.permissions.includes(c)).join('');
  if (!permissions) return undefined;
  return { resourceType, permissions, ...(query !== undefined ? { query } : {}) };
}

/** Whether `outer` allows everything `inner` does. */
function covers(outer: SystemScope, inner: SystemScope): boolean {
  return (
    (outer.resourceType === '*' || outer.resourceType === inner.resourceType) &&
    (outer.query === undefined || outer.query === inner.query) &&
    [...inner.permissions].every((c) => outer.permissions.includes(c))
  );
}

/** Scopes of the same type and search merged, then those another one covers dropped; first-seen order kept. */
function simplify(scopes: readonly SystemScope[]): SystemScope[] {
  const merged = new Map<string, SystemScope>();
  for (const s of scopes) {
    const key = `${s.resourceType}?${s.query ?? ''}`;
    const prior = merged.get(key);
    const permissions = prior ? [...ORDER].filter((c) => prior.permissions.includes(c) || s.permissions.includes(c)).join('') : s.permissions;
    merged.set(key, { ...s, permissions });
  }
  const list = [...merged.values()];
  return list.filter((s) => !list.some((other) => other !== s && covers(other, s)));
}
