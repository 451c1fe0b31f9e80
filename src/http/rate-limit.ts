/**
 * Rate limiting: a token bucket per key (a caller, a client address). Each key may spend `burst` requests at once,
 * and gets `perMinute` back per minute, continuously; a request with no token left is answered 429 with
 * `Retry-After` (the seconds until a token is back) and an OperationOutcome `throttled`.
 *
 * The buckets live in this process's memory: the limit holds per server instance (N instances behind a load
 * balancer let a caller through N times as often). Memory is bounded: the buckets are kept in least-recently-used
 * order and the oldest is dropped past `maxKeys`, so a flood of distinct keys (forged addresses, random client
 * ids) cannot grow it; a dropped bucket was idle the longest, and comes back full, as if it had been idle forever.
 *
 * Hand-written rather than express-rate-limit: its memory store counts fixed windows (a caller may send twice the
 * limit across a window's edge), where a bucket smooths bursts; and the bucket is the few lines below.
 */
import net from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { outcome } from '../errors';
import { isPrincipal, type Actor } from '../kernel/actor';

export interface RateLimitOptions {
  /** Tokens given back per minute (the sustained rate). */
  perMinute: number;
  /** Tokens a full bucket holds (requests accepted at once); default perMinute, a minute's worth. */
  burst?: number;
  /** The bucket a request draws from. */
  key: (req: Request, res: Response) => string;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** Most buckets kept (default 100,000, a few MiB). */
  maxKeys?: number;
  /** Writes the 429 (default: an OperationOutcome); `retryAfter` in whole seconds, also sent as Retry-After. */
  reject?: (req: Request, res: Response, retryAfter: number) => void;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (ms). */
  at: number;
}

/** Token buckets by key, in least-recently-used order (a Map iterates in insertion order). */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    readonly burst: number,
    private readonly maxKeys: number,
  ) {
    if (!(perMinute > 0) || !(burst >= 1)) throw new Error('a rate limit needs perMinute > 0 and burst >= 1');
    this.perMs = perMinute / 60_000;
  }

  /** Takes a token for `key` at `now`: 0 when there was one, else the seconds until there is one. */
  take(key: string, now: number): number {
    const prev = this.buckets.get(key);
    let tokens = this.burst;
    if (prev) {
      tokens = Math.min(this.burst, prev.tokens + Math.max(0, now - prev.at) * this.perMs);
      this.buckets.delete(key); // re-inserted below: most recently used last
    } else if (this.buckets.size >= this.maxKeys) {
      this.buckets.delete(this.buckets.keys().next().value as string);
    }
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
  }

  /** Buckets currently kept. */
  get size(): number {
    return this.buckets.size;
  }
}

/** A middleware answering 429 once the bucket of the request's key is empty. */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const buckets = new TokenBuckets(options.perMinute, options.burst ?? options.perMinute, options.maxKeys ?? 100_000);
  const now = options.now ?? Date.now;
  const reject = options.reject ?? rejectWithOutcome;
  return (req: Request, res: Response, next: NextFunction) => {
    const wait = buckets.take(options.key(req, res), now());
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    reject(req, res, wait);
  };
}

function rejectWithOutcome(_req: Request, res: Response, retryAfter: number): void {
  const oo = outcome('error', 'throttled', `too many requests: retry in ${retryAfter} s`);
  writeOutcome(res, 429, oo);
}

/** Writes an OperationOutcome as the whole response (for refusals made before the FHIR layer). */
export function writeOutcome(res: Response, status: number, oo: OperationOutcome): void {
  const body = JSON.stringify(oo);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * The caller a request is counted against: the principal authentication put in `res.locals.actor`
 * (`client:<id>`, `user:<id>`), else its client address (addressKey).
 */
export function callerKey(req: Request, res: Response): string {
  const actor = res.locals.actor as Actor | undefined;
  if (actor && isPrincipal(actor)) return `${actor.kind}:${actor.id}`;
  return `address:${addressKey(req.ip)}`;
}

/**
 * A client address as a rate-limit key: IPv4 as is (an IPv4-mapped IPv6 address as its IPv4), IPv6 by its /64
 * prefix, which is what one subscriber is usually given (limiting single IPv6 addresses limits nothing).
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!net.isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
