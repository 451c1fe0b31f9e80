/**
 * Sign-in through OpenID Connect against a real OpenID provider (oidc-provider, in a child process): the whole
 * authorization code flow hop by hop, as a browser makes it, and what must be refused on the way.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import type { Actor } from '../../src/kernel/actor';
import type { AuditSink, AuthFailure } from '../../src/security/audit-sink';
import { oidcConfigFromEnv } from '../../src/security/oidc/config';
import { OidcProvider, ProviderUnavailable } from '../../src/security/oidc/provider';
import { LOGIN_COOKIE, oidcClientUrls, oidcSignIn } from '../../src/security/oidc/router';
import { SESSION_COOKIE, SessionCookies } from '../../src/security/sessions';
import type { SignInDeps } from '../../src/security/sign-in';
import { Browser, startLocalProvider, type LocalProvider } from './helpers/oidc-browser';

const SESSION_SECRET = 'a-session-secret-of-at-least-32-characters';
const CLIENT_SECRET = 'the-client-secret-of-ror-test-0123456789';

let provider: LocalProvider;
let server: Server;
let base: string;
let sessions: SessionCookies;
let deps: SignInDeps;
let current: express.Router | undefined;
const failures: AuthFailure[] = [];
const signedIn: { actor: Actor; method: string }[] = [];
const refused: string[] = [];
const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ROR_OIDC_ISSUER: provider.issuer,
    ROR_OIDC_CLIENT_ID: 'ror-test',
    ROR_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    ROR_OIDC_ACR_VALUES: 'eidas1',
    ROR_OIDC_ROLE_VALUES: 'ROR_ANALYSTE=analyst',
    ROR_SESSION_SECRET: SESSION_SECRET,
    ...extra,
  };
}

async function use(settings: Record<string, string | undefined>): Promise<void> {
  current = await oidcSignIn(oidcConfigFromEnv(settings)!, deps);
}

beforeAll(async () => {
  const app = express();
  app.set('query parser', false);
  app.use('/auth/oidc', (req, res, next) => (current ? current(req, res, next) : next()));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const urls = oidcClientUrls(base);
  provider = await startLocalProvider({
    OIDC_TEST_REDIRECT_URI: urls.redirectUri,
    OIDC_TEST_POST_LOGOUT_URI: urls.postLogoutRedirectUri,
    OIDC_TEST_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_TEST_CLIENT_JWK: JSON.stringify({ ...clientKey.publicKey.export({ format: 'jwk' }), kid: 'ror-key-1', use: 'sig', alg: 'ES256' }),
  });
  sessions = new SessionCookies({ secret: SESSION_SECRET });
  const audit: AuditSink = {
    authenticationFailed: (f) => failures.push(f),
    signedIn: (actor, method) => signedIn.push({ actor, method }),
    accessRefused: (r) => refused.push(r.reason),
  };
  deps = { sessions, audit, logger: pino({ level: 'silent' }), baseUrl: base, secureCookies: false };
  await use(env());
});

afterAll(async () => {
  await provider?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(async () => {
  failures.length = 0;
  signedIn.length = 0;
  refused.length = 0;
  await use(env());
});

/** /login → the provider → its sign-in page: the URL of the interaction and the redirect to the provider. */
async function startSignIn(browser: Browser, returnTo = '/ui/'): Promise<{ interaction: string; authorize: URL }> {
  const login = await browser.get(`${base}/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`);
  expect(login.status).toBe(302);
  const authorize = new URL(login.location!);
  expect(authorize.origin + authorize.pathname).toBe(`${provider.issuer}/auth`);
  const toInteraction = await browser.get(authorize.href);
  expect(toInteraction.status).toBe(303);
  const page = await browser.get(toInteraction.location!);
  expect(page.status).toBe(200);
  return { interaction: toInteraction.location!, authorize };
}

/** The person signs in at the provider: the callback URL the provider sends the browser to. */
async function signInAtProvider(browser: Browser, interaction: string, login: string, acr?: string): Promise<string> {
  const submitted = await browser.post(`${interaction}/login`, acr ? { login, acr } : { login });
  expect(submitted.status).toBe(303);
  const resumed = await browser.get(submitted.location!);
  expect(resumed.status).toBe(303);
  expect(resumed.location!.startsWith(`${base}/auth/oidc/callback?`)).toBe(true);
  return resumed.location!;
}

