/**
 * What the OpenID Connect tests need of a browser: a cookie jar per host and requests that do not follow
 * redirects (each hop is checked by the test), and the local OpenID provider (./oidc-provider.mjs) started in a
 * child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Hop {
  status: number;
  /** The Location header resolved against the request's URL. */
  location?: string;
  body: string;
  setCookies: string[];
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  async get(url: string, headers: Record<string, string> = {}): Promise<Hop> {
    return this.request(url, { method: 'GET', headers });
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Hop> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, value);
  }

  private async request(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Hop> {
    const cookies = [...(this.jar.get(new URL(url).host) ?? new Map<string, string>()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, ...(cookies ? { cookie: cookies } : {}) } });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) this.store(url, line);
    const location = res.headers.get('location');
    return { status: res.status, location: location ? new URL(location, url).href : undefined, body: await res.text(), setCookies };
  }

  private store(url: string, line: string): void {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const host = new URL(url).host;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
    if (expired || value === '') this.jar.get(host)!.delete(name);
    else this.jar.get(host)!.set(name, value);
  }
}

export interface LocalProvider {
  issuer: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the local OpenID provider; `env` carries its OIDC_TEST_* settings. */
export async function startLocalProvider(env: Record<string, string>): Promise<LocalProvider> {
  const child = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the local OpenID provider exited (${code}): ${stderr}`)));
  });
  const { issuer } = JSON.parse(firstLine) as { issuer: string };
  return {
    issuer,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
