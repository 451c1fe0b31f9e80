/**
 * Bulk export jobs (https://hl7.org/fhir/uv/bulkdata/export.html): the kick-off records a job in the store and
 * queues it; a background worker runs the jobs one at a time, writing one NDJSON file per type (and `deleted.ndjson`)
 * under `<dataDir>/exports/<job>/`, and records its progress type by type; the status answers with the progress
 * or the manifest; a cancel or the expiry sweep removes the files and the job.
 *
 * Jobs are durable: a job in progress when the server stopped (or was killed) is taken up again at start, keeping
 * the types it had finished and rewriting the one it was on. It runs as the actor that asked for it, through that
 * actor's read view, exactly as its searches would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import { FhirError, notFound } from '../errors';
import { allResourceTypes } from '../definitions';
import { describeActor, type Actor } from '../kernel/actor';
import { requestContext, type FhirContext, type FhirServices } from '../fhir/context';
import type { ExportJob } from '../store/export-jobs';
import type { BulkExportConfig } from './config';
import type { ExportParameters } from './params';
import { DEACTIVATION, exportPages, exportPlan } from './reader';
import { deleteBundle, deletedPages } from './deleted';
import { NdjsonFile } from './ndjson';

/** What a job keeps in the store besides its columns: who runs it, what it exports, how far it got. */
interface JobState {
  actor: Actor;
  params: ExportParameters;
  /** The types exported, in order. */
  types: string[];
  /** Types finished (the first `typesDone` of `types`) and the files they produced. */
  typesDone: number;
  output: { type: string; file: string; count: number }[];
  deleted?: { file: string; count: number };
  deletedDone: boolean;
  error?: string;
}

export interface ManifestFile {
  type: string;
  url: string;
  count: number;
}

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: true;
  output: ManifestFile[];
  deleted: ManifestFile[];
  error: ManifestFile[];
}

export type JobStatus =
  | { kind: 'running'; progress: string }
  | { kind: 'completed'; manifest: Manifest; expiresAt: number }
  | { kind: 'failed'; message: string };

export interface BulkExportOptions extends BulkExportConfig {
  services: FhirServices;
  dataDir: string;
  logger: Logger;
  /** The clock (tests move it to expire jobs). */
  now?: () => number;
  /**
   * How far before the kick-off the transactionTime is set: a write stamped just before the kick-off but committed
   * after the export read its type is then still after the transactionTime a consumer passes as the next `_since`.
   */
  settleMs?: number;
}

const DELETED_FILE = 'deleted.ndjson';
const SWEEP_MS = 10 * 60_000;
const CANCELLED = new Error('export cancelled');
const STOPPED = new Error('server stopping');

/** The key of an actor as the owner of jobs: the same principal, whatever credential it presents next time. */
export function ownerOf(actor: Actor): string {
  switch (actor.kind) {
    case 'client':
    case 'user':
      return `${actor.kind}:${actor.id}`;
    case 'admin':
      return `admin:${actor.name}`;
    case 'system':
      return `system:${actor.component}`;
    default:
      return 'anonymous';
  }
}

