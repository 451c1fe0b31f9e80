/**
 * A SAML identity provider for the tests: key pairs and self-signed certificates made on the spot (selfsigned),
 * samlify's IdentityProvider (it reads our AuthnRequest, checks its signature against our metadata and signs its
 * Response), and a forge that writes responses by hand and signs them with xml-crypto, to try what a real IdP would
 * never send: no signature, another key, a change after signing, another audience, a stale assertion, ...
 */
import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { generate } from 'selfsigned';
import * as samlify from 'samlify';
import * as xmllint from '@authenio/samlify-xmllint-wasm';
import { SignedXml } from 'xml-crypto';

export interface KeyPair {
  key: string;
  cert: string;
}

export async function keyPair(commonName: string): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], { keySize: 2048, algorithm: 'sha256' });
  return { key: pems.private, cert: pems.cert };
}

export const IDP_ENTITY_ID = 'https://idp.example.test/saml/metadata';
export const IDP_SSO_URL = 'https://idp.example.test/saml/sso';

let validatorSet = false;

/** The attributes the tests' IdP releases, by name (saml:Attribute/@Name). */
export const ATTRIBUTE_NAMES = ['role', 'finess', 'access_profile', 'name'];

export function testIdp(keys: KeyPair): samlify.IdentityProviderInstance {
  if (!validatorSet) {
    samlify.setSchemaValidator({ validate: (xml: string) => xmllint.validate(xml) });
    validatorSet = true;
  }
  return samlify.IdentityProvider({
    entityID: IDP_ENTITY_ID,
    privateKey: keys.key,
    signingCert: keys.cert,
    wantAuthnRequestsSigned: true,
    requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: IDP_SSO_URL }],
    singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: 'https://idp.example.test/saml/slo' }],
    loginResponseTemplate: {
      context: samlify.SamlLib.defaultLoginResponseTemplate.context,
      attributes: ATTRIBUTE_NAMES.map((name) => ({
        name,
        nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
        valueTag: name,
        valueXsiType: 'xs:string',
      })),
    },
  });
}

/** The SP as samlify sees it, from the metadata our /metadata endpoint serves. */
export function spFromMetadata(metadataXml: string): samlify.ServiceProviderInstance {
  return samlify.ServiceProvider({ metadata: metadataXml });
}

/**
 * The IdP's side of a sign-in: reads the AuthnRequest of the redirect `location` (verifying its signature), then
 * answers with a signed Response (HTTP-POST binding) for a user with these attributes.
 */
export async function idpAnswers(
  idp: samlify.IdentityProviderInstance,
  sp: samlify.ServiceProviderInstance,
  location: string,
  user: { nameId: string; attributes: Record<string, string> },
): Promise<{ SAMLResponse: string; RelayState?: string; requestId: string }> {
  const url = new URL(location);
  const rawQuery = url.search.slice(1);
  // The signed octet string of the redirect binding: the parameters as sent, in order, without the Signature.
  const octetString = rawQuery.split('&').filter((p) => !p.startsWith('Signature=')).join('&');
  const query = Object.fromEntries(url.searchParams);
  const parsed = await idp.parseLoginRequest(sp, 'redirect', { query, octetString });
  const requestId = String((parsed.extract as { request?: { id?: string } }).request?.id ?? '');
  const now = new Date();
  const later = new Date(now.getTime() + 5 * 60_000);
  const acs = sp.entityMeta.getAssertionConsumerService('post') as string;
  const values: Record<string, string> = {
    ID: `_${randomBytes(16).toString('hex')}`,
    AssertionID: `_${randomBytes(16).toString('hex')}`,
    Destination: acs,
    Audience: sp.entityMeta.getEntityID(),
    SubjectRecipient: acs,
    Issuer: idp.entityMeta.getEntityID(),
    IssueInstant: now.toISOString(),
    StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
    ConditionsNotBefore: now.toISOString(),
    ConditionsNotOnOrAfter: later.toISOString(),
    SubjectConfirmationDataNotOnOrAfter: later.toISOString(),
    NameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    NameID: user.nameId,
    InResponseTo: requestId,
    AuthnStatement: '',
  };
  for (const name of ATTRIBUTE_NAMES) values[`attr${name.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase())}`] = user.attributes[name] ?? '';
  const response = await idp.createLoginResponse(sp, { extract: parsed.extract }, 'post', {}, {
    relayState: query.RelayState,
    customTagReplacement: (template: string) => ({ id: values.ID, context: samlify.SamlLib.replaceTagsByValue(template, values) }),
  });
  return { SAMLResponse: response.context, RelayState: query.RelayState, requestId };
}

/** The ID of the AuthnRequest a redirect to the IdP carries. */
export function authnRequestId(location: string): string {
  const xml = authnRequestXml(location);
  const id = /\sID="([^"]+)"/.exec(xml)?.[1];
  if (!id) throw new Error(`no ID in the AuthnRequest: ${xml.slice(0, 200)}`);
  return id;
}

export function authnRequestXml(location: string): string {
  const request = new URL(location).searchParams.get('SAMLRequest');
  if (!request) throw new Error(`no SAMLRequest in ${location}`);
  return inflateRawSync(Buffer.from(request, 'base64')).toString('utf8');
}

export interface ForgeOptions {
  acsUrl: string;
  audience: string;
  nameId: string;
  attributes: Record<string, string | string[]>;
  issuer?: string;
  inResponseTo?: string;
  recipient?: string;
  destination?: string;
  assertionId?: string;
  /** Offsets from now, in seconds. */
  notBefore?: number;
  notOnOrAfter?: number;
  subjectNotOnOrAfter?: number;
  /** The key that signs the assertion; null: unsigned. */
  signWith: KeyPair | null;
  /** A change made to the XML after it was signed. */
  afterSigning?: (xml: string) => string;
}

/** A Response written by hand, its assertion signed (or not) as told; base64, ready to post. */
export function forgeResponse(o: ForgeOptions): string {
  const at = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
  const issuer = o.issuer ?? IDP_ENTITY_ID;
  const irt = o.inResponseTo ? ` InResponseTo="${o.inResponseTo}"` : '';
  const attributes = Object.entries(o.attributes)
    .map(([name, v]) => `<saml:Attribute Name="${name}">${(Array.isArray(v) ? v : [v]).map((x) => `<saml:AttributeValue>${escape(x)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  const assertionId = o.assertionId ?? `_${randomBytes(16).toString('hex')}`;
  const xml =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${at(0)}" Destination="${o.destination ?? o.acsUrl}"${irt}>` +
    `<saml:Issuer>${issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${at(0)}"><saml:Issuer>${issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${escape(o.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${at(o.subjectNotOnOrAfter ?? o.notOnOrAfter ?? 300)}" Recipient="${o.recipient ?? o.acsUrl}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${at(o.notBefore ?? -5)}" NotOnOrAfter="${at(o.notOnOrAfter ?? 300)}"><saml:AudienceRestriction><saml:Audience>${o.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${at(0)}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>`;
  let out = xml;
  if (o.signWith) {
    const sig = new SignedXml({
      privateKey: o.signWith.key,
      publicCert: o.signWith.cert,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    sig.addReference({
      xpath: "//*[local-name(.)='Assertion']",
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
    sig.computeSignature(xml, { prefix: 'ds', location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
    out = sig.getSignedXml();
  }
  if (o.afterSigning) out = o.afterSigning(out);
  return Buffer.from(out, 'utf8').toString('base64');
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
