/**
 * `GET /auth/session`: who the browser's session cookie says is signed in, and the session's CSRF token, which a
 * page of this server must send back (`X-CSRF-Token`) on every state-changing request. The cookie is HttpOnly, so
 * this is how the web application learns the token; another site cannot read this answer (no CORS credentials).
 * `401` without a valid session.
 */
import express from 'express';
import { SessionError, type SessionCookies } from './sessions';

export const SESSION_PATH = '/auth/session';

export function sessionEndpoint(sessions: SessionCookies): express.Router {
  const router = express.Router();
  router.get(SESSION_PATH, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    let session;
    try {
      session = await sessions.read(req);
    } catch (err) {
      if (!(err instanceof SessionError)) throw err; // Express 5 hands a rejected handler to the error handler
      res.status(401).json({ error: err.message });
      return;
    }
    if (!session) {
      res.status(401).json({ error: 'not signed in' });
      return;
    }
    const { kind, id, name, role, finess, accessProfile } = session.principal;
    res.json({ kind, id, name, role, finess, accessProfile, csrfToken: session.csrf, expiresAt: new Date(session.exp * 1000).toISOString() });
  });
  return router;
}
