/**
 * A source is a local path or an http(s) URL. A URL is downloaded to a temporary file (the parsers read files twice
 * and the RPPS zip needs random access), streamed to disk, never held in memory. The expected size and SHA-256 may be
 * given in the URL fragment, which is never sent to the server:
 *   https://example.org/etalab-cs1100507-stock.csv#sha256=9fc18a…&size=35812345
 * A mismatch fails the source before anything is read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ResolvedSource {
  path: string;
  cleanup(): Promise<void>;
}

export interface ResolveOptions {
  tmpDir?: string;
  log?: (msg: string) => void;
  fetchImpl?: typeof fetch;
}

export function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

export async function resolveSource(spec: string, opts: ResolveOptions = {}): Promise<ResolvedSource> {
  if (!isUrl(spec)) {
    if (!fs.existsSync(spec)) throw new Error(`source file not found: ${spec}`);
    return { path: spec, cleanup: async () => undefined };
  }
  const url = new URL(spec);
  const expect = new URLSearchParams(url.hash.replace(/^#/, ''));
  url.hash = '';
  const dir = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'ror-sync-'));
  const name = path.basename(url.pathname) || 'download';
  const file = path.join(dir, name.replace(/[^A-Za-z0-9._-]/g, '_'));
  const cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    opts.log?.(`downloading ${url.href}`);
    const res = await (opts.fetchImpl ?? fetch)(url.href);
    if (!res.ok || !res.body) throw new Error(`download of ${url.href} failed: HTTP ${res.status}`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as any), meter, fs.createWriteStream(file));
    const wantSize = expect.get('size');
    if (wantSize && Number(wantSize) !== size) throw new Error(`download of ${url.href}: ${size} bytes, expected ${wantSize}`);
    const wantSha = expect.get('sha256');
    const sha = hash.digest('hex');
    if (wantSha && wantSha.toLowerCase() !== sha) throw new Error(`download of ${url.href}: SHA-256 ${sha}, expected ${wantSha}`);
    opts.log?.(`downloaded ${size} bytes, sha256 ${sha}`);
    return { path: file, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
