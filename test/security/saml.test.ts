/**
 * SAML 2.0 sign-in end to end: our router on an express app, a real identity provider (samlify) that reads our
 * signed AuthnRequest and answers with a signed Response, and hand-forged responses that must each be refused
 * with a 401 and an audit record.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { DOMParser } from '@xmldom/xmldom';
import type { ServiceProviderInstance, IdentityProviderInstance } from 'samlify';
import type { Actor } from '../../src/kernel/actor';
import type { AuditSink, AuthFailure } from '../../src/security/audit-sink';
import { samlConfigFromEnv, type SamlConfig } from '../../src/security/saml/config';
import { samlSignIn } from '../../src/security/saml/router';
import { SESSION_COOKIE, SessionCookies } from '../../src/security/sessions';
import type { SignInDeps } from '../../src/security/sign-in';
import { authnRequestId, authnRequestXml, forgeResponse, idpAnswers, IDP_SSO_URL, keyPair, spFromMetadata, testIdp, type ForgeOptions, type KeyPair } from './helpers/saml-idp';

const BASE_URL = 'https://ror.example.test';
const ACS_URL = `${BASE_URL}/auth/saml/acs`;
const SP_ENTITY_ID = `${BASE_URL}/auth/saml/metadata`;
const EDITOR = { role: 'establishment', finess: '010000024', access_profile: '2', name: 'Camille Martin' };

class RecordingAudit implements AuditSink {
  failures: AuthFailure[] = [];
  signIns: { actor: Actor; method: string }[] = [];
  authenticationFailed(f: AuthFailure) {
    this.failures.push(f);
  }
  signedIn(actor: Actor, method: string) {
    this.signIns.push({ actor, method });
  }
  accessRefused() {}
}

let dir: string;
let idpKeys: KeyPair;
let spKeys: KeyPair;
let otherKeys: KeyPair;
let idp: IdentityProviderInstance;
let sp: ServiceProviderInstance;
let sessions: SessionCookies;
let audit: RecordingAudit;

async function appWith(env: Record<string, string>): Promise<{ app: express.Express; config: SamlConfig }> {
  const config = samlConfigFromEnv(
    { ROR_SAML_IDP_METADATA: join(dir, 'idp.xml'), ROR_SAML_SP_KEY: join(dir, 'sp.key'), ROR_SAML_SP_CERT: join(dir, 'sp.crt'), ...env },
    BASE_URL,
  )!;
  const deps: SignInDeps = { sessions, audit, logger: pino({ level: 'silent' }), baseUrl: BASE_URL, secureCookies: false };
  const app = express();
  app.use('/auth/saml', await samlSignIn(config, deps));
  return { app, config };
}

let app: express.Express;
/** Accepts responses nobody asked for (ROR_SAML_IN_RESPONSE_TO=never): only the replay memory stops a second use. */
let lenientApp: express.Express;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ror-saml-'));
  [idpKeys, spKeys, otherKeys] = await Promise.all([keyPair('idp.example.test'), keyPair('ror.example.test'), keyPair('intruder.example.test')]);
  idp = testIdp(idpKeys);
  writeFileSync(join(dir, 'idp.xml'), idp.getMetadata());
  writeFileSync(join(dir, 'sp.key'), spKeys.key);
  writeFileSync(join(dir, 'sp.crt'), spKeys.cert);
  sessions = new SessionCookies({ secret: 'a session secret of at least thirty-two characters' });
  audit = new RecordingAudit();
  ({ app } = await appWith({}));
  ({ app: lenientApp } = await appWith({ ROR_SAML_IN_RESPONSE_TO: 'never' }));
  const metadata = await request(app).get('/auth/saml/metadata').expect(200);
  sp = spFromMetadata(metadata.text);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  audit.failures = [];
  audit.signIns = [];
});

async function login(target: express.Express, returnTo = '/ui/offers'): Promise<string> {
  const res = await request(target).get(`/auth/saml/login?returnTo=${encodeURIComponent(returnTo)}`).expect(302);
  return res.headers.location as string;
}

async function principalOf(setCookie: string[] | string | undefined) {
  const cookies = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).map((c) => c.split(';')[0]).join('; ');
  return sessions.read({ headers: { cookie: cookies } } as never);
}

