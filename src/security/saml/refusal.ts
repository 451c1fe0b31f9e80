/**
 * What a person sees when SAML sign-in fails: a short page that says what went wrong in words they can act on
 * (start again, check the clock, call the administrator), never a stack or a key. The technical reason goes to the
 * audit trail and the log; this module only chooses the words and the status.
 */
import { SamlStatusError } from '@node-saml/passport-saml';
import { ClaimError } from '../claims';
import { AssertionRefused } from './assertion-checks';

export interface Refusal {
  status: 400 | 401;
  /** For the audit trail and the log. */
  reason: string;
  /** For the person. */
  message: string;
}

const AGAIN = 'Start again from the sign-in page.';
const ADMIN = 'If it happens again, tell the administrator of this service.';

/** A posted form that is not a SAML response at all. */
export function malformed(reason: string): Refusal {
  return { status: 400, reason, message: `The sign-in form received is not a SAML response from the identity provider (${reason}). ${AGAIN}` };
}

/** A response refused by node-saml, our own checks, or the mapping of its attributes. */
export function refusalOf(err: unknown): Refusal {
  const reason = err instanceof Error ? err.message : String(err);
  const refused = (message: string): Refusal => ({ status: 401, reason, message });
  if (err instanceof ClaimError) return refused(`You are signed in at the identity provider, but this service cannot grant you access: ${reason}. ${ADMIN}`);
  if (err instanceof SamlStatusError) return refused(`The identity provider did not sign you in (${reason.replace(/^SAML provider returned /, '')}). ${AGAIN}`);
  if (err instanceof AssertionRefused) {
    switch (err.kind) {
      case 'issuer':
        return refused(`The sign-in answer does not come from the identity provider this service trusts. ${AGAIN} ${ADMIN}`);
      case 'recipient':
        return refused(`The sign-in answer was addressed to another service, not this one. ${AGAIN} ${ADMIN}`);
      case 'expired':
        return refused(`The sign-in answer has expired (it took too long, or a clock is wrong). ${AGAIN}`);
      case 'not-yet-valid':
        return refused(`The sign-in answer is not valid yet: the clocks of this service and of the identity provider disagree. ${ADMIN}`);
      default:
        return refused(`The sign-in answer is incomplete (${reason}). ${ADMIN}`);
    }
  }
  if (err instanceof ReplayedAssertion) return refused(`This sign-in answer has already been used. ${AGAIN}`);
  if (/signature|signed data/i.test(reason)) {
    return refused(`The sign-in answer could not be verified: it is not signed by the identity provider this service trusts, or it was altered. ${AGAIN} ${ADMIN}`);
  }
  if (/not yet valid/i.test(reason)) return refused(`The sign-in answer is not valid yet: the clocks of this service and of the identity provider disagree. ${ADMIN}`);
  if (/expired/i.test(reason)) return refused(`The sign-in answer has expired (it took too long, or a clock is wrong). ${AGAIN}`);
  if (/audience/i.test(reason)) return refused(`The sign-in answer was meant for another service, not this one. ${ADMIN}`);
  // node-saml's only test of the subject confirmations is their NotBefore / NotOnOrAfter.
  if (/No valid subject confirmation/i.test(reason)) {
    return refused(`The sign-in answer has expired or is not valid yet (it took too long, or the clocks of this service and of the identity provider disagree). ${AGAIN}`);
  }
  if (/InResponseTo/i.test(reason)) {
    return refused(`This sign-in answer does not match a sign-in started here (it came too late, was already used, or was started elsewhere). ${AGAIN}`);
  }
  if (/decrypt/i.test(reason)) return refused(`The sign-in answer is encrypted for a key this service does not have. ${ADMIN}`);
  return refused(`The sign-in answer was refused (${reason}). ${AGAIN} ${ADMIN}`);
}

export class ReplayedAssertion extends Error {}

/** The page shown with a refusal. */
export function refusalPage(message: string, loginPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p>${escapeHtml(message)}</p><p><a href="${escapeHtml(loginPath)}">Sign in again</a></p></body></html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
