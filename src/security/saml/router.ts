/**
 * Sign-in through SAML 2.0 (Web Browser SSO profile), mounted by the composition root at /auth/saml:
 * - GET  /login?returnTo=/path  sends the browser to the identity provider with an AuthnRequest (RelayState: the
 *   local path to come back to);
 * - POST /acs                   the assertion consumer service: passport-saml (node-saml) verifies the signed
 *   assertion, its audience, Conditions and InResponseTo; ./assertion-checks.ts its issuer, recipient and bearer
 *   confirmation; ./replay.ts refuses an assertion seen before; then the attributes become a Principal
 *   (../claims.ts) and a session cookie is set (../sessions.ts);
 * - GET  /metadata              our SP metadata, for the identity provider's administrator;
 * - POST /logout                ends the session (CSRF token required).
 * Passport runs without sessions: the session is our own encrypted cookie.
 */
import express, { type Request, type Response } from 'express';
import { Passport, type Strategy as PassportStrategy } from 'passport';
import { Strategy, ValidateInResponseTo, type Profile, type VerifiedCallback } from '@node-saml/passport-saml';
import { principalFromClaims } from '../claims';
import { csrfMatches, SessionError } from '../sessions';
import { safeReturnPath, type SignInDeps } from '../sign-in';
import { checkAssertion, claimedNameId } from './assertion-checks';
import type { SamlConfig } from './config';
import { loadIdpMetadata, type IdpMetadata } from './idp-metadata';
import { malformed, refusalOf, refusalPage, ReplayedAssertion, type Refusal } from './refusal';
import { RequestIds, SeenAssertions, type AssertionMemory } from './replay';

/** Where the composition root mounts the router; the ACS URL and the login link are built on it. */
export const SAML_MOUNT_PATH = '/auth/saml';

const MAX_POST_BYTES = 512 * 1024;

/** Reads the IdP metadata, then builds the router. Throws (a message naming the setting) when SAML cannot work. */
export async function samlSignIn(config: SamlConfig, deps: SignInDeps, seen?: AssertionMemory): Promise<express.Router> {
  const idp = await loadIdpMetadata(config.idpMetadata);
  return samlRouter(config, idp, deps, seen);
}

