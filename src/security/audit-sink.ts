/**
 * What the security components report to the audit trail (src/security/audit.ts writes them as AuditEvents):
 * sign-ins, failed authentications and refused requests. Writes themselves are audited by the kernel's write
 * path, with the actor that made them.
 */
import type { Actor } from '../kernel/actor';

export interface AuthFailure {
  /** How the caller tried: `bearer`, `session`, `mtls`, `bootstrap`, `client_secret_basic`, `saml`, `oidc`, … */
  method: string;
  /** Who the caller claimed to be, when it said (a client id, a SAML NameID): never a secret. */
  claimed?: string;
  address?: string;
  /** Why it failed, for the analyst reading the trail (never a secret or a whole token). */
  reason: string;
}

export interface AccessRefusal {
  actor: Actor;
  /** The FHIR interaction or operation refused, e.g. `update`, `search-type`, `$set-capacity`. */
  interaction: string;
  /** `Type` or `Type/id`. */
  target?: string;
  reason: string;
}

export interface AuditSink {
  authenticationFailed(failure: AuthFailure): void;
  /** A person or a client obtained a session or a token. */
  signedIn(actor: Actor, method: string): void;
  accessRefused(refusal: AccessRefusal): void;
}

/** An audit sink that records nothing (tools and tests that do not look at the trail). */
export const noAudit: AuditSink = {
  authenticationFailed: () => undefined,
  signedIn: () => undefined,
  accessRefused: () => undefined,
};