export class BulkExports {
  private readonly queue: string[] = [];
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void>; written: number; type?: string }>();
  private pumping: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly now: () => number;
  readonly root: string;

  constructor(private readonly options: BulkExportOptions) {
    this.now = options.now ?? Date.now;
    this.root = path.join(options.dataDir, 'exports');
  }

  private get store() {
    return this.options.services.store;
  }

  /** Takes up the jobs left unfinished, and sweeps expired files now and every ten minutes. */
  async start(): Promise<void> {
    this.stopped = false;
    for (const job of await this.store.exportJobs.unfinished()) this.enqueue(job.id);
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => this.options.logger.warn({ err }, 'export sweep failed')), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Stops the running job where it is (it is taken up again at the next start) and the sweep. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const run of this.running.values()) run.abort.abort(STOPPED);
    await Promise.all([...this.running.values()].map((r) => r.done));
    await this.pumping;
  }

  /** Records a job for `ctx`'s actor and queues it; returns its id. Parameters the caller may not use are refused here. */
  async kickOff(ctx: FhirContext, params: ExportParameters, request: string): Promise<string> {
    const owner = ownerOf(ctx.actor);
    const types = this.typesFor(ctx, params);
    const mine = (await this.store.exportJobs.unfinished()).filter((j) => j.owner === owner).length;
    if (mine >= this.options.maxJobsPerCaller) {
      const err = new FhirError(429, `${describeActor(ctx.actor)} already has ${mine} exports in progress (ROR_EXPORT_MAX_JOBS): wait for one to finish or cancel it`, 'throttled');
      err.headers['Retry-After'] = '60';
      throw err;
    }
    const id = randomUUID();
    const now = this.now();
    const state: JobState = { actor: ctx.actor, params, types, typesDone: 0, output: [], deletedDone: false };
    const transactionTime = new Date(now - (this.options.settleMs ?? 5000)).toISOString();
    await this.store.exportJobs.create({ id, owner, status: 'in-progress', request, transactionTime, createdAt: now, updatedAt: now, state: JSON.stringify(state) });
    this.enqueue(id);
    return id;
  }

  /** The job's status for `actor` (404 when it is unknown, expired or someone else's). */
  async status(actor: Actor, id: string): Promise<JobStatus> {
    const job = await this.owned(actor, id);
    const state = JSON.parse(job.state) as JobState;
    if (job.status === 'failed') return { kind: 'failed', message: state.error ?? 'the export failed' };
    if (job.status === 'completed') return { kind: 'completed', manifest: this.manifest(job, state), expiresAt: job.expiresAt ?? 0 };
    const run = this.running.get(id);
    const written = state.output.reduce((n, f) => n + f.count, 0) + (run?.written ?? 0);
    const where = !run ? 'queued' : state.typesDone < state.types.length ? `exporting ${run.type ?? state.types[state.typesDone]}` : 'listing deletions';
    return { kind: 'running', progress: `${where}: ${state.typesDone}/${state.types.length} types done, ${written} resources written` };
  }

  /** Cancels a job in progress, or removes a finished one's files: either way the job and its files are gone. */
  async cancel(actor: Actor, id: string): Promise<void> {
    await this.owned(actor, id);
    const run = this.running.get(id);
    const index = this.queue.indexOf(id);
    if (index >= 0) this.queue.splice(index, 1);
    if (run) {
      run.abort.abort(CANCELLED);
      await run.done;
    }
    await this.remove(id);
  }

  /** The path of one of a completed job's files, for `actor`. */
  async file(actor: Actor, id: string, name: string): Promise<string> {
    const job = await this.owned(actor, id);
    const state = JSON.parse(job.state) as JobState;
    const known = state.output.some((f) => f.file === name) || state.deleted?.file === name;
    if (job.status !== 'completed' || !known) throw notFound(`export ${id} has no file ${name}`);
    return path.join(this.root, id, name);
  }

  /** Removes expired jobs and their files, and directories left by jobs that no longer exist. */
  async sweep(): Promise<number> {
    const expired = await this.store.exportJobs.expired(this.now());
    for (const job of expired) await this.remove(job.id);
    const dirs = await fs.promises.readdir(this.root).catch(() => [] as string[]);
    for (const dir of dirs) {
      if (this.running.has(dir) || this.queue.includes(dir)) continue;
      if (!(await this.store.exportJobs.get(dir))) await fs.promises.rm(path.join(this.root, dir), { recursive: true, force: true });
    }
    return expired.length;
  }

  /** The types an export covers: those asked for (a 403 for one the caller may not read), or all it may read. */
  private typesFor(ctx: FhirContext, params: ExportParameters): string[] {
    const all = [...allResourceTypes()];
    const asked = params.types ?? all;
    const types = ctx.view.restrict({ resourceTypes: asked, where: [], sort: [], count: 0, total: 'none' }).resourceTypes;
    // Every query is planned once now, so a bad filter or a criterion the caller may not use is refused at kick-off.
    for (const type of types) {
      for (const filter of params.typeFilters[type] ?? [[]]) {
        exportPlan(ctx, type, [...filter, ...this.extra(type, params.since, false)], this.options.pageSize);
        if (params.since && DEACTIVATION[type]) exportPlan(ctx, type, [...filter, ...this.extra(type, params.since, true)], this.options.pageSize);
      }
    }
    return types;
  }

  /** The conditions an export adds to a type's queries: changed since `_since`; deactivated ones out (or only them). */
  private extra(type: string, since: string | undefined, deactivated: boolean): [string, string][] {
    if (!since) return [];
    const d = DEACTIVATION[type];
    if (!d) return [['_lastUpdated', `gt${since}`]];
    return [['_lastUpdated', `gt${since}`], deactivated ? [d[0], d[1]] : [`${d[0]}:not`, d[1]]];
  }

  private async owned(actor: Actor, id: string): Promise<ExportJob> {
    const job = /^[0-9a-f-]{36}$/.test(id) ? await this.store.exportJobs.get(id) : undefined;
    if (!job || job.owner !== ownerOf(actor)) throw notFound(`no export job ${id.slice(0, 64)} (finished exports expire after ${this.options.ttlHours} h)`);
    return job;
  }

  private manifest(job: ExportJob, state: JobState): Manifest {
    const url = (file: string) => `${this.options.services.baseUrl}/bulk-export/${job.id}/${file}`;
    return {
      transactionTime: job.transactionTime,
      request: job.request,
      requiresAccessToken: true,
      output: state.output.map((f) => ({ type: f.type, url: url(f.file), count: f.count })),
      deleted: state.deleted ? [{ type: 'Bundle', url: url(state.deleted.file), count: state.deleted.count }] : [],
      error: [],
    };
  }

  private async remove(id: string): Promise<void> {
    await fs.promises.rm(path.join(this.root, id), { recursive: true, force: true });
    await this.store.exportJobs.remove(id);
  }

  private enqueue(id: string): void {
    if (!this.queue.includes(id) && !this.running.has(id)) this.queue.push(id);
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Runs the queued jobs one after the other. */
  private async pump(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length && !this.stopped) {
      const id = this.queue.shift()!;
      const abort = new AbortController();
      let finish!: () => void;
      const run = { abort, done: new Promise<void>((r) => (finish = r)), written: 0, type: undefined as string | undefined };
      this.running.set(id, run);
      try {
        await this.run(id, run);
      } catch (err) {
        if (abort.signal.reason !== CANCELLED && abort.signal.reason !== STOPPED) await this.fail(id, err);
      } finally {
        this.running.delete(id);
        finish();
      }
    }
  }

  private async run(id: string, run: { abort: AbortController; written: number; type?: string }): Promise<void> {
    const job = await this.store.exportJobs.get(id);
    if (!job || job.status !== 'in-progress') return;
    const state = JSON.parse(job.state) as JobState;
    const ctx = requestContext(this.options.services, state.actor);
    const signal = run.abort.signal;
    const dir = path.join(this.root, id);
    await fs.promises.mkdir(dir, { recursive: true });
    const { pageSize } = this.options;
    const since = state.params.since;
    const save = () => this.store.exportJobs.update(id, { state: JSON.stringify(state), updatedAt: this.now() });
    while (state.typesDone < state.types.length) {
      const type = state.types[state.typesDone];
      run.type = type;
      run.written = 0;
      const file = `${type}.ndjson`;
      // Opened with the first page: most of the 140-odd types are empty, and get neither a file nor an fsync.
      let out: NdjsonFile | undefined;
      try {
        const filters = state.params.typeFilters[type] ?? [];
        for await (const page of exportPages(ctx, { type, filters, extra: this.extra(type, since, false), pageSize }, signal)) {
          let chunk = '';
          for (const v of page) chunk += `${ctx.view.presentJson(v)}\n`;
          out ??= new NdjsonFile(path.join(dir, file));
          await out.write(chunk);
          run.written += page.length;
        }
        await out?.close();
      } catch (err) {
        out?.destroy();
        throw err;
      }
      state.typesDone++;
      // An empty type records nothing: taken up again after a restart, it is read again, cheaply.
      if (!out) continue;
      state.output.push({ type, file, count: run.written });
      run.written = 0;
      if (!(await save())) throw CANCELLED;
    }
    if (since && !state.deletedDone) {
      const out = new NdjsonFile(path.join(dir, DELETED_FILE));
      let bundles = 0;
      try {
        for (const type of state.types) {
          const filters = state.params.typeFilters[type] ?? [];
          for await (const refs of deletedPages(ctx, { type, since, filters, pageSize }, signal)) {
            await out.write(`${JSON.stringify(deleteBundle(refs))}\n`);
            bundles++;
          }
        }
        await out.close();
      } catch (err) {
        out.destroy();
        throw err;
      }
      if (bundles > 0) state.deleted = { file: DELETED_FILE, count: bundles };
      else await fs.promises.rm(path.join(dir, DELETED_FILE), { force: true });
      state.deletedDone = true;
    }
    const now = this.now();
    await this.store.exportJobs.update(id, { status: 'completed', state: JSON.stringify(state), expiresAt: now + this.options.ttlHours * 3_600_000, updatedAt: now });
    this.options.logger.info({ job: id, files: state.output.length, resources: state.output.reduce((n, f) => n + f.count, 0) }, 'bulk export completed');
  }

  private async fail(id: string, err: unknown): Promise<void> {
    this.options.logger.error({ err, job: id }, 'bulk export failed');
    const job = await this.store.exportJobs.get(id);
    if (!job) return;
    const state = JSON.parse(job.state) as JobState;
    state.error = err instanceof FhirError ? err.message : 'the export failed: the details are in the server log';
    const now = this.now();
    await fs.promises.rm(path.join(this.root, id), { recursive: true, force: true });
    await this.store.exportJobs.update(id, { status: 'failed', state: JSON.stringify(state), expiresAt: now + this.options.ttlHours * 3_600_000, updatedAt: now });
  }
}
