/**
 * The HTTP side of a federation source: requests to another ROR server's FHIR API with its credential (a bearer
 * token, or one obtained with client credentials and renewed when it expires), JSON reads, and downloads streamed to
 * a file. Errors name the URL and the status, and carry the OperationOutcome's text when the source sent one.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FederationSource } from './config';

export class SourceError extends Error {}

export interface SourceResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export class SourceClient {
  private token: { value: string; expires: number } | undefined;

  constructor(
    readonly source: FederationSource,
    private readonly timeoutMs = 120_000,
  ) {
    if (source.token) this.token = { value: source.token, expires: Infinity };
  }

  /** An absolute URL of the source: `path` relative to its base, or already absolute (a next link, a file). */
  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.source.url}/${path.replace(/^\//, '')}`;
  }

  private async authorization(): Promise<Record<string, string>> {
    if (!this.source.clientId) return this.token ? { Authorization: `Bearer ${this.token.value}` } : {};
    if (!this.token || this.token.expires < Date.now() + 30_000) this.token = await this.fetchToken();
    return { Authorization: `Bearer ${this.token.value}` };
  }

  /** client_credentials at the source's token endpoint (client_secret_basic, RFC 6749 §2.3.1). */
  private async fetchToken(): Promise<{ value: string; expires: number }> {
    let tokenUrl = this.source.tokenUrl;
    if (!tokenUrl) {
      const smart = await this.request('GET', '.well-known/smart-configuration', { anonymous: true });
      tokenUrl = (smart.body as { token_endpoint?: string } | undefined)?.token_endpoint;
      if (smart.status !== 200 || !tokenUrl) throw new SourceError(`${this.source.url}: no token endpoint in its SMART configuration (status ${smart.status}); give tokenUrl`);
    }
    const basic = Buffer.from(`${encodeURIComponent(this.source.clientId!)}:${encodeURIComponent(this.source.clientSecret!)}`).toString('base64');
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.json().catch(() => undefined)) as { access_token?: string; expires_in?: number; error?: string; error_description?: string } | undefined;
    if (res.status !== 200 || !body?.access_token) {
      throw new SourceError(`token endpoint ${tokenUrl}: ${res.status} ${body?.error ?? ''} ${body?.error_description ?? ''}`.trim());
    }
    return { value: body.access_token, expires: Date.now() + (body.expires_in ?? 300) * 1000 };
  }

  /** One request; the JSON body parsed when there is one. Never throws on a status: the caller decides. */
  async request(method: string, path: string, opts: { headers?: Record<string, string>; anonymous?: boolean } = {}): Promise<SourceResponse> {
    const url = this.url(path);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { Accept: 'application/fhir+json', ...(opts.anonymous ? {} : await this.authorization()), ...opts.headers },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError(`${method} ${url}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`);
    }
    const text = await res.text();
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: res.headers, body };
  }

  /** GET of a JSON resource that must answer 200. */
  async getJson<T>(path: string): Promise<T> {
    const res = await this.request('GET', path);
    if (res.status !== 200) throw new SourceError(`GET ${this.url(path)}: ${res.status}${outcomeText(res.body)}`);
    if (typeof res.body !== 'object' || res.body === null) throw new SourceError(`GET ${this.url(path)}: the answer is not JSON`);
    return res.body as T;
  }

  /** Streams `url` into `file` (NDJSON files of an export): memory holds one chunk. */
  async download(url: string, file: string, withToken: boolean): Promise<void> {
    const res = await fetch(this.url(url), {
      headers: { Accept: 'application/fhir+ndjson', ...(withToken ? await this.authorization() : {}) },
      signal: AbortSignal.timeout(this.timeoutMs * 10),
    }).catch((err: Error) => {
      throw new SourceError(`GET ${url}: ${err.message}`);
    });
    if (res.status !== 200 || !res.body) {
      const text = await res.text().catch(() => '');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      throw new SourceError(`GET ${url}: ${res.status}${outcomeText(body)}`);
    }
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(file));
  }
}

/** ": <the diagnostics>" of an OperationOutcome body, or nothing. */
export function outcomeText(body: unknown): string {
  const issues = (body as { resourceType?: string; issue?: { diagnostics?: string; details?: { text?: string } }[] } | undefined)?.issue;
  if (!Array.isArray(issues)) return '';
  const text = issues.map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join('; ');
  return text ? `: ${text}` : '';
}
