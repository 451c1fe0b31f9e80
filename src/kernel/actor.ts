/**
 * Who makes a request or a change. Every write the kernel performs knows its actor: the authorisation policy reads
 * it (./policy.ts), and so does the audit.
 *
 * - `system`: the server acting on its own (the referential sync, the scheduler, subscription delivery, the demo
 *   data, the audit trail), named by the component that acts;
 * - `anonymous`: an HTTP caller that presented no credential;
 * - `admin`: a fixed administrator, for tools run by the operator on the server's machine (the clients CLI);
 * - `client` (a system holding a token or a client certificate) and `user` (a person signed in): a principal, with
 *   the role, FINESS numbers, access profile and scopes its credential grants (src/security).
 */
export type Role = 'consumer' | 'establishment' | 'analyst' | 'admin';

export const ROLES: readonly Role[] = ['consumer', 'establishment', 'analyst', 'admin'];

/** How a principal proved who it is. */
export type AuthMethod = 'bearer' | 'session' | 'mtls' | 'bootstrap';

export interface Principal {
  kind: 'client' | 'user';
  /** Client id, or the user's subject at its identity provider. */
  id: string;
  /** A display name (a person's name, a client's label), for the audit. */
  name?: string;
  role: Role;
  /** FINESS numbers (EJ or ET) whose offer an establishment editor maintains. */
  finess: readonly string[];
  /** The national ROR's access profile, 0 (public) to 5, which bounds what the principal sees. */
  accessProfile: number;
  /** SMART scopes that narrow what the credential may do; undefined: no narrowing (the role decides). */
  scopes?: readonly string[];
  via: AuthMethod;
  /** Where the request came from (the client address), for the audit. */
  address?: string;
}

export type Actor =
  | { kind: 'system'; component: string }
  | { kind: 'anonymous'; address?: string }
  | { kind: 'admin'; name: string }
  | Principal;

export const ANONYMOUS: Actor = Object.freeze({ kind: 'anonymous' });

export function systemActor(component: string): Actor {
  return { kind: 'system', component };
}

export function isPrincipal(actor: Actor): actor is Principal {
  return actor.kind === 'client' || actor.kind === 'user';
}

/** A short label for logs and messages: `system:sync`, `anonymous`, `admin:ops`, `client:viatrajectoire (consumer)`. */
export function describeActor(actor: Actor): string {
  switch (actor.kind) {
    case 'system':
      return `system:${actor.component}`;
    case 'admin':
      return `admin:${actor.name}`;
    case 'client':
    case 'user':
      return `${actor.kind}:${actor.id} (${actor.role})`;
    default:
      return actor.kind;
  }
}
