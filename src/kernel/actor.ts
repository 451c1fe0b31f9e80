/**
 * Who makes a request or a change. Every write the kernel performs knows its actor: the authorisation policy reads
 * it (./policy.ts), and so will the audit.
 *
 * - `system`: the server acting on its own (the referential sync, the scheduler, subscription delivery, the demo
 *   data), named by the component that acts;
 * - `anonymous`: an HTTP caller that presented no credentials (every HTTP caller, until sign-in exists);
 * - `admin`: a fixed administrator, for tools run by the operator.
 */
export type Actor = { kind: 'system'; component: string } | { kind: 'anonymous' } | { kind: 'admin'; name: string };

export const ANONYMOUS: Actor = Object.freeze({ kind: 'anonymous' });

export function systemActor(component: string): Actor {
  return { kind: 'system', component };
}

/** A short label for logs and messages: `system:sync`, `anonymous`, `admin:ops`. */
export function describeActor(actor: Actor): string {
  switch (actor.kind) {
    case 'system':
      return `system:${actor.component}`;
    case 'admin':
      return `admin:${actor.name}`;
    default:
      return actor.kind;
  }
}
