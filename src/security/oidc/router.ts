/**
 * Sign-in of people through OpenID Connect (authorization code flow with PKCE, state and nonce; openid-client),
 * mounted by the composition root at /auth/oidc:
 *
 * - `GET /login?returnTo=/path`: sends the browser to the provider; what the callback must check (state, nonce, PKCE
 *   verifier) and where to return travel in a short-lived encrypted cookie (./sealed-cookie.ts);
 * - `GET /callback`: the provider sends the browser back with a code; openid-client checks the answer and exchanges
 *   the code (state, PKCE, ID token signature, issuer, audience, expiry, nonce); the ID token's and the userinfo
 *   endpoint's claims map to a principal (../claims.ts), which gets a session (../sessions.ts);
 * - `POST /logout` (the session's CSRF token required): ends the session, then the provider's own session when it
 *   has an end_session_endpoint.
 *
 * Every refusal is audited and answered with a short page (./pages.ts): 400 for a callback that is not one, 401
 * for a sign-in that failed, 503 when the provider cannot be reached.
 */
import express, { type Request, type Response } from 'express';
import * as client from 'openid-client';
import { ClaimError, principalFromClaims } from '../claims';
import { csrfMatches, SessionError, type Session } from '../sessions';
import { safeReturnPath, type SignInDeps } from '../sign-in';
import type { OidcConfig } from './config';
import { sendPage } from './pages';
import { describeError, OidcProvider, ProviderUnavailable } from './provider';
import { SealedCookie } from './sealed-cookie';

/** Where the composition root mounts the router: the callback URL registered at the provider is `<base>/auth/oidc/callback`. */
export const OIDC_MOUNT_PATH = '/auth/oidc';

export const LOGIN_COOKIE = 'ror_oidc_login';
export const ID_TOKEN_COOKIE = 'ror_oidc_idt';
const LOGIN_TTL_SECONDS = 600;
/** Browsers keep cookies up to about 4 KiB: a larger ID token is not kept for the logout hint. */
const MAX_ID_TOKEN_HINT = 3500;

interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  [key: string]: unknown;
}

interface IdTokenHint {
  idt: string;
  [key: string]: unknown;
}

/** A sign-in that cannot go on: the page the person sees, and the reason the audit trail records. */
class SignInFailure extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly title: string,
    readonly explanation: string,
    readonly reason: string,
    readonly claimed?: string,
  ) {
    super(reason);
  }
}

/** The URLs the provider must know for this client: its redirect (callback) URI and post-logout redirect URI. */
export function oidcClientUrls(baseUrl: string): { redirectUri: string; postLogoutRedirectUri: string } {
  const base = baseUrl.replace(/\/+$/, '');
  return { redirectUri: `${base}${OIDC_MOUNT_PATH}/callback`, postLogoutRedirectUri: `${base}/` };
}