describe('sign-in with a real identity provider', () => {
  test('login redirects to the IdP with a signed AuthnRequest; its signed response opens a session for the mapped principal', async () => {
    const location = await login(app);
    expect(location.startsWith(`${IDP_SSO_URL}?`)).toBe(true);
    const query = new URL(location).searchParams;
    expect(query.get('RelayState')).toBe('/ui/offers');
    expect(query.get('Signature')).toBeTruthy();
    const xml = authnRequestXml(location);
    expect(xml).toContain(`AssertionConsumerServiceURL="${ACS_URL}"`);
    expect(xml).toContain(SP_ENTITY_ID);

    // samlify verifies the AuthnRequest's signature against our metadata before it answers.
    const answer = await idpAnswers(idp, sp, location, { nameId: 'camille.martin@etab.example', attributes: EDITOR });
    const res = await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(audit.failures).toEqual([]);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/ui/offers');
    const session = await principalOf(res.headers['set-cookie']);
    expect(session?.principal).toMatchObject({
      kind: 'user',
      id: 'camille.martin@etab.example',
      name: 'Camille Martin',
      role: 'establishment',
      finess: ['010000024'],
      accessProfile: 2,
      via: 'session',
    });
    expect(audit.signIns).toHaveLength(1);
    expect(audit.signIns[0]).toMatchObject({ method: 'saml', actor: { id: 'camille.martin@etab.example', role: 'establishment' } });
    expect(audit.failures).toEqual([]);

    // The same response posted again: refused.
    const again = await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(audit.failures).toHaveLength(1);
  });

  test('a response to a request this server did not issue is refused', async () => {
    const location = await login(app);
    const answer = await idpAnswers(idp, sp, location, { nameId: 'someone', attributes: EDITOR });
    const location2 = await login(app);
    const stranger = forgeResponse({ ...valid(authnRequestId(location2)), inResponseTo: '_not-a-request-of-ours' });
    await refused(app, stranger, /InResponseTo/);
    // The genuine answer is still accepted (the stranger did not consume its request).
    await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: answer.SAMLResponse }).expect(303);
  });

  test('returnTo to another site ends at /ui/', async () => {
    const location = await login(app, 'https://evil.example/steal');
    expect(new URL(location).searchParams.get('RelayState')).toBe('/ui/');
    const answer = await idpAnswers(idp, sp, location, { nameId: 'camille', attributes: EDITOR });
    const res = await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState }).expect(303);
    expect(res.headers.location).toBe('/ui/');
    // A RelayState changed on the way is no open redirect either.
    const location2 = await login(app);
    const res2 = await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: forgeResponse(valid(authnRequestId(location2))), RelayState: '//evil.example' }).expect(303);
    expect(res2.headers.location).toBe('/ui/');
  });
});

/** A forged response that is valid in every respect (signed by the IdP's key), answering request `requestId`. */
function valid(requestId: string | undefined): ForgeOptions {
  return { acsUrl: ACS_URL, audience: SP_ENTITY_ID, nameId: 'dominique@etab.example', attributes: EDITOR, inResponseTo: requestId, signWith: idpKeys };
}

async function refused(target: express.Express, samlResponse: string, reason: RegExp, status = 401) {
  const res = await request(target).post('/auth/saml/acs').type('form').send({ SAMLResponse: samlResponse, RelayState: '/ui/' });
  expect(res.status).toBe(status);
  expect(res.headers['set-cookie']).toBeUndefined();
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.text).toContain('Sign-in failed');
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  expect(audit.failures).toHaveLength(1);
  expect(audit.failures[0]).toMatchObject({ method: 'saml' });
  expect(audit.failures[0].reason).toMatch(reason);
  audit.failures = [];
  return res;
}

