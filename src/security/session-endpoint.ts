/**
 * The web application's view of sign-in:
 * - `GET /auth/session`: who the browser's session cookie says is signed in, and the session's CSRF token, which a
 *   page of this server must send back (`X-CSRF-Token`) on every state-changing request. The cookie is HttpOnly, so
 *   this is how the web application learns the token; another site cannot read this answer (no CORS credentials).
 *   `401` without a valid session, or with `?optional` `200 {"signedIn": false}` (a page that only asks whether
 *   someone is signed in; browsers log every 401 as an error).
 * - `GET /auth/methods`: how a person may sign in here (SAML, OpenID Connect, demo accounts), for the sign-in page.
 * - `POST /auth/logout` (the session's CSRF token in `X-CSRF-Token` or a `_csrf` field): ends the session (the
 *   cookie). SAML and OIDC have their own logout, which also ends the identity provider's session.
 */
import express from 'express';
import { csrfMatches, SessionError, type SessionCookies } from './sessions';

export const SESSION_PATH = '/auth/session';

export interface SignInMethods {
  /** Where the browser goes to sign in with each configured method. */
  saml?: string;
  oidc?: string;
  /** The demo accounts' list (./demo-accounts.ts), when they are on. */
  demo?: string;
}

export function sessionEndpoint(sessions: SessionCookies, options: { methods?: SignInMethods; secureCookies?: boolean } = {}): express.Router {
  const router = express.Router();
  router.get(SESSION_PATH, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const optional = new URL(req.originalUrl, 'http://x').searchParams.has('optional');
    const notSignedIn = (error: string) => (optional ? res.json({ signedIn: false, error }) : res.status(401).json({ error }));
    let session;
    try {
      session = await sessions.read(req);
    } catch (err) {
      if (!(err instanceof SessionError)) throw err; // Express 5 hands a rejected handler to the error handler
      notSignedIn(err.message);
      return;
    }
    if (!session) {
      notSignedIn('not signed in');
      return;
    }
    const { kind, id, name, role, finess, accessProfile } = session.principal;
    res.json({ signedIn: true, kind, id, name, role, finess, accessProfile, csrfToken: session.csrf, expiresAt: new Date(session.exp * 1000).toISOString() });
  });
  router.get('/auth/methods', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(options.methods ?? {});
  });
  router.post('/auth/logout', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const session = await sessions.read(req).catch((err: unknown) => {
      if (err instanceof SessionError) return undefined; // a broken cookie: clearing it is what the caller wants
      throw err;
    });
    const sent = req.get('X-CSRF-Token') ?? (req.body as Record<string, string> | undefined)?._csrf;
    if (session && !csrfMatches(session, sent)) {
      res.status(403).json({ error: 'the CSRF token is missing or wrong: sign out from a page of this service' });
      return;
    }
    sessions.clear(res, options.secureCookies ?? false);
    res.status(204).end();
  });
  return router;
}