export async function oidcSignIn(config: OidcConfig, deps: SignInDeps): Promise<express.Router> {
  const { redirectUri, postLogoutRedirectUri } = oidcClientUrls(deps.baseUrl);
  const cookiePath = new URL(redirectUri).pathname.replace(/\/callback$/, '');
  const loginCookie = new SealedCookie<LoginState>({
    name: LOGIN_COOKIE, secret: config.stateSecret, purpose: 'oidc-login', path: cookiePath, ttlSeconds: LOGIN_TTL_SECONDS, secure: deps.secureCookies,
  });
  const idTokenCookie = new SealedCookie<IdTokenHint>({
    name: ID_TOKEN_COOKIE, secret: config.stateSecret, purpose: 'oidc-id-token', path: cookiePath, ttlSeconds: deps.sessions.ttlSeconds, secure: deps.secureCookies,
  });
  const provider = new OidcProvider(config, deps.logger);
  // Discover now, so that a misconfigured provider shows in the start-up log; a failure is retried on sign-in.
  await provider.configuration().catch(() => undefined);

  const startAgain = (returnTo = '/ui/') => ({ href: `${cookiePath}/login?returnTo=${encodeURIComponent(returnTo)}`, label: 'Sign in again' });
  const router = express.Router();

  router.get('/login', async (req: Request, res: Response) => {
    const returnTo = safeReturnPath(queryOf(req).get('returnTo'));
    let configuration: client.Configuration;
    try {
      configuration = await provider.configuration();
    } catch (err) {
      if (!(err instanceof ProviderUnavailable)) throw err;
      sendPage(res, 503, 'Sign-in is unavailable', 'The identity provider cannot be reached at the moment. Try again in a few minutes.', startAgain(returnTo));
      return;
    }
    const login: LoginState = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), returnTo };
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: config.scopes,
      response_type: 'code',
      state: login.state,
      nonce: login.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
    };
    if (config.acrValues) parameters.acr_values = config.acrValues.join(' ');
    await loginCookie.seal(res, login);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, client.buildAuthorizationUrl(configuration, parameters).href);
  });

  router.get('/callback', async (req: Request, res: Response) => {
    const address = req.ip;
    const params = queryOf(req);
    const login = await loginCookie.open(req);
    loginCookie.clear(res);
    try {
      if (!params.has('state') || (!params.has('code') && !params.has('error'))) {
        throw new SignInFailure(400, 'Not a sign-in response', 'This address only receives the identity provider\'s answer to a sign-in. Start the sign-in again.', 'callback without state or code');
      }
      if (!login) {
        throw new SignInFailure(401, 'Sign-in expired', 'This sign-in was not started in this browser or took more than 10 minutes. Start it again.', 'no valid sign-in cookie (absent, expired or forged)');
      }
      const principal = await finishSignIn(res, params, login, address);
      const session = await deps.sessions.issue(res, principal, deps.secureCookies);
      deps.audit.signedIn({ ...session.principal, address }, 'oidc');
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, login.returnTo);
    } catch (err) {
      if (!(err instanceof SignInFailure)) throw err;
      deps.audit.authenticationFailed({ method: 'oidc', claimed: err.claimed, address, reason: err.reason });
      deps.logger.info({ reason: err.reason }, 'OpenID Connect sign-in refused');
      sendPage(res, err.status, err.title, err.explanation, startAgain(login?.returnTo));
    }
  });

  /** Exchanges the code and checks the answer; the principal the claims describe, or a SignInFailure. */
  async function finishSignIn(res: Response, params: URLSearchParams, login: LoginState, address: string | undefined) {
    let configuration: client.Configuration;
    try {
      configuration = await provider.configuration();
    } catch (err) {
      throw new SignInFailure(401, 'Sign-in is unavailable', 'The identity provider cannot be reached at the moment. Try again in a few minutes.', describeError(err));
    }
    const currentUrl = new URL(redirectUri);
    currentUrl.search = params.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        const text = err.error_description ? `${err.error}: ${err.error_description}` : err.error;
        throw new SignInFailure(401, 'The identity provider refused the sign-in', `The identity provider answered: ${text}`, `provider error ${text}`);
      }
      throw new SignInFailure(401, 'Sign-in failed', 'The identity provider\'s answer could not be verified. Start the sign-in again; if it keeps failing, contact the service desk.', describeError(err));
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SignInFailure(401, 'Sign-in failed', 'The identity provider sent no ID token.', 'no ID token');
    const sub = idClaims.sub;
    if (config.acrValues && !config.acrValues.includes(String(idClaims.acr))) {
      throw new SignInFailure(401, 'Sign-in refused', `This service needs a sign-in of level ${config.acrValues.join(' or ')}; the identity provider vouched for '${idClaims.acr ?? 'none'}'.`, `acr '${idClaims.acr ?? ''}' is not one of ${config.acrValues.join(', ')}`, sub);
    }
    let userinfo: Record<string, unknown> = {};
    if (configuration.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        userinfo = await client.fetchUserInfo(configuration, tokens.access_token, sub);
      } catch (err) {
        throw new SignInFailure(401, 'Sign-in failed', 'Your details could not be read from the identity provider. Start the sign-in again.', `userinfo: ${describeError(err)}`, sub);
      }
    }
    // The signed ID token has the last word on what both carry (sub, iss, aud, acr, …).
    const claims: Record<string, unknown> = { ...userinfo, ...idClaims };
    if (claims[config.claims.name] === undefined) {
      const name = [claims.given_name, claims.family_name].filter((n) => typeof n === 'string' && n.trim()).join(' ');
      if (name) claims[config.claims.name] = name;
    }
    let principal;
    try {
      principal = principalFromClaims(claims, config.claims, { kind: 'user', id: sub, via: 'session', address });
    } catch (err) {
      if (!(err instanceof ClaimError)) throw err;
      throw new SignInFailure(401, 'Sign-in refused', `You are known to the identity provider, but this service cannot let you in: ${err.message}.`, err.message, sub);
    }
    if (tokens.id_token && tokens.id_token.length <= MAX_ID_TOKEN_HINT) {
      await idTokenCookie.seal(res, { idt: tokens.id_token });
    }
    return principal;
  }

  router.post('/logout', express.urlencoded({ extended: false, limit: '8kb' }), async (req: Request, res: Response) => {
    let session: Session | undefined;
    try {
      session = await deps.sessions.read(req);
    } catch (err) {
      if (!(err instanceof SessionError)) throw err;
    }
    if (session && !csrfMatches(session, csrfOf(req))) {
      deps.audit.accessRefused({ actor: { ...session.principal, address: req.ip }, interaction: 'logout', reason: 'the CSRF token is missing or wrong' });
      sendPage(res, 403, 'Sign-out refused', 'This sign-out request did not come from a page of this service. Use the sign-out button of the service.', { href: '/ui/', label: 'Back to the service' });
      return;
    }
    const hint = await idTokenCookie.open(req);
    deps.sessions.clear(res, deps.secureCookies);
    idTokenCookie.clear(res);
    res.setHeader('Cache-Control', 'no-store');
    if (!session) {
      res.redirect(303, '/');
      return;
    }
    let target = '/';
    try {
      const configuration = await provider.configuration();
      if (configuration.serverMetadata().end_session_endpoint) {
        const parameters: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri };
        if (hint) parameters.id_token_hint = hint.idt;
        target = client.buildEndSessionUrl(configuration, parameters).href;
      }
    } catch (err) {
      deps.logger.warn({ err }, 'signed out here only: the identity provider cannot be reached');
    }
    res.redirect(303, target);
  });

  return router;
}

/** Query parameters read from the URL itself: the application may have turned Express's query parser off. */
function queryOf(req: Request): URLSearchParams {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

function csrfOf(req: Request): string | undefined {
  const header = req.headers['x-csrf-token'];
  if (typeof header === 'string' && header) return header;
  const body: unknown = req.body;
  if (Buffer.isBuffer(body)) return new URLSearchParams(body.toString('utf8')).get('_csrf') ?? undefined;
  if (body && typeof body === 'object') {
    const sent = (body as Record<string, unknown>)._csrf;
    return typeof sent === 'string' ? sent : undefined;
  }
  return undefined;
}