async function sessionOf(browser: Browser) {
  const cookie = browser.cookie(base, SESSION_COOKIE);
  if (!cookie) return undefined;
  return sessions.read({ headers: { cookie: `${SESSION_COOKIE}=${cookie}` } } as IncomingMessage);
}

async function signedInBrowser(login = 'alice'): Promise<Browser> {
  const browser = new Browser();
  const { interaction } = await startSignIn(browser);
  const done = await browser.get(await signInAtProvider(browser, interaction, login));
  expect(done.status).toBe(303);
  return browser;
}

describe('OpenID Connect sign-in', () => {
  it('signs a person in through the provider and starts a session for the principal its claims describe', async () => {
    const browser = new Browser();
    const { interaction, authorize } = await startSignIn(browser, '/ui/offers?finess=750712184');
    const q = authorize.searchParams;
    expect(q.get('client_id')).toBe('ror-test');
    expect(q.get('redirect_uri')).toBe(`${base}/auth/oidc/callback`);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('scope')).toBe('openid profile email');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('acr_values')).toBe('eidas1');
    const state = q.get('state')!;
    const nonce = q.get('nonce')!;
    expect(state.length).toBeGreaterThanOrEqual(32);
    expect(nonce.length).toBeGreaterThanOrEqual(32);
    // The sign-in cookie is encrypted: neither the state nor the nonce can be read from it.
    const loginCookie = browser.cookie(base, LOGIN_COOKIE)!;
    expect(loginCookie.split('.')).toHaveLength(5);
    expect(loginCookie).not.toContain(state);
    expect(Buffer.from(loginCookie.split('.')[0], 'base64url').toString()).toContain('A256GCM');

    const callback = await signInAtProvider(browser, interaction, 'alice');
    const done = await browser.get(callback);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${base}/ui/offers?finess=750712184`);
    const sessionCookie = done.setCookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Lax/i);
    expect(done.setCookies.some((c) => c.startsWith(`${LOGIN_COOKIE}=;`) && /Max-Age=0/i.test(c))).toBe(true);

    const session = await sessionOf(browser);
    expect(session?.principal).toEqual({
      kind: 'user',
      id: 'alice',
      name: 'Alice Martin',
      role: 'establishment',
      finess: ['750712184'],
      accessProfile: 3,
      via: 'session',
    });
    expect(signedIn).toHaveLength(1);
    expect(signedIn[0].method).toBe('oidc');
    expect(signedIn[0].actor).toMatchObject({ kind: 'user', id: 'alice', role: 'establishment' });
    expect(failures).toEqual([]);
  });

  it('maps the provider\'s role values and builds the name from given and family names', async () => {
    const browser = await signedInBrowser('carol');
    const session = await sessionOf(browser);
    expect(session?.principal).toMatchObject({ id: 'carol', name: 'Carol Petit', role: 'analyst', accessProfile: 4, finess: [] });
  });

  it('sends the person to /ui/ when returnTo names another site', async () => {
    for (const returnTo of ['https://evil.example/phish', '//evil.example/phish', '/\\evil.example']) {
      const browser = new Browser();
      const { interaction } = await startSignIn(browser, returnTo);
      const done = await browser.get(await signInAtProvider(browser, interaction, 'alice'));
      expect(done.status).toBe(303);
      expect(done.location).toBe(`${base}/ui/`);
    }
  });

  it('refuses a callback whose state is not the one this browser started with', async () => {
    const browser = new Browser();
    const { interaction } = await startSignIn(browser);
    const callback = new URL(await signInAtProvider(browser, interaction, 'alice'));
    callback.searchParams.set('state', 'an-attacker-chosen-state-value-0123456789');
    const done = await browser.get(callback.href);
    expect(done.status).toBe(401);
    expect(done.body).toContain('could not be verified');
    expect(browser.cookie(base, SESSION_COOKIE)).toBeUndefined();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ method: 'oidc' });
    expect(failures[0].reason).toMatch(/state/);
  });

  it('refuses a callback replayed with the same code', async () => {
    const browser = new Browser();
    const { interaction } = await startSignIn(browser);
    const loginCookie = browser.cookie(base, LOGIN_COOKIE)!;
    const callback = await signInAtProvider(browser, interaction, 'alice');
    expect((await browser.get(callback)).status).toBe(303);

    // An attacker who captured both the callback URL and the sign-in cookie replays them.
    const attacker = new Browser();
    attacker.setCookie(base, LOGIN_COOKIE, loginCookie);
    const replay = await attacker.get(callback);
    expect(replay.status).toBe(401);
    expect(attacker.cookie(base, SESSION_COOKIE)).toBeUndefined();
    expect(failures.map((f) => f.reason).join()).toMatch(/invalid_grant/);
  });

  it('refuses a callback without the sign-in cookie (not started in this browser, or too late)', async () => {
    const browser = new Browser();
    const { interaction } = await startSignIn(browser);
    const callback = await signInAtProvider(browser, interaction, 'alice');
    const other = new Browser();
    const done = await other.get(callback);
    expect(done.status).toBe(401);
    expect(done.body).toContain('not started in this browser');
    expect(failures[0].reason).toMatch(/cookie/);
  });

  it('answers 400 to a callback that carries neither a code nor an error', async () => {
    const browser = new Browser();
    await startSignIn(browser);
    for (const query of ['', '?state=abc', '?code=abc']) {
      const done = await browser.get(`${base}/auth/oidc/callback${query}`);
      expect(done.status).toBe(400);
      expect(done.body).toContain('Not a sign-in response');
      expect(done.body).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  describe('ID tokens the provider did not issue for this server', () => {
    afterEach(async () => {
      await fetch(`${provider.issuer}/_test/tamper`, { method: 'POST', body: new URLSearchParams({ mode: 'none' }) });
    });

    for (const [mode, what, reason] of [
      ['signature', 'with a tampered payload', /signature/i],
      ['audience', 'signed for another audience', /"aud"/],
      ['issuer', 'from another issuer', /"iss"/],
      ['nonce', 'with another nonce', /"nonce"/],
      ['expired', 'that has expired', /"exp"/],
    ] as const) {
      it(`refuses an ID token ${what}`, async () => {
        const browser = new Browser();
        const { interaction } = await startSignIn(browser);
        const callback = await signInAtProvider(browser, interaction, 'alice');
        const set = await fetch(`${provider.issuer}/_test/tamper`, { method: 'POST', body: new URLSearchParams({ mode }) });
        expect(set.status).toBe(204);
        const done = await browser.get(callback);
        expect(done.status).toBe(401);
        expect(browser.cookie(base, SESSION_COOKIE)).toBeUndefined();
        expect(signedIn).toEqual([]);
        expect(failures).toHaveLength(1);
        expect(failures[0].reason).toMatch(reason);
      });
    }
  });

  it('refuses a person the provider vouches for but to whom the claims grant no role, and says why', async () => {
    const browser = new Browser();
    const { interaction } = await startSignIn(browser);
    const done = await browser.get(await signInAtProvider(browser, interaction, 'bob'));
    expect(done.status).toBe(401);
    expect(done.body).toContain('no role');
    expect(browser.cookie(base, SESSION_COOKIE)).toBeUndefined();
    expect(failures).toEqual([expect.objectContaining({ method: 'oidc', claimed: 'bob', reason: expect.stringContaining('no role') })]);
  });

  it('refuses claims with an invalid FINESS number', async () => {
    const browser = new Browser();
    const { interaction } = await startSignIn(browser);
    const done = await browser.get(await signInAtProvider(browser, interaction, 'dave'));
    expect(done.status).toBe(401);
    expect(done.body).toContain('is not a FINESS number');
  });

  it('refuses a sign-in below the level of assurance asked for (acr_values)', async () => {
    const browser = new Browser();
    const { interaction } = await startSignIn(browser);
    const done = await browser.get(await signInAtProvider(browser, interaction, 'alice', 'low'));
    expect(done.status).toBe(401);
    expect(done.body).toContain('eidas1');
    expect(failures[0].reason).toMatch(/acr 'low'/);
  });

  it('shows the provider\'s own error (the person declined)', async () => {
    const browser = new Browser();
    const { interaction } = await startSignIn(browser);
    const aborted = await browser.get(`${interaction}/abort`);
    expect(aborted.status).toBe(303);
    const back = await browser.get(aborted.location!);
    expect(back.status).toBe(303);
    const callback = new URL(back.location!);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const done = await browser.get(callback.href);
    expect(done.status).toBe(401);
    expect(done.body).toContain('access_denied: the person declined to sign in');
    expect(failures[0].reason).toContain('access_denied');
  });

  it('escapes what a forged error response puts on the page', async () => {
    const browser = new Browser();
    const { authorize } = await startSignIn(browser);
    const forged = new URL(`${base}/auth/oidc/callback`);
    forged.searchParams.set('state', authorize.searchParams.get('state')!);
    forged.searchParams.set('iss', provider.issuer);
    forged.searchParams.set('error', 'access_denied');
    forged.searchParams.set('error_description', '<script>alert(1)</script>');
    const done = await browser.get(forged.href);
    expect(done.status).toBe(401);
    expect(done.body).not.toContain('<script>');
    expect(done.body).toContain('&#60;script&#62;');
  });

  it('signs in with private_key_jwt client authentication', async () => {
    await use(env({
      ROR_OIDC_CLIENT_ID: 'ror-pkjwt',
      ROR_OIDC_CLIENT_SECRET: '',
      ROR_OIDC_PRIVATE_KEY: clientKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ROR_OIDC_PRIVATE_KEY_ID: 'ror-key-1',
    }));
    const browser = await signedInBrowser('alice');
    expect((await sessionOf(browser))?.principal).toMatchObject({ id: 'alice', role: 'establishment' });
  });

  it('answers 503 with a page while the provider cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await use(env({ ROR_OIDC_ISSUER: `http://127.0.0.1:${port}` }));
    const done = await new Browser().get(`${base}/auth/oidc/login`);
    expect(done.status).toBe(503);
    expect(done.body).toContain('cannot be reached');
  });

  it('retries discovery of a provider that was unreachable, not more than every few seconds', async () => {
    let up = false;
    let hits = 0;
    const discovery = createServer((_req, res) => {
      hits++;
      if (!up) {
        res.writeHead(503).end();
        return;
      }
      fetch(`${provider.issuer}/.well-known/openid-configuration`)
        .then(async (r) => res.writeHead(200, { 'content-type': 'application/json' }).end(await r.text()))
        .catch(() => res.writeHead(502).end());
    });
    await new Promise<void>((resolve) => discovery.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(discovery.address() as AddressInfo).port}/.well-known/openid-configuration`;
      let now = 0;
      const connection = new OidcProvider(oidcConfigFromEnv(env({ ROR_OIDC_ISSUER: url }))!, deps.logger, () => now);
      await expect(connection.configuration()).rejects.toThrow(ProviderUnavailable);
      expect(hits).toBe(1);
      now = 5_000;
      up = true;
      await expect(connection.configuration()).rejects.toThrow(/cannot be reached/);
      expect(hits).toBe(1);
      now = 11_000;
      const configuration = await connection.configuration();
      expect(configuration.serverMetadata().issuer).toBe(provider.issuer);
      await connection.configuration();
      expect(hits).toBe(2);
    } finally {
      await new Promise((resolve) => discovery.close(resolve));
    }
  });

  describe('sign-out', () => {
    it('needs the session\'s CSRF token', async () => {
      const browser = await signedInBrowser('alice');
      for (const form of [{}, { _csrf: 'not-the-token' }] as Record<string, string>[]) {
        const refusedLogout = await browser.post(`${base}/auth/oidc/logout`, form);
        expect(refusedLogout.status).toBe(403);
        expect(browser.cookie(base, SESSION_COOKIE)).toBeDefined();
      }
      expect(refused).toHaveLength(2);
    });

    it('ends the session, then the provider\'s (end_session_endpoint with the ID token hint)', async () => {
      const browser = await signedInBrowser('alice');
      const session = (await sessionOf(browser))!;
      const done = await browser.post(`${base}/auth/oidc/logout`, { _csrf: session.csrf });
      expect(done.status).toBe(303);
      const end = new URL(done.location!);
      expect(end.origin + end.pathname).toBe(`${provider.issuer}/session/end`);
      expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${base}/`);
      expect(end.searchParams.get('client_id')).toBe('ror-test');
      expect(end.searchParams.get('id_token_hint')?.split('.')).toHaveLength(3);
      expect(browser.cookie(base, SESSION_COOKIE)).toBeUndefined();
      // The provider accepts the request (it asks the person to confirm the sign-out).
      const atProvider = await browser.get(end.href);
      expect(atProvider.status).toBe(200);
    });

    it('accepts the token in the X-CSRF-Token header', async () => {
      const browser = await signedInBrowser('alice');
      const session = (await sessionOf(browser))!;
      const done = await browser.post(`${base}/auth/oidc/logout`, {}, { 'x-csrf-token': session.csrf });
      expect(done.status).toBe(303);
      expect(browser.cookie(base, SESSION_COOKIE)).toBeUndefined();
    });

    it('sends a browser without a session home', async () => {
      const done = await new Browser().post(`${base}/auth/oidc/logout`, {});
      expect(done.status).toBe(303);
      expect(done.location).toBe(`${base}/`);
    });
  });
});
