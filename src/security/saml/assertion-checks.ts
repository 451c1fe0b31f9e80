/**
 * Checks on a SAML response that node-saml leaves to us, run once it has verified the signature, the audience and
 * the Conditions: the assertion comes from the identity provider of our metadata (its Issuer), the response was
 * addressed to our assertion consumer service (Response/@Destination when present, and the Recipient of the bearer
 * SubjectConfirmation, which is signed), the confirmation is still valid, and the assertion's ID and lifetime,
 * which the replay memory (./replay.ts) needs.
 */
import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';

const select = xpath.useNamespaces({
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
});

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** Why a response is refused: `reason` is for the audit trail, `kind` chooses the words shown to the person. */
export class AssertionRefused extends Error {
  constructor(readonly kind: 'issuer' | 'recipient' | 'expired' | 'not-yet-valid' | 'malformed', reason: string) {
    super(reason);
  }
}

export interface CheckedAssertion {
  id: string;
  nameId: string;
  /** When the assertion stops being usable (ms since the epoch, clock skew included): remember its ID until then. */
  expiresAt: number;
}

export interface AssertionExpectations {
  idpEntityId: string;
  acsUrl: string;
  clockSkewMs: number;
  now?: number;
}

/**
 * `assertionXml` is the assertion node-saml verified (its signature covers it); `responseXml` the whole response
 * as posted, only read for its Destination.
 */
export function checkAssertion(assertionXml: string, responseXml: string, expect: AssertionExpectations): CheckedAssertion {
  const now = expect.now ?? Date.now();
  const skew = expect.clockSkewMs;
  const assertion = parse(assertionXml);
  const root = first('/saml:Assertion', assertion);
  if (!root) throw new AssertionRefused('malformed', 'the signed element is not a SAML assertion');

  const issuer = text(first('saml:Issuer', root));
  if (issuer !== expect.idpEntityId) {
    throw new AssertionRefused('issuer', `the assertion's Issuer is '${clip(issuer)}', not the identity provider '${expect.idpEntityId}'`);
  }

  const response = first('/samlp:Response', parse(responseXml));
  const destination = response?.getAttribute('Destination');
  if (destination && destination !== expect.acsUrl) {
    throw new AssertionRefused('recipient', `the response's Destination is '${clip(destination)}', not our ACS URL ${expect.acsUrl}`);
  }

  const id = root.getAttribute('ID');
  if (!id) throw new AssertionRefused('malformed', 'the assertion has no ID');
  const nameId = text(first('saml:Subject/saml:NameID', root));
  if (!nameId) throw new AssertionRefused('malformed', 'the assertion names no subject (Subject/NameID)');

  // The bearer confirmation: addressed to us, and valid now (saml-profiles §4.1.4.2).
  const confirmations = all(`saml:Subject/saml:SubjectConfirmation[@Method='${BEARER}']/saml:SubjectConfirmationData`, root);
  if (confirmations.length === 0) throw new AssertionRefused('malformed', 'the assertion has no bearer SubjectConfirmation');
  let refusal: AssertionRefused | undefined;
  let confirmedUntil: number | undefined;
  for (const data of confirmations) {
    const recipient = data.getAttribute('Recipient');
    const notBefore = time(data.getAttribute('NotBefore'));
    const notOnOrAfter = time(data.getAttribute('NotOnOrAfter'));
    if (recipient !== expect.acsUrl) {
      refusal ??= new AssertionRefused('recipient', `the SubjectConfirmation's Recipient is '${clip(recipient ?? '')}', not our ACS URL ${expect.acsUrl}`);
    } else if (notOnOrAfter === undefined) {
      refusal ??= new AssertionRefused('malformed', 'the SubjectConfirmationData has no valid NotOnOrAfter');
    } else if (now >= notOnOrAfter + skew) {
      refusal ??= new AssertionRefused('expired', `the SubjectConfirmation expired at ${new Date(notOnOrAfter).toISOString()}`);
    } else if (notBefore !== undefined && now < notBefore - skew) {
      refusal ??= new AssertionRefused('not-yet-valid', `the SubjectConfirmation is not valid before ${new Date(notBefore).toISOString()}`);
    } else {
      confirmedUntil = Math.max(confirmedUntil ?? 0, notOnOrAfter);
    }
  }
  if (confirmedUntil === undefined) throw refusal!;

  const conditionsEnd = time(first('saml:Conditions', root)?.getAttribute('NotOnOrAfter'));
  const expiresAt = Math.min(confirmedUntil, conditionsEnd ?? confirmedUntil) + skew;
  return { id, nameId, expiresAt };
}

/** The NameID a posted response claims, read without trusting it (for the audit of a refused sign-in). */
export function claimedNameId(responseXml: string): string | undefined {
  try {
    const nameId = text(first('//saml:Assertion/saml:Subject/saml:NameID', parse(responseXml)));
    return nameId ? clip(nameId) : undefined;
  } catch {
    return undefined;
  }
}

function parse(xml: string): Document {
  if (/<!DOCTYPE/i.test(xml)) throw new AssertionRefused('malformed', 'a DOCTYPE is not accepted in a SAML message');
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m), warning: () => undefined },
  }).parseFromString(xml, 'text/xml');
  if (errors.length || !doc?.documentElement) throw new AssertionRefused('malformed', `the SAML message is not well-formed XML`);
  return doc as unknown as Document;
}

function all(expression: string, context: Node): Element[] {
  const found = select(expression, context);
  return Array.isArray(found) ? (found as Element[]) : [];
}

function first(expression: string, context: Node): Element | undefined {
  return all(expression, context)[0];
}

function text(node: Node | undefined): string {
  return (node?.textContent ?? '').trim();
}

function time(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
