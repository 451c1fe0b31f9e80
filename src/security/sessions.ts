/**
 * Sessions of people signed in through SAML or OpenID Connect: the session *is* the cookie, a JWT encrypted and
 * authenticated with the server's session key (JWE, `dir` + A256GCM, jose), so several instances behind a load
 * balancer share nothing but the key (ROR_SESSION_SECRET). HttpOnly, SameSite=Lax, Secure when the server is
 * reached over TLS. Each session carries a random CSRF token: every state-changing form post must send it back
 * (`_csrf` field or `X-CSRF-Token` header), which a page of another site cannot read.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { ROLES, type Principal } from '../kernel/actor';

export const SESSION_COOKIE = 'ror_session';

export interface Session {
  principal: Principal;
  /** Compared with what state-changing posts send back. */
  csrf: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface SessionOptions {
  /** At least 32 characters; the encryption key is derived from it. */
  secret: string;
  /** Lifetime of a session in seconds (default 8 h: a working day). */
  ttlSeconds?: number;
  /** Cookie path (default `/`). */
  path?: string;
}

export class SessionCookies {
  private readonly key: Uint8Array;
  readonly ttlSeconds: number;
  private readonly path: string;

  constructor(options: SessionOptions) {
    if (options.secret.length < 32) throw new Error('the session secret (ROR_SESSION_SECRET) must be at least 32 characters');
    this.key = createHash('sha256').update(`ror-session-v1\0${options.secret}`).digest();
    this.ttlSeconds = options.ttlSeconds ?? 8 * 3600;
    this.path = options.path ?? '/';
  }

  /** Starts a session for `principal`: sets the cookie, returns the session (with its CSRF token). */
  async issue(res: ServerResponse, principal: Principal, secure: boolean): Promise<Session> {
    const csrf = randomBytes(24).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + this.ttlSeconds;
    const { address: _address, ...kept } = principal;
    const token = await new EncryptJWT({ p: kept, csrf })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .encrypt(this.key);
    appendSetCookie(res, serializeCookie(SESSION_COOKIE, token, { httpOnly: true, secure, sameSite: 'lax', path: this.path, maxAge: this.ttlSeconds }));
    return { principal: kept as Principal, csrf, exp };
  }

  /**
   * The session the request's cookie carries, or undefined (no cookie). Throws SessionError for a cookie that is
   * not one of ours, was tampered with or has expired.
   */
  async read(req: IncomingMessage): Promise<Session | undefined> {
    const header = req.headers.cookie;
    if (!header) return undefined;
    const token = parseCookies(header)[SESSION_COOKIE];
    if (!token) return undefined;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtDecrypt(token, this.key, { clockTolerance: 5 }));
    } catch (err) {
      throw new SessionError(`the session cookie is invalid or expired (${(err as Error).message}); sign in again`);
    }
    const p = payload.p as Principal | undefined;
    if (!p || (p.kind !== 'user' && p.kind !== 'client') || !ROLES.includes(p.role) || typeof payload.csrf !== 'string') {
      throw new SessionError('the session cookie does not describe a session; sign in again');
    }
    return { principal: { ...p, via: 'session' }, csrf: payload.csrf, exp: Number(payload.exp) };
  }

  /** Ends the session (sign-out). */
  clear(res: ServerResponse, secure: boolean): void {
    appendSetCookie(res, serializeCookie(SESSION_COOKIE, '', { httpOnly: true, secure, sameSite: 'lax', path: this.path, maxAge: 0 }));
  }
}

export class SessionError extends Error {}

/** The CSRF token a state-changing request sent back matches its session's. */
export function csrfMatches(session: Session, sent: string | undefined): boolean {
  if (!sent) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const prev = res.getHeader('Set-Cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}
