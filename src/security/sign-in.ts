/**
 * What every sign-in method for people (SAML 2.0: ./saml, OpenID Connect: ./oidc) is given: it checks the person
 * with the identity provider, maps the attributes to a Principal (./claims.ts), then starts a session (a cookie,
 * ./sessions.ts) and sends the browser back where it came from (`returnTo`, a local path only).
 */
import type { Logger } from '../logger';
import type { AuditSink } from './audit-sink';
import type { SessionCookies } from './sessions';

export interface SignInDeps {
  sessions: SessionCookies;
  audit: AuditSink;
  logger: Logger;
  /** This server's public base URL (ROR_BASE_URL): callback URLs are built on it. */
  baseUrl: string;
  /** Session cookies are `Secure` (the server is reached over https). */
  secureCookies: boolean;
}

/** Where a browser may be sent after sign-in: a path of this server, never another site (open redirects). */
export function safeReturnPath(raw: unknown, fallback = '/ui/'): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || /[\r\n]/.test(raw)) return fallback;
  return raw.length > 2000 ? fallback : raw;
}
