/**
 * Who is calling: each request's credential becomes its actor (res.locals.actor), which every later step reads
 * (the read view, the kernel's write policy, the audit, the rate limits). In order:
 * 1. `Authorization: Bearer …`: the bootstrap token (ROR_BOOTSTRAP_TOKEN, an administrator for automation and
 *    first set-up), or a JWT of a trusted issuer (this server's token endpoint, the region's identity provider);
 * 2. a client certificate verified by the TLS terminator in front of the server, passed in a header
 *    (ROR_MTLS_HEADER), believed only from the proxies named in ROR_TRUSTED_PROXIES;
 * 3. the session cookie of a person signed in (SAML or OpenID Connect): state-changing requests must then carry
 *    the session's CSRF token (`X-CSRF-Token`);
 * 4. none: anonymous.
 * A credential that is present but not valid is a 401 (with `WWW-Authenticate`), never a silent fallback to
 * anonymous: the caller must know its token was refused.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { FhirError, forbidden } from '../errors';
import type { Actor, Principal } from '../kernel/actor';
import type { AuditSink } from './audit-sink';
import { unauthenticated } from './access';
import type { TokenIssuer } from './bearer';
import { csrfMatches, SessionError, type SessionCookies } from './sessions';

export interface MtlsIdentity {
  /** The header the TLS terminator puts the verified certificate's subject in. */
  header: string;
  /** The principal of a certificate subject (a registered client), or undefined. */
  lookup(subject: string, address: string | undefined): Promise<Principal | undefined>;
}

export interface AuthenticationOptions {
  realm: string;
  bootstrapToken?: string;
  issuers: TokenIssuer[];
  sessions?: SessionCookies;
  mtls?: MtlsIdentity;
  /** Whether the request came through a trusted proxy (its direct peer is one of ROR_TRUSTED_PROXIES). */
  fromTrustedProxy: (req: Request) => boolean;
  audit: AuditSink;
  /** The actor of requests without any credential (tests of other features run as an administrator). */
  anonymous?: Actor;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authenticate(options: AuthenticationOptions) {
  const bootstrap = options.bootstrapToken ? digest(options.bootstrapToken) : undefined;
  const byIssuer = new Map(options.issuers.map((i) => [i.issuer, i]));
  const fail = (req: Request, method: string, reason: string, claimed?: string): FhirError => {
    options.audit.authenticationFailed({ method, reason, claimed, address: req.ip });
    return unauthenticated(reason, options.realm, method === 'bearer' ? 'invalid_token' : undefined);
  };

  const identify = async (req: Request): Promise<Actor> => {
    const address = req.ip;
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization);
      if (!m) throw fail(req, 'bearer', 'the Authorization header must be "Bearer <token>"');
      const token = m[1];
      if (bootstrap && timingSafeEqual(digest(token), bootstrap)) {
        return { kind: 'client', id: 'bootstrap', name: 'bootstrap token', role: 'admin', finess: [], accessProfile: 5, via: 'bootstrap', address };
      }
      let iss: string | undefined;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        throw fail(req, 'bearer', 'the bearer token is not a JWT');
      }
      const issuer = iss === undefined ? undefined : byIssuer.get(iss);
      if (!issuer) throw fail(req, 'bearer', `tokens of issuer '${String(iss).slice(0, 200)}' are not accepted here`);
      try {
        return await issuer.verify(token, address);
      } catch (err) {
        throw fail(req, 'bearer', `the bearer token was refused: ${(err as Error).message}`);
      }
    }
    if (options.mtls) {
      const subject = req.headers[options.mtls.header.toLowerCase()];
      if (typeof subject === 'string' && subject && options.fromTrustedProxy(req)) {
        const decoded = safeDecode(subject);
        const principal = await options.mtls.lookup(decoded, address);
        if (!principal) throw fail(req, 'mtls', 'the client certificate is not registered to any client of this server', decoded.slice(0, 200));
        return principal;
      }
    }
    if (options.sessions && req.headers.cookie) {
      let session;
      try {
        session = await options.sessions.read(req);
      } catch (err) {
        if (err instanceof SessionError) throw fail(req, 'session', err.message);
        throw err;
      }
      if (session) {
        if (!SAFE_METHODS.has(req.method) && !csrfMatches(session, header(req, 'x-csrf-token'))) {
          options.audit.accessRefused({ actor: session.principal, interaction: req.method, reason: 'missing or wrong CSRF token' });
          throw forbidden('a request made with a session cookie must carry the session CSRF token in X-CSRF-Token');
        }
        return { ...session.principal, address };
      }
    }
    return options.anonymous ?? (address ? { kind: 'anonymous', address } : { kind: 'anonymous' });
  };

  return (req: Request, res: Response, next: NextFunction) => {
    identify(req).then(
      (actor) => {
        res.locals.actor = actor;
        next();
      },
      next,
    );
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
