/**
 * From what an identity provider says about a person (SAML attributes, OpenID Connect claims, an external JWT's
 * claims) to a Principal: which attribute carries the role, the FINESS numbers and the access profile is the
 * region's choice, so the names are configuration (ROR_<PREFIX>_ATTR_ROLE, …, see README "Security").
 */
import type { Env } from '../env';
import { ROLES, type AuthMethod, type Principal, type Role } from '../kernel/actor';

export interface ClaimMapping {
  /** Attribute (claim) names. */
  role: string;
  finess: string;
  accessProfile: string;
  name: string;
  /** Values of the role attribute → roles (e.g. `{ "ROR_ETAB": "establishment" }`); a role's own name always maps. */
  roleValues: Record<string, Role>;
  /** Role when the attribute is absent or maps to nothing (undefined: sign-in is refused). */
  defaultRole?: Role;
  /** Access profile when the attribute is absent. */
  defaultAccessProfile: number;
}

export const MAX_ACCESS_PROFILE = 5;

/** A FINESS number: 9 characters, two digits or 2A/2B (Corsica), then 7 digits. */
export const FINESS_NUMBER = /^[0-9][0-9AB][0-9]{7}$/;

/**
 * Reads the mapping of one sign-in method from the environment, prefix e.g. `ROR_SAML` or `ROR_OIDC`:
 * `<P>_ATTR_ROLE` (default `role`), `<P>_ATTR_FINESS` (`finess`), `<P>_ATTR_ACCESS_PROFILE` (`access_profile`),
 * `<P>_ATTR_NAME` (`name`), `<P>_ROLE_VALUES` (`value=role,value=role`), `<P>_DEFAULT_ROLE`, `<P>_DEFAULT_ACCESS_PROFILE`.
 */
export function claimMappingFromEnv(env: Env, prefix: string): ClaimMapping {
  const v = (name: string, fallback: string) => (env[`${prefix}_${name}`]?.trim() || fallback);
  const roleValues: Record<string, Role> = {};
  for (const pair of (env[`${prefix}_ROLE_VALUES`] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [value, role] = pair.split('=').map((s) => s.trim());
    if (!value || !isRole(role)) throw new Error(`${prefix}_ROLE_VALUES: '${pair}' must be value=role with role one of ${ROLES.join(', ')}`);
    roleValues[value] = role;
  }
  const defaultRole = env[`${prefix}_DEFAULT_ROLE`]?.trim() || undefined;
  if (defaultRole !== undefined && !isRole(defaultRole)) throw new Error(`${prefix}_DEFAULT_ROLE must be one of ${ROLES.join(', ')}`);
  const defaultProfile = v('DEFAULT_ACCESS_PROFILE', '1');
  if (!/^[0-5]$/.test(defaultProfile)) throw new Error(`${prefix}_DEFAULT_ACCESS_PROFILE must be 0 to 5, got '${defaultProfile}'`);
  return {
    role: v('ATTR_ROLE', 'role'),
    finess: v('ATTR_FINESS', 'finess'),
    accessProfile: v('ATTR_ACCESS_PROFILE', 'access_profile'),
    name: v('ATTR_NAME', 'name'),
    roleValues,
    defaultRole: defaultRole as Role | undefined,
    defaultAccessProfile: Number(defaultProfile),
  };
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export class ClaimError extends Error {}

/**
 * The principal a set of claims describes. Throws ClaimError (a message for the person signing in) when the
 * claims grant no role or carry an invalid FINESS number or access profile.
 */
export function principalFromClaims(
  claims: Record<string, unknown>,
  mapping: ClaimMapping,
  who: { kind: Principal['kind']; id: string; via: AuthMethod; address?: string },
): Principal {
  const roleValue = values(claims[mapping.role]).map((r) => mapping.roleValues[r] ?? (isRole(r) ? r : undefined)).filter(isRole);
  // Several role values: the least powerful wins, so a misconfigured IdP never grants more than it meant.
  const role = roleValue.sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b))[0] ?? mapping.defaultRole;
  if (!role) throw new ClaimError(`no role: the identity provider sent no '${mapping.role}' value this server knows`);
  const finess = values(claims[mapping.finess]).flatMap((f) => f.split(/[\s,;]+/)).filter(Boolean);
  for (const f of finess) if (!FINESS_NUMBER.test(f)) throw new ClaimError(`'${f}' in '${mapping.finess}' is not a FINESS number`);
  if (role === 'establishment' && finess.length === 0) throw new ClaimError(`an establishment editor needs at least one FINESS number in '${mapping.finess}'`);
  const profileRaw = values(claims[mapping.accessProfile])[0];
  const accessProfile = profileRaw === undefined ? mapping.defaultAccessProfile : Number(profileRaw);
  if (!Number.isInteger(accessProfile) || accessProfile < 0 || accessProfile > MAX_ACCESS_PROFILE) {
    throw new ClaimError(`'${profileRaw}' in '${mapping.accessProfile}' is not an access profile (0 to 5)`);
  }
  const name = values(claims[mapping.name])[0];
  return { kind: who.kind, id: who.id, name, role, finess: [...new Set(finess)], accessProfile, via: who.via, address: who.address };
}

function values(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.flatMap(values);
  if (typeof raw === 'string') return [raw.trim()].filter(Boolean);
  if (typeof raw === 'number' || typeof raw === 'boolean') return [String(raw)];
  return [];
}