describe('forged responses', () => {
  async function forFreshRequest(change: Partial<ForgeOptions>): Promise<string> {
    const id = authnRequestId(await login(app));
    return forgeResponse({ ...valid(id), ...change });
  }

  test('the forge itself makes acceptable responses (so each refusal below is for its one defect)', async () => {
    const res = await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: await forFreshRequest({}), RelayState: '/ui/x' }).expect(303);
    expect(res.headers.location).toBe('/ui/x');
    expect((await principalOf(res.headers['set-cookie']))?.principal.id).toBe('dominique@etab.example');
  });

  test('unsigned assertion', async () => {
    const res = await refused(app, await forFreshRequest({ signWith: null }), /signature/i);
    expect(res.text).toContain('could not be verified');
  });

  test('signed by another key', async () => {
    await refused(app, await forFreshRequest({ signWith: otherKeys }), /signature/i);
  });

  test('tampered with after signing', async () => {
    const tampered = await forFreshRequest({ afterSigning: (xml) => xml.replace('<saml:AttributeValue>establishment</saml:AttributeValue>', '<saml:AttributeValue>admin</saml:AttributeValue>') });
    expect(Buffer.from(tampered, 'base64').toString()).toContain('>admin<');
    await refused(app, tampered, /signature/i);
  });

  test('a second, unsigned assertion slipped beside the signed one', async () => {
    const wrapped = await forFreshRequest({
      afterSigning: (xml) => xml.replace('</samlp:Response>', `<saml:Assertion ID="_evil" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>x</saml:Issuer></saml:Assertion></samlp:Response>`),
    });
    await refused(app, wrapped, /multiple assertions|signature/i);
  });

  test('wrong audience', async () => {
    await refused(app, await forFreshRequest({ audience: 'https://other-sp.example.test' }), /audience/i);
  });

  test('wrong recipient', async () => {
    await refused(app, await forFreshRequest({ recipient: 'https://other-sp.example.test/acs' }), /Recipient/);
  });

  test('wrong destination', async () => {
    await refused(app, await forFreshRequest({ destination: 'https://other-sp.example.test/acs' }), /Destination/);
  });

  test('issued by another entity', async () => {
    await refused(app, await forFreshRequest({ issuer: 'https://other-idp.example.test' }), /Issuer/);
  });

  test('expired', async () => {
    const res = await refused(app, await forFreshRequest({ notBefore: -900, notOnOrAfter: -600 }), /expired|subject confirmation/i);
    expect(res.text).toMatch(/expired/);
  });

  test('expired conditions while the subject confirmation is still valid', async () => {
    await refused(app, await forFreshRequest({ notBefore: -900, notOnOrAfter: -600, subjectNotOnOrAfter: 300 }), /expired/i);
  });

  test('not yet valid', async () => {
    await refused(app, await forFreshRequest({ notBefore: 600, notOnOrAfter: 900 }), /not yet valid/i);
  });

  test('replayed: the same valid response posted twice (no InResponseTo check), the second is refused', async () => {
    const once = forgeResponse(valid(undefined));
    await request(lenientApp).post('/auth/saml/acs').type('form').send({ SAMLResponse: once }).expect(303);
    const res = await refused(lenientApp, once, /already used/);
    expect(res.text).toContain('already been used');
  });

  test('no role attribute', async () => {
    const { role: _role, ...withoutRole } = EDITOR;
    const res = await refused(app, await forFreshRequest({ attributes: withoutRole }), /no role/);
    expect(res.text).toContain('cannot grant you access');
  });

  test('invalid FINESS number', async () => {
    await refused(app, await forFreshRequest({ attributes: { ...EDITOR, finess: '01000002' } }), /not a FINESS number/);
  });

  test('the audit names who the response claimed to be', async () => {
    await refused(app, await forFreshRequest({ signWith: otherKeys, nameId: 'mallory@intruder.example' }), /signature/i);
    // refused() cleared the list; post once more to look at the record itself.
    await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: await forFreshRequest({ signWith: otherKeys, nameId: 'mallory@intruder.example' }) });
    expect(audit.failures[0]).toMatchObject({ method: 'saml', claimed: 'mallory@intruder.example' });
  });

  test('a post that is not a SAML response: 400', async () => {
    await refused(app, 'not base64 at all!', /not base64/, 400);
    await refused(app, Buffer.from('<html/>').toString('base64'), /Response element/, 400);
    const res = await request(app).post('/auth/saml/acs').type('form').send({ nothing: 'here' });
    expect(res.status).toBe(400);
    expect(audit.failures[0].reason).toMatch(/no SAMLResponse/);
  });
});

describe('metadata and logout', () => {
  test('metadata is XML naming our entity id and ACS URL, with our signing certificate', async () => {
    const res = await request(app).get('/auth/saml/metadata').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/samlmetadata\+xml/);
    const errors: string[] = [];
    const doc = new DOMParser({ errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) } }).parseFromString(res.text, 'text/xml');
    expect(errors).toEqual([]);
    expect(doc.documentElement?.getAttribute('entityID')).toBe(SP_ENTITY_ID);
    const acs = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'AssertionConsumerService')[0];
    expect(acs.getAttribute('Location')).toBe(ACS_URL);
    expect(acs.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    const spDescriptor = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'SPSSODescriptor')[0];
    expect(spDescriptor.getAttribute('WantAssertionsSigned')).toBe('true');
    const certBody = spKeys.cert.replace(/-----[^-]+-----|\s/g, '');
    expect(res.text.replace(/\s/g, '')).toContain(certBody);
  });

  test('logout needs the session CSRF token', async () => {
    const res = await request(app).post('/auth/saml/acs').type('form').send({ SAMLResponse: forgeResponse(valid(authnRequestId(await login(app)))) }).expect(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const session = await sessions.read({ headers: { cookie } } as never);

    const denied = await request(app).post('/auth/saml/logout').set('Cookie', cookie).type('form').send({});
    expect(denied.status).toBe(403);
    expect(denied.headers['set-cookie']).toBeUndefined();
    await request(app).post('/auth/saml/logout').set('Cookie', cookie).type('form').send({ _csrf: 'not-the-token' }).expect(403);

    const out = await request(app).post('/auth/saml/logout').set('Cookie', cookie).type('form').send({ _csrf: session!.csrf }).expect(303);
    expect(out.headers.location).toBe('/');
    const cleared = (out.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(cleared).toMatch(/Max-Age=0/);

    const viaHeader = await request(app).post('/auth/saml/logout').set('Cookie', cookie).set('X-CSRF-Token', session!.csrf).expect(303);
    expect(viaHeader.headers['set-cookie']).toBeDefined();
  });
});
