/**
 * Pulling a source's offer onto disk before anything is reconciled, so the truncation guard sees the whole run first
 * and memory stays flat: one NDJSON file per type, and a file of the references (`Type/id`) that were deleted or
 * deactivated at the source.
 *
 * - Through `$export` when the source's CapabilityStatement offers the operation at system level (FHIR Bulk Data):
 *   kick-off with `Prefer: respond-async`, poll the status URL honouring `Retry-After`, download the manifest's
 *   files, read its `deleted` Bundles of DELETE requests; the job is then deleted at the source (its files freed).
 *   The next `since` is the manifest's `transactionTime`.
 * - Otherwise by searches: `[type]?_lastUpdated=gt<since>&_sort=_lastUpdated`, following `next` links, and, with a
 *   since, `[type]/_history?_since=<since>` for the deletions (a resource deleted then created again is current,
 *   so not a deletion). The next `since` is the source's clock (its `Date` header) when the pull began, minus a
 *   settle margin, like the export's transactionTime.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { SourceClient, SourceError, outcomeText } from './client';

export interface Pulled {
  mode: 'export' | 'search';
  /** Type → its NDJSON file (types the source had nothing of have none). */
  files: Map<string, string>;
  /** One `Type/id` a line: what the source deleted or deactivated since `since`. */
  deletedFile: string;
  /** What to pass as the next run's since. */
  transactionTime: string;
  since?: string;
}

export interface PullOptions {
  types: string[];
  since?: string;
  /** Working directory for the files (created, left for the caller to remove). */
  dir: string;
  /** 'auto' (default): $export when offered; 'search': always searches. */
  mode?: 'auto' | 'search';
  /** Resources a search page asks for (default 1000). */
  pageSize?: number;
  /** Longest wait between two polls whatever Retry-After says (default 60 s; tests shorten it). */
  maxPollWaitMs?: number;
  /** How long an export may take before the run gives up (default 6 h). */
  exportTimeoutMs?: number;
  /** Search path: how far before the source's clock the next since is set (default 5 s). */
  settleMs?: number;
  log?: (msg: string) => void;
}

/** Whether the source offers system-level `$export` (its CapabilityStatement names the operation). */
export function offersExport(cs: CapabilityStatement): boolean {
  return (cs.rest ?? []).some((r) => (r.operation ?? []).some((o) => o.name === 'export' || /\/OperationDefinition\/export$/.test(o.definition ?? '')));
}