/** `seen`: the memory of accepted assertions (default: this instance's; the server gives the store's). */
export function samlRouter(config: SamlConfig, idp: IdpMetadata, deps: SignInDeps, seen: AssertionMemory = new SeenAssertions()): express.Router {
  if (idp.wantAuthnRequestsSigned && !config.spKey) {
    throw new Error(`the identity provider ${idp.entityId} wants signed AuthnRequests: set ROR_SAML_SP_KEY and ROR_SAML_SP_CERT`);
  }
  const acsUrl = `${deps.baseUrl}${SAML_MOUNT_PATH}/acs`;
  const loginPath = `${SAML_MOUNT_PATH}/login`;
  const strategy = new Strategy(
    {
      name: 'saml',
      callbackUrl: acsUrl,
      entryPoint: idp.ssoUrl,
      authnRequestBinding: idp.ssoBinding,
      issuer: config.spEntityId,
      audience: config.spEntityId,
      idpIssuer: idp.entityId,
      idpCert: idp.signingCerts,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: config.wantResponseSigned,
      acceptedClockSkewMs: config.clockSkewMs,
      validateInResponseTo: config.inResponseTo as ValidateInResponseTo,
      requestIdExpirationPeriodMs: config.requestTtlMs,
      cacheProvider: new RequestIds(config.requestTtlMs),
      privateKey: config.spKey,
      publicCert: config.spCert,
      decryptionPvk: config.spKey,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      // The identity provider chooses the NameID format and how people authenticate (a card, a password, ...).
      identifierFormat: null,
      disableRequestedAuthnContext: true,
    },
    passProfile,
    passProfile,
  );
  // One Passport of our own, not the global one; the strategy is registered by name so that each request gets its
  // own copy (passport binds the request's callbacks on it).
  const passport = new Passport();
  passport.use('saml', strategy as unknown as PassportStrategy);
  const metadataXml = strategy.generateServiceProviderMetadata(config.spCert ?? null, config.spCert ?? null);

  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: MAX_POST_BYTES, parameterLimit: 20 });

  router.get('/login', (req, res, next) => {
    // passport-saml takes the RelayState from the query, for both bindings; the query it sees is only that (the
    // app does not parse queries: its FHIR routes read them their own way).
    Object.defineProperty(req, 'query', { value: { RelayState: safeReturnPath(queryParam(req, 'returnTo')) }, configurable: true });
    passport.authenticate('saml', { session: false }, (err: unknown) => {
      // Reached only when no redirect was sent: the AuthnRequest could not be built.
      deps.logger.error({ err }, 'SAML sign-in could not start');
      sendPage(res, 500, refusalPage('Sign-in could not start: the details are in the server log. Tell the administrator of this service.', loginPath));
    })(req, res, next);
  });

  router.post('/acs', form, (req, res, next) => {
    const body = formBody(req);
    const address = req.ip;
    const refuse = (refusal: Refusal, claimed?: string) => {
      deps.audit.authenticationFailed({ method: 'saml', claimed, address, reason: refusal.reason });
      deps.logger.info({ reason: refusal.reason, claimed, address }, 'SAML sign-in refused');
      sendPage(res, refusal.status, refusalPage(refusal.message, loginPath));
    };
    const posted = decodeResponse(body.SAMLResponse);
    if (typeof posted !== 'string') return refuse(posted);
    req.body = body;
    const claimed = claimedNameId(posted);
    passport.authenticate('saml', { session: false }, (err: unknown, profile: Profile | false | undefined) => {
      accept(profile, err, posted)
        .then(() => undefined, (e: unknown) => refuse(refusalOf(e), claimed))
        .catch(next);
    })(req, res, next);

    async function accept(profile: Profile | false | undefined, err: unknown, responseXml: string): Promise<void> {
      if (err) throw err;
      if (!profile) throw new Error('the SAML response carries no assertion');
      const checked = checkAssertion(profile.getAssertionXml?.() ?? '', responseXml, { idpEntityId: idp.entityId, acsUrl, clockSkewMs: config.clockSkewMs });
      // In the store when the server has one: a second instance refuses it too.
      if (!(await seen.firstUse(checked.id, checked.expiresAt))) throw new ReplayedAssertion(`assertion ${checked.id} was already used`);
      const attributes = (profile.attributes as Record<string, unknown> | undefined) ?? {};
      const principal = principalFromClaims(attributes, config.mapping, { kind: 'user', id: checked.nameId, via: 'session', address });
      await deps.sessions.issue(res, principal, deps.secureCookies);
      deps.audit.signedIn(principal, 'saml');
      res.redirect(303, safeReturnPath(body.RelayState));
    }
  });

  router.get('/metadata', (_req, res) => {
    res.status(200).type('application/samlmetadata+xml').send(metadataXml);
  });

  router.post('/logout', form, async (req, res) => {
    let session;
    try {
      session = await deps.sessions.read(req);
    } catch (err) {
      if (!(err instanceof SessionError)) throw err;
    }
    if (session) {
      const sent = formBody(req)._csrf ?? headerValue(req, 'x-csrf-token');
      if (!csrfMatches(session, sent)) {
        sendPage(res, 403, refusalPage('Sign-out refused: the form did not carry this session\'s security token. Sign out from a page of this service.', '/'));
        return;
      }
    }
    deps.sessions.clear(res, deps.secureCookies);
    res.redirect(303, '/');
  });

  return router;
}

/** The verified profile goes on to the route's callback, which makes the rest of the checks. */
function passProfile(profile: Profile | null, done: VerifiedCallback): void {
  done(null, profile as unknown as Record<string, unknown>);
}

/** The form fields, whether the urlencoded parser ran here or an earlier middleware left the raw body. */
function formBody(req: Request): Record<string, string | undefined> {
  const body: unknown = req.body;
  if (Buffer.isBuffer(body)) return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  if (body && typeof body === 'object') {
    const out: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(body)) out[k] = typeof v === 'string' ? v : undefined;
    return out;
  }
  return {};
}

/** The posted SAMLResponse as XML, or the refusal of a post that is not one. */
function decodeResponse(raw: string | undefined): string | Refusal {
  if (!raw) return malformed('the form has no SAMLResponse field');
  const compact = raw.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return malformed('SAMLResponse is not base64');
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<([A-Za-z_][\w.-]*:)?Response[\s>]/.test(xml)) return malformed('SAMLResponse does not hold a SAML Response element');
  return xml;
}

function queryParam(req: Request, name: string): string | undefined {
  const q = req.originalUrl.indexOf('?');
  return q < 0 ? undefined : (new URLSearchParams(req.originalUrl.slice(q + 1)).get(name) ?? undefined);
}

function headerValue(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendPage(res: Response, status: number, html: string): void {
  if (res.headersSent) return;
  res.status(status).type('text/html; charset=utf-8').set('Cache-Control', 'no-store').send(html);
}

