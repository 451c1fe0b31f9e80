/**
 * What this server needs to know about the SAML identity provider, taken from its metadata (an EntityDescriptor
 * with an IDPSSODescriptor): its entity id (the Issuer of its assertions), where to send people to sign in (its
 * SingleSignOnService, HTTP-Redirect preferred over HTTP-POST), the certificates it signs with, and whether it
 * wants signed AuthnRequests. The metadata is read from a file or fetched over http(s) when sign-in starts.
 */
import { readFile } from 'node:fs/promises';
import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';

export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  ssoBinding: 'HTTP-Redirect' | 'HTTP-POST';
  /** Signing certificates, base64 DER (the body of a PEM): more than one while the IdP rolls its key over. */
  signingCerts: string[];
  wantAuthnRequestsSigned: boolean;
}

const select = xpath.useNamespaces({
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
});

export class IdpMetadataError extends Error {}

/** Reads the metadata at `source`, a file path or an http(s) URL. */
export async function loadIdpMetadata(source: string, timeoutMs = 10_000): Promise<IdpMetadata> {
  let xml: string;
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
    } catch (err) {
      throw new IdpMetadataError(`ROR_SAML_IDP_METADATA: cannot fetch ${source}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new IdpMetadataError(`ROR_SAML_IDP_METADATA: ${source} answered HTTP ${res.status}`);
    xml = await res.text();
  } else {
    try {
      xml = await readFile(source, 'utf8');
    } catch (err) {
      throw new IdpMetadataError(`ROR_SAML_IDP_METADATA: cannot read ${source} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  try {
    return parseIdpMetadata(xml);
  } catch (err) {
    throw new IdpMetadataError(`ROR_SAML_IDP_METADATA: ${source}: ${(err as Error).message}`);
  }
}

/** Parses IdP metadata XML; throws an Error naming what is missing. */
export function parseIdpMetadata(xml: string): IdpMetadata {
  if (/<!DOCTYPE/i.test(xml)) throw new Error('a DOCTYPE is not accepted in metadata');
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m), warning: () => undefined },
  }).parseFromString(xml, 'text/xml');
  if (errors.length || !doc?.documentElement) throw new Error(`not well-formed XML: ${errors[0] ?? 'empty document'}`);

  const descriptors = nodes("//md:EntityDescriptor[md:IDPSSODescriptor]", doc);
  if (descriptors.length === 0) throw new Error('no EntityDescriptor with an IDPSSODescriptor');
  if (descriptors.length > 1) throw new Error('several identity providers are described: give the metadata of one (its EntityDescriptor)');
  const entity = descriptors[0] as Element;
  const entityId = entity.getAttribute('entityID')?.trim();
  if (!entityId) throw new Error('the EntityDescriptor has no entityID');
  const idp = nodes('md:IDPSSODescriptor', entity)[0] as Element;

  const sso = (binding: string) => (nodes(`md:SingleSignOnService[@Binding='${binding}']`, idp)[0] as Element | undefined)?.getAttribute('Location')?.trim();
  const redirect = sso(BINDING_REDIRECT);
  const post = sso(BINDING_POST);
  const ssoUrl = redirect || post;
  if (!ssoUrl) throw new Error('the IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding');
  if (!/^https?:\/\//i.test(ssoUrl)) throw new Error(`the SingleSignOnService location '${ssoUrl}' is not an http(s) URL`);

  // A KeyDescriptor without `use` serves both signing and encryption.
  const signingCerts = nodes("md:KeyDescriptor[not(@use) or @use='signing']//ds:X509Certificate", idp)
    .map((n) => (n.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean);
  if (signingCerts.length === 0) throw new Error('the IDPSSODescriptor names no signing certificate (KeyDescriptor/ds:X509Certificate)');
  for (const c of signingCerts) if (!/^[A-Za-z0-9+/]+=*$/.test(c)) throw new Error('a signing certificate is not base64');

  return {
    entityId,
    ssoUrl,
    ssoBinding: redirect ? 'HTTP-Redirect' : 'HTTP-POST',
    signingCerts: [...new Set(signingCerts)],
    wantAuthnRequestsSigned: idp.getAttribute('WantAuthnRequestsSigned') === 'true',
  };
}

function nodes(expression: string, context: Node): Node[] {
  const found = select(expression, context);
  return Array.isArray(found) ? (found as Node[]) : [];
}
