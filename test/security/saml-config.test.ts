/**
 * SAML settings from the environment and the identity provider's metadata: defaults, errors that name the
 * variable, metadata read from a file or fetched over http, and an IdP that only takes HTTP-POST AuthnRequests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { noAudit } from '../../src/security/audit-sink';
import { samlConfigFromEnv } from '../../src/security/saml/config';
import { loadIdpMetadata, parseIdpMetadata } from '../../src/security/saml/idp-metadata';
import { samlRouter, samlSignIn } from '../../src/security/saml/router';
import { SessionCookies } from '../../src/security/sessions';
import { IDP_ENTITY_ID, IDP_SSO_URL, keyPair, testIdp, type KeyPair } from './helpers/saml-idp';

let dir: string;
let keys: KeyPair;
let metadataXml: string;
let server: Server;
let metadataUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ror-saml-config-'));
  keys = await keyPair('idp.example.test');
  metadataXml = testIdp(keys).getMetadata();
  writeFileSync(join(dir, 'idp.xml'), metadataXml);
  writeFileSync(join(dir, 'sp.key'), keys.key);
  writeFileSync(join(dir, 'sp.crt'), keys.cert);
  server = createServer((req, res) => {
    if (req.url === '/metadata') res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadataXml);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({
  sessions: new SessionCookies({ secret: 'x'.repeat(40) }),
  audit: noAudit,
  logger: pino({ level: 'silent' }),
  baseUrl: 'https://ror.example.test',
  secureCookies: true,
});

describe('samlConfigFromEnv', () => {
  test('SAML is off without ROR_SAML_IDP_METADATA', () => {
    expect(samlConfigFromEnv({})).toBeUndefined();
    expect(samlConfigFromEnv({ ROR_SAML_IDP_METADATA: '  ' })).toBeUndefined();
  });

  test('defaults', () => {
    const config = samlConfigFromEnv({ ROR_SAML_IDP_METADATA: '/etc/ror/idp.xml', ROR_BASE_URL: 'https://ror.region.example/' })!;
    expect(config).toMatchObject({
      idpMetadata: '/etc/ror/idp.xml',
      spEntityId: 'https://ror.region.example/auth/saml/metadata',
      clockSkewMs: 30_000,
      wantResponseSigned: false,
      inResponseTo: 'always',
    });
    expect(config.spKey).toBeUndefined();
    expect(config.mapping).toMatchObject({ role: 'role', finess: 'finess', accessProfile: 'access_profile' });
  });

  test('explicit settings, the attribute mapping under ROR_SAML_', () => {
    const config = samlConfigFromEnv({
      ROR_SAML_IDP_METADATA: 'https://idp.example.test/metadata',
      ROR_SAML_SP_ENTITY_ID: 'urn:ror:region',
      ROR_SAML_SP_KEY: join(dir, 'sp.key'),
      ROR_SAML_SP_CERT: join(dir, 'sp.crt'),
      ROR_SAML_CLOCK_SKEW_SECONDS: '90',
      ROR_SAML_WANT_RESPONSE_SIGNED: 'true',
      ROR_SAML_IN_RESPONSE_TO: 'never',
      ROR_SAML_ATTR_ROLE: 'urn:oid:ror-role',
      ROR_SAML_ROLE_VALUES: 'ETAB=establishment',
    })!;
    expect(config).toMatchObject({ spEntityId: 'urn:ror:region', clockSkewMs: 90_000, wantResponseSigned: true, inResponseTo: 'never' });
    expect(config.spKey).toContain('PRIVATE KEY');
    expect(config.spCert).toContain('CERTIFICATE');
    expect(config.mapping).toMatchObject({ role: 'urn:oid:ror-role', roleValues: { ETAB: 'establishment' } });
  });

  test('errors name the variable', () => {
    const base = { ROR_SAML_IDP_METADATA: '/x.xml' };
    expect(() => samlConfigFromEnv({ ...base, ROR_SAML_SP_KEY: join(dir, 'sp.key') })).toThrow(/ROR_SAML_SP_KEY and ROR_SAML_SP_CERT go together/);
    expect(() => samlConfigFromEnv({ ...base, ROR_SAML_SP_KEY: join(dir, 'missing.key'), ROR_SAML_SP_CERT: join(dir, 'sp.crt') })).toThrow(/ROR_SAML_SP_KEY: cannot read .*ENOENT/);
    expect(() => samlConfigFromEnv({ ...base, ROR_SAML_SP_KEY: join(dir, 'sp.crt'), ROR_SAML_SP_CERT: join(dir, 'sp.crt') })).toThrow(/ROR_SAML_SP_KEY: .* is not the expected PEM/);
    expect(() => samlConfigFromEnv({ ...base, ROR_SAML_CLOCK_SKEW_SECONDS: '3600' })).toThrow(/ROR_SAML_CLOCK_SKEW_SECONDS/);
    expect(() => samlConfigFromEnv({ ...base, ROR_SAML_IN_RESPONSE_TO: 'sometimes' })).toThrow(/ROR_SAML_IN_RESPONSE_TO/);
    expect(() => samlConfigFromEnv({ ...base, ROR_SAML_DEFAULT_ROLE: 'root' })).toThrow(/ROR_SAML_DEFAULT_ROLE/);
  });
});

describe('IdP metadata', () => {
  test('read from a file and fetched over http', async () => {
    for (const source of [join(dir, 'idp.xml'), `${metadataUrl}/metadata`]) {
      const idp = await loadIdpMetadata(source);
      expect(idp).toMatchObject({ entityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO_URL, ssoBinding: 'HTTP-Redirect', wantAuthnRequestsSigned: true });
      expect(idp.signingCerts).toEqual([keys.cert.replace(/-----[^-]+-----|\s/g, '')]);
    }
  });

  test('a source that cannot be read says which and why', async () => {
    await expect(loadIdpMetadata(join(dir, 'none.xml'))).rejects.toThrow(/ROR_SAML_IDP_METADATA: cannot read .*ENOENT/);
    await expect(loadIdpMetadata(`${metadataUrl}/elsewhere`)).rejects.toThrow(/answered HTTP 404/);
    writeFileSync(join(dir, 'bad.xml'), '<EntityDescriptor');
    await expect(loadIdpMetadata(join(dir, 'bad.xml'))).rejects.toThrow(/bad\.xml: not well-formed XML/);
  });

  test('metadata that lacks what sign-in needs is refused with the reason', () => {
    const md = (inner: string, attrs = '') =>
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ${attrs}>${inner}</md:EntityDescriptor>`;
    const cert = `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>MIIBAAA=</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    const post = `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.test/post"/>`;
    const idpDescriptor = (inner: string) => `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${inner}</md:IDPSSODescriptor>`;
    expect(() => parseIdpMetadata(md('<md:SPSSODescriptor/>', 'entityID="x"'))).toThrow(/no EntityDescriptor with an IDPSSODescriptor/);
    expect(() => parseIdpMetadata(md(idpDescriptor(cert + post)))).toThrow(/no entityID/);
    expect(() => parseIdpMetadata(md(idpDescriptor(post), 'entityID="x"'))).toThrow(/no signing certificate/);
    expect(() => parseIdpMetadata(md(idpDescriptor(cert), 'entityID="x"'))).toThrow(/no SingleSignOnService/);
    expect(() => parseIdpMetadata(`<!DOCTYPE x [<!ENTITY e "e">]>${md(idpDescriptor(cert + post), 'entityID="x"')}`)).toThrow(/DOCTYPE/);
    const postOnly = parseIdpMetadata(md(idpDescriptor(cert + post), 'entityID="x"'));
    expect(postOnly).toMatchObject({ entityId: 'x', ssoUrl: 'https://idp.example.test/post', ssoBinding: 'HTTP-POST', signingCerts: ['MIIBAAA='], wantAuthnRequestsSigned: false });
  });
});

describe('starting the router', () => {
  test('an IdP that wants signed AuthnRequests needs our key', async () => {
    const config = samlConfigFromEnv({ ROR_SAML_IDP_METADATA: join(dir, 'idp.xml') }, 'https://ror.example.test')!;
    await expect(samlSignIn(config, deps())).rejects.toThrow(/wants signed AuthnRequests: set ROR_SAML_SP_KEY and ROR_SAML_SP_CERT/);
  });

  test('an IdP that takes HTTP-POST only gets a self-submitting form carrying the AuthnRequest and the return path', async () => {
    const config = samlConfigFromEnv({ ROR_SAML_IDP_METADATA: join(dir, 'idp.xml') }, 'https://ror.example.test')!;
    const idp = { entityId: IDP_ENTITY_ID, ssoUrl: 'https://idp.example.test/post', ssoBinding: 'HTTP-POST' as const, signingCerts: ['MIIBAAA='], wantAuthnRequestsSigned: false };
    const app = express().use('/auth/saml', samlRouter(config, idp, deps()));
    const res = await request(app).get('/auth/saml/login?returnTo=/ui/beds').expect(200);
    expect(res.text).toContain('action="https://idp.example.test/post"');
    expect(res.text).toMatch(/name="SAMLRequest" value="[A-Za-z0-9+/=]+"/);
    expect(res.text).toContain('name="RelayState" value="/ui/beds"');
  });
});
