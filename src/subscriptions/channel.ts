/**
 * Subscription.channel for rest-hook (https://hl7.org/fhir/R4/subscription.html#2.46.7.1): the only channel type
 * this server delivers. Without `payload` a notification is an empty POST to the endpoint; with
 * `payload = application/fhir+json` the endpoint is taken as a FHIR base and the matching version is PUT to
 * [endpoint]/[type]/[id] (R4 code system subscription-channel-type, rest-hook). `header` lines are sent as is.
 */
import type { Subscription } from '@medplum/fhirtypes';
import { unprocessable } from '../errors';

export interface RestHookChannel {
  endpoint: string;
  /** Undefined: empty notification. */
  payload?: 'application/fhir+json' | 'application/json';
  headers: [string, string][];
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the HTTP client owns; letting a subscriber set them would break or smuggle requests. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'content-type', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive']);

/** `Name: value` → [name, value]; undefined when malformed or reserved. */
export function parseHeaderLine(line: unknown): [string, string] | undefined {
  if (typeof line !== 'string' || /[\r\n\0]/.test(line)) return undefined;
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const name = line.slice(0, colon).trim();
  const value = line.slice(colon + 1).trim();
  if (!TOKEN.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) return undefined;
  return [name, value];
}

/** Host name of a URL as configured: lower case, IPv6 without brackets. */
function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

export function isHostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return allowed.some((a) => a === '*' || a === host || (a.startsWith('*.') && host.endsWith(a.slice(1))));
}

const WHERE = (field: string) => [`Subscription.channel.${field}`];

/** The rest-hook channel of a Subscription, or a 422 naming what to fix. */
export function parseChannel(sub: Pick<Subscription, 'channel'>, allowedHosts: readonly string[]): RestHookChannel {
  const channel = sub.channel;
  if (!channel || typeof channel !== 'object') throw unprocessable('Subscription.channel is required', ['Subscription.channel']);
  if (channel.type !== 'rest-hook') {
    throw unprocessable(`Subscription.channel.type '${String(channel.type)}' is not supported by this server: use rest-hook`, WHERE('type'));
  }
  let url: URL;
  try {
    url = new URL(String(channel.endpoint ?? ''));
  } catch {
    throw unprocessable('Subscription.channel.endpoint must be an absolute http(s) URL', WHERE('endpoint'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw unprocessable(`Subscription.channel.endpoint must use http or https, not ${url.protocol}`, WHERE('endpoint'));
  }
  if (url.username || url.password) {
    throw unprocessable('Subscription.channel.endpoint must not carry credentials: send them in channel.header', WHERE('endpoint'));
  }
  if (!isHostAllowed(hostOf(url), allowedHosts)) {
    throw unprocessable(
      `Subscription.channel.endpoint: host '${hostOf(url)}' is not allowed on this server (ROR_SUBSCRIPTION_ALLOWED_HOSTS); ask the operator`,
      WHERE('endpoint'),
    );
  }
  let payload: RestHookChannel['payload'];
  if (channel.payload !== undefined) {
    const mime = String(channel.payload).split(';')[0].trim().toLowerCase();
    if (mime !== 'application/fhir+json' && mime !== 'application/json') {
      throw unprocessable(
        `Subscription.channel.payload '${String(channel.payload)}' is not supported: use application/fhir+json, or omit it for empty notifications`,
        WHERE('payload'),
      );
    }
    payload = mime;
  }
  const headers: [string, string][] = [];
  for (const [i, line] of (channel.header ?? []).entries()) {
    const parsed = parseHeaderLine(line);
    if (!parsed) {
      throw unprocessable(
        `Subscription.channel.header[${i}] must be 'Name: value' on one line (Host, Content-Type, Content-Length and hop-by-hop headers are set by the server)`,
        WHERE(`header[${i}]`),
      );
    }
    headers.push(parsed);
  }
  return { endpoint: url.toString(), payload, headers };
}
