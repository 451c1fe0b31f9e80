/**
 * A small cookie whose content the browser can neither read nor change: a JWT encrypted and authenticated with a
 * key derived from the session secret (JWE `dir` + A256GCM, like the session cookie, ./../sessions.ts, but with its
 * own key). The OpenID Connect sign-in keeps in it what must survive the trip to the provider (state, nonce, PKCE
 * verifier, return path), so that any instance of the server can finish a sign-in another one started.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose';

export interface SealedCookieOptions {
  name: string;
  /** Key material (the session secret); `purpose` separates the keys of different cookies. */
  secret: string;
  purpose: string;
  path: string;
  ttlSeconds: number;
  secure: boolean;
}

export class SealedCookie<T extends JWTPayload> {
  private readonly key: Uint8Array;

  constructor(private readonly options: SealedCookieOptions) {
    this.key = createHash('sha256').update(`ror-${options.purpose}-v1\0${options.secret}`).digest();
  }

  async seal(res: ServerResponse, content: T): Promise<void> {
    const token = await new EncryptJWT(content)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .encrypt(this.key);
    this.set(res, token, this.options.ttlSeconds);
  }

  /** The content, or undefined when the cookie is absent, expired, or not one this server sealed. */
  async open(req: IncomingMessage): Promise<T | undefined> {
    const header = req.headers.cookie;
    const token = header ? parseCookies(header)[this.options.name] : undefined;
    if (!token) return undefined;
    try {
      const { payload } = await jwtDecrypt(token, this.key, { clockTolerance: 5 });
      return payload as T;
    } catch {
      return undefined;
    }
  }

  clear(res: ServerResponse): void {
    this.set(res, '', 0);
  }

  private set(res: ServerResponse, value: string, maxAge: number): void {
    const { name, path, secure } = this.options;
    const cookie = serializeCookie(name, value, { httpOnly: true, secure, sameSite: 'lax', path, maxAge });
    const prev = res.getHeader('Set-Cookie');
    const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
    res.setHeader('Set-Cookie', [...list, cookie]);
  }
}