export async function pull(client: SourceClient, opts: PullOptions): Promise<Pulled> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const meta = await client.request('GET', 'metadata');
  if (meta.status !== 200 || (meta.body as Resource | undefined)?.resourceType !== 'CapabilityStatement') {
    throw new SourceError(`${client.source.url}/metadata: ${meta.status}${outcomeText(meta.body)} (not a FHIR server's CapabilityStatement)`);
  }
  const sourceNow = Date.parse(meta.headers.get('date') ?? '') || Date.now();
  const viaExport = (opts.mode ?? 'auto') === 'auto' && offersExport(meta.body as CapabilityStatement);
  opts.log?.(`${client.source.url}: ${viaExport ? '$export' : '_lastUpdated searches'}${opts.since ? ` since ${opts.since}` : ' (full)'}`);
  return viaExport ? pullExport(client, opts) : pullSearch(client, opts, sourceNow);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pullExport(client: SourceClient, opts: PullOptions): Promise<Pulled> {
  const q = new URLSearchParams({ _type: opts.types.join(','), _outputFormat: 'application/fhir+ndjson' });
  if (opts.since) q.set('_since', opts.since);
  const kick = await client.request('GET', `$export?${q}`, { headers: { Prefer: 'respond-async' } });
  const status = kick.headers.get('content-location');
  if (kick.status !== 202 || !status) throw new SourceError(`$export kick-off at ${client.source.url}: ${kick.status}${outcomeText(kick.body)}`);
  const deadline = Date.now() + (opts.exportTimeoutMs ?? 6 * 3600_000);
  let manifest: ExportManifest | undefined;
  while (!manifest) {
    const res = await client.request('GET', status);
    if (res.status === 200) manifest = res.body as ExportManifest;
    else if (res.status === 202) {
      if (Date.now() > deadline) {
        await client.request('DELETE', status).catch(() => undefined);
        throw new SourceError(`$export at ${client.source.url} did not finish in time (cancelled)`);
      }
      const after = Number(res.headers.get('retry-after') ?? '') * 1000;
      await sleep(Math.min(Number.isFinite(after) && after > 0 ? after : 1000, opts.maxPollWaitMs ?? 60_000));
    } else throw new SourceError(`$export status ${status}: ${res.status}${outcomeText(res.body)}`);
  }
  if (!manifest.transactionTime || !Array.isArray(manifest.output)) throw new SourceError(`$export at ${client.source.url}: the manifest has no transactionTime or output`);
  if (manifest.error?.length) throw new SourceError(`$export at ${client.source.url} reported errors in ${manifest.error.length} file(s)`);
  const files = new Map<string, string>();
  let n = 0;
  for (const out of manifest.output) {
    if (!opts.types.includes(out.type)) continue;
    const file = path.join(opts.dir, `out-${n++}.ndjson`);
    await client.download(out.url, file, manifest.requiresAccessToken !== false);
    // Several files of one type are read one after the other: concatenated here.
    const previous = files.get(out.type);
    if (previous) {
      await pipeline(fs.createReadStream(file), fs.createWriteStream(previous, { flags: 'a' }));
      fs.rmSync(file);
    } else files.set(out.type, file);
  }
  const deletedFile = path.join(opts.dir, 'deleted.txt');
  const refs = fs.createWriteStream(deletedFile);
  for (const del of manifest.deleted ?? []) {
    const file = path.join(opts.dir, `deleted-${n++}.ndjson`);
    await client.download(del.url, file, manifest.requiresAccessToken !== false);
    for await (const bundle of readNdjson<Bundle>(file)) {
      for (const e of bundle.entry ?? []) {
        const url = e.request?.url?.replace(/^.*?([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\?.*)?$/, '$1');
        if (e.request?.method === 'DELETE' && url && opts.types.includes(url.split('/')[0])) refs.write(`${url}\n`);
      }
    }
  }
  await new Promise<void>((resolve, reject) => refs.end((err?: Error | null) => (err ? reject(err) : resolve())));
  // The source keeps the files until they expire: free them now (best effort).
  await client.request('DELETE', status).catch(() => undefined);
  return { mode: 'export', files, deletedFile, transactionTime: manifest.transactionTime, since: opts.since };
}

interface ExportManifest {
  transactionTime: string;
  requiresAccessToken?: boolean;
  output: { type: string; url: string }[];
  deleted?: { type: string; url: string }[];
  error?: unknown[];
}

async function pullSearch(client: SourceClient, opts: PullOptions, sourceNow: number): Promise<Pulled> {
  const transactionTime = new Date(sourceNow - (opts.settleMs ?? 5000)).toISOString();
  const count = String(opts.pageSize ?? 1000);
  const files = new Map<string, string>();
  const deletedFile = path.join(opts.dir, 'deleted.txt');
  const deleted: string[] = [];
  for (const type of opts.types) {
    const file = path.join(opts.dir, `${type}.ndjson`);
    const out = fs.createWriteStream(file);
    const current = new Set<string>();
    const q = new URLSearchParams({ _sort: '_lastUpdated', _count: count });
    if (opts.since) q.set('_lastUpdated', `gt${opts.since}`);
    let written = 0;
    for await (const e of pages(client, `${type}?${q}`)) {
      const r = e.resource;
      if (!r || r.resourceType !== type || e.search?.mode === 'include' || e.search?.mode === 'outcome' || !r.id) continue;
      current.add(r.id);
      if (!out.write(`${JSON.stringify(r)}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
      written++;
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (written) files.set(type, file);
    else fs.rmSync(file);
    if (!opts.since) continue;
    const seen = new Set<string>();
    const h = new URLSearchParams({ _since: opts.since, _count: count });
    for await (const e of pages(client, `${type}/_history?${h}`)) {
      const id = e.request?.url?.split('?')[0].split('/')[1] ?? e.resource?.id ?? e.fullUrl?.split('/').pop();
      if (!id || seen.has(id)) continue;
      // History is newest first: the first entry of a resource is its current state.
      seen.add(id);
      if (e.request?.method === 'DELETE' && !current.has(id)) deleted.push(`${type}/${id}`);
    }
  }
  fs.writeFileSync(deletedFile, deleted.map((d) => `${d}\n`).join(''));
  return { mode: 'search', files, deletedFile, transactionTime, since: opts.since };
}

/** The entries of a searchset or history, page after page (`next` links). */
async function* pages(client: SourceClient, first: string): AsyncGenerator<NonNullable<Bundle['entry']>[number]> {
  let url: string | undefined = first;
  let n = 0;
  while (url) {
    const bundle: Bundle = await client.getJson<Bundle>(url);
    if (bundle.resourceType !== 'Bundle') throw new SourceError(`GET ${client.url(url)}: not a Bundle`);
    yield* bundle.entry ?? [];
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (++n > 1_000_000) throw new SourceError(`GET ${client.url(first)}: too many pages`);
  }
}

/** The JSON lines of a file, one at a time. */
export async function* readNdjson<T = Resource>(file: string): AsyncGenerator<T> {
  const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (!text.trim()) continue;
    try {
      yield JSON.parse(text) as T;
    } catch {
      throw new SourceError(`${path.basename(file)} line ${line}: not JSON`);
    }
  }
}
