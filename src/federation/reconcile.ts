/**
 * Reconciling what was pulled from a source (./pull.ts) into this store, with the referential sync's rules
 * (src/sync/README.md): two passes, a truncation guard before anything is written, batches of one transaction each
 * with their state rows, every write through the kernel as `system:federation`.
 *
 * 1. scan: every resource of the files is read; one not known yet is matched by business identifier
 *    (./transform.ts MATCH_SYSTEMS) against this store: found, it is **local** (never written, references to it
 *    point to the local one); else it gets its derived id. What disappeared is computed: on a full pull, the
 *    source's active resources not in the files; on an incremental one, those in its deleted list.
 * 2. guard: more than `maxDeactivationShare` of a type's active resources of this source disappearing refuses the
 *    run (nothing written), unless `force`.
 * 3. apply, type after type (targets before referrers): each resource transformed (./transform.ts), compared with
 *    the current one, written only when it differs. A resource the federation wrote and someone changed since (its
 *    current version is not the one the federation wrote) is a local edit: it is kept as it is and becomes local.
 * 4. withdraw what disappeared: deactivated (active=false, Location status=inactive), or deleted for types that
 *    have no such state; only resources this source brought and nobody edited here.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore, StoredVersion } from '../store/store';
import type { SyncStateRow } from '../store/sync-state';
import type { Kernel } from '../kernel/kernel';
import type { WriteTx } from '../kernel/write-tx';
import type { Validator } from '../fhir/validation';
import { systemActor } from '../kernel/actor';
import { FhirError } from '../errors';
import { findConditionalMatches } from '../fhir/search/conditional';
import { sameContent } from '../sync/reconcile/ownership';
import { SyncRefusedError } from '../sync/reconcile/engine';
import { ShapeCachedValidator } from '../sync/reconcile/validate';
import { emptySourceReport, type KindCounts, type Rejection, type SourceReport } from '../sync/types';
import type { Pulled } from './pull';
import { readNdjson } from './pull';
import { deactivate, matchKeys, transform } from './transform';
import { activeAt, derivedId, inactiveAt, loadTypeState, LOCAL, owned, ownedActive, row, sinceRow, sourceKey, versionOf, type Entry } from './state';
import fs from 'node:fs';

/** The actor of every change a federation run makes. */
export const FEDERATION_ACTOR = systemActor('federation');

export interface ReconcileOptions {
  store: ResourceStore;
  kernel: Kernel<Validator>;
  /** The source's base URL: recorded in meta.source, and the state's namespace. */
  source: string;
  types: string[];
  batchSize?: number;
  maxDeactivationShare?: number;
  force?: boolean;
  maxRejections?: number;
  log?: (msg: string) => void;
}

/** A federation source's report: the sync's, with what was matched to local resources and local edits kept. */
export interface FederationSourceReport extends SourceReport {
  mode: Pulled['mode'];
  since?: string;
  transactionTime: string;
  /** Resources of the source matched to a local one (by business identifier) or local since an edit: not written. */
  local: number;
  /** Federated resources found edited here in this run: kept, and local from now on. */
  keptLocalEdits: number;
}

const SEARCH_CHUNK = 100;

export async function reconcilePulled(pulled: Pulled, opts: ReconcileOptions): Promise<FederationSourceReport> {
  const started = Date.now();
  const run = new FederationRun(pulled, opts);
  try {
    await run.scan();
    run.guard();
    await run.apply();
    await run.withdraw();
    await run.finish();
  } catch (err) {
    run.report.error = (err as Error).message;
    run.report.durationMs = Date.now() - started;
    throw Object.assign(err as Error, { report: run.report });
  }
  run.report.durationMs = Date.now() - started;
  return run.report;
}

class FederationRun {
  readonly report: FederationSourceReport;
  private readonly sk: string;
  /** Per type: remote id → entry (the stored state, plus what this run's scan resolved). */
  private readonly states = new Map<string, Map<string, Entry>>();
  /** Remote ids this run found new, per type (their entries are saved when applied). */
  private readonly fresh = new Map<string, Set<string>>();
  /** Per type: the remote ids that disappeared. */
  private readonly gone = new Map<string, string[]>();
  private readonly batchSize: number;
  private readonly validator: ShapeCachedValidator;

  constructor(
    private readonly pulled: Pulled,
    private readonly opts: ReconcileOptions,
  ) {
    this.sk = sourceKey(opts.source);
    this.batchSize = opts.batchSize ?? 500;
    this.validator = new ShapeCachedValidator(opts.kernel.validator);
    this.report = {
      ...emptySourceReport('federation', opts.source),
      mode: pulled.mode,
      ...(pulled.since ? { since: pulled.since } : {}),
      transactionTime: pulled.transactionTime,
      local: 0,
      keptLocalEdits: 0,
    };
  }

  private count(type: string, what: keyof KindCounts, n = 1): void {
    const counts = this.report.counts as Record<string, KindCounts>;
    const c = (counts[type] ??= { created: 0, updated: 0, deactivated: 0, unchanged: 0 });
    c[what] += n;
    this.report[what] += n;
  }

  private reject(r: Rejection): void {
    this.report.rejected++;
    if (this.report.rejections.length < (this.opts.maxRejections ?? 10_000)) this.report.rejections.push(r);
  }

  /** Reference resolution over every type of the run: the local id of a remote resource, when known. */
  private resolve = (type: string, remoteId: string): string | undefined => this.states.get(type)?.get(remoteId)?.localId;

  // ---- pass 1 -------------------------------------------------------------------------------------------------

  async scan(): Promise<void> {
    for (const type of this.opts.types) {
      this.states.set(type, await loadTypeState(this.opts.store, this.sk, type));
      this.fresh.set(type, new Set());
    }
    for (const type of this.opts.types) {
      const state = this.states.get(type)!;
      const seen = new Set<string>();
      const file = this.pulled.files.get(type);
      let pending: Resource[] = [];
      if (file) {
        for await (const r of readNdjson(file)) {
          this.report.records++;
          if (r.resourceType !== type || typeof r.id !== 'string') {
            this.reject({ line: this.report.records, reason: `${type} file: an entry is a ${r.resourceType ?? 'non-resource'}${r.id ? '' : ' without id'}` });
            continue;
          }
          if (seen.has(r.id)) {
            this.reject({ line: this.report.records, reason: `${type}/${r.id} is twice in the source's files` });
            continue;
          }
          seen.add(r.id);
          if (state.has(r.id)) continue;
          pending.push(r);
          if (pending.length >= this.batchSize) {
            await this.match(type, pending);
            pending = [];
          }
        }
      }
      await this.match(type, pending);
      // What disappeared: on a full pull, what the source no longer has; incrementally, what it says it removed.
      const gone: string[] = [];
      if (this.pulled.since === undefined) {
        for (const [id, e] of state) if (ownedActive(e.hash) && !seen.has(id)) gone.push(id);
      }
      this.gone.set(type, gone);
    }
    if (this.pulled.since !== undefined) {
      for await (const ref of readLines(this.pulled.deletedFile)) {
        const [type, id] = ref.split('/');
        const e = this.states.get(type)?.get(id);
        if (e && ownedActive(e.hash)) this.gone.get(type)!.push(id);
      }
    }
  }

  /** New resources of the source: matched to local ones by business identifier, or given their derived id. */
  private async match(type: string, list: Resource[]): Promise<void> {
    if (!list.length) return;
    const state = this.states.get(type)!;
    const fresh = this.fresh.get(type)!;
    const keys = [...new Set(list.flatMap(matchKeys))];
    const byKey = new Map<string, string>();
    for (let i = 0; i < keys.length; i += SEARCH_CHUNK) {
      const chunk = keys.slice(i, i + SEARCH_CHUNK).map(escapeToken);
      const found = await findConditionalMatches(this.opts.store, this.opts.kernel, type, `identifier=${encodeURIComponent(chunk.join(','))}`, chunk.length * 4 + 10);
      for (const v of found) {
        if (v.deleted) continue;
        const res = JSON.parse(v.json) as { meta?: { source?: string }; identifier?: { system?: string; value?: string }[] };
        // A resource this source brought is known by the state, not matched again.
        if (res.meta?.source === this.opts.source) continue;
        for (const idf of res.identifier ?? []) {
          const k = `${idf.system}|${idf.value}`;
          if (!byKey.has(k)) byKey.set(k, v.id);
        }
      }
    }
    for (const r of list) {
      const localMatch = matchKeys(r).map((k) => byKey.get(k)).find((id) => id !== undefined);
      state.set(r.id!, localMatch ? { hash: LOCAL, localId: localMatch } : { hash: -1, localId: derivedId(this.sk, r.id!) });
      fresh.add(r.id!);
    }
  }

  guard(): void {
    const share = this.opts.maxDeactivationShare ?? 0.05;
    const problems: string[] = [];
    for (const type of this.opts.types) {
      let active = 0;
      for (const [id, e] of this.states.get(type)!) if (ownedActive(e.hash) && !this.fresh.get(type)!.has(id)) active++;
      const gone = this.gone.get(type)!.length;
      if (active > 0 && gone / active > share) problems.push(`${gone} of ${active} ${type} resources of this source (${((100 * gone) / active).toFixed(1)}%) disappeared`);
    }
    if (problems.length && !this.opts.force) {
      throw new SyncRefusedError(
        `refused: ${problems.join('; ')}, more than the allowed ${(share * 100).toFixed(1)}% (ROR_SYNC_MAX_DEACTIVATION; a partial ` +
          'export, or a credential that sees less?). Nothing was written. Re-run with --force if this is expected.',
      );
    }
  }

  // ---- pass 2 -------------------------------------------------------------------------------------------------

  async apply(): Promise<void> {
    for (const type of this.opts.types) {
      const file = this.pulled.files.get(type);
      if (!file) continue;
      let batch: Resource[] = [];
      const seen = new Set<string>();
      for await (const r of readNdjson(file)) {
        if (r.resourceType !== type || typeof r.id !== 'string' || seen.has(r.id)) continue;
        seen.add(r.id);
        batch.push(r);
        if (batch.length >= this.batchSize) {
          await this.applyBatch(type, batch);
          batch = [];
        }
      }
      if (batch.length) await this.applyBatch(type, batch);
      this.opts.log?.(`${type}: ${seen.size} from the source`);
    }
  }

  private async applyBatch(type: string, batch: Resource[]): Promise<void> {
    const state = this.states.get(type)!;
    const fresh = this.fresh.get(type)!;
    const done = await this.transaction(async (tx) => {
      const rows: SyncStateRow[] = [];
      const outcomes: { what: keyof KindCounts | 'local' | 'kept'; id: string; error?: string }[] = [];
      const updates = new Map<string, Entry>();
      const writes: { remoteId: string; resource: Resource & { id: string }; current: StoredVersion | undefined; created: boolean }[] = [];
      for (const remote of batch) {
        const id = remote.id!;
        const e = state.get(id)!;
        const keep = (entry: Entry, what: 'local' | 'kept') => {
          updates.set(id, entry);
          rows.push(row(this.sk, type, id, entry));
          outcomes.push({ what, id });
        };
        if (e.hash === LOCAL) {
          if (fresh.has(id)) rows.push(row(this.sk, type, id, e));
          outcomes.push({ what: 'local', id });
          continue;
        }
        const current = await tx.read(type, e.localId);
        const live = current && !current.deleted ? current : undefined;
        if (owned(e.hash) ? current && Number(current.versionId) !== versionOf(e.hash) : live) {
          // Changed here (or deleted here) since the federation wrote it, or an id taken by someone else: local now.
          keep({ hash: LOCAL, localId: e.localId }, 'kept');
          continue;
        }
        const body = transform(remote, e.localId, this.opts.source, this.resolve);
        let prepared: Resource & { id: string };
        try {
          prepared = tx.prepare(body, current) as Resource & { id: string };
        } catch (err) {
          if (!(err instanceof FhirError) || err.status >= 500) throw err;
          outcomes.push({ what: 'unchanged', id, error: err.message });
          continue;
        }
        if (live && sameContent(JSON.parse(live.json) as Resource, prepared)) {
          const entry = { hash: activeAt(Number(live.versionId)), localId: e.localId };
          if (entry.hash !== e.hash) rows.push(row(this.sk, type, id, entry));
          updates.set(id, entry);
          outcomes.push({ what: 'unchanged', id });
          continue;
        }
        writes.push({ remoteId: id, resource: prepared, current, created: !live });
      }
      // Validated by shape like the sync's batches (../sync/reconcile/validate.ts), stored in one write.
      const rejections = writes.map((w) => this.validator.rejection(w.resource));
      const stored = await tx.storeBatch(writes.map((w) => ({ resource: w.resource, current: w.current })), rejections);
      stored.forEach((version, i) => {
        const w = writes[i];
        if (!version) {
          outcomes.push({ what: 'unchanged', id: w.remoteId, error: rejections[i] });
          return;
        }
        const entry = { hash: activeAt(Number(version.versionId)), localId: w.resource.id };
        updates.set(w.remoteId, entry);
        rows.push(row(this.sk, type, w.remoteId, entry));
        outcomes.push({ what: w.created ? 'created' : 'updated', id: w.remoteId });
      });
      await tx.saveSyncState(rows);
      return { outcomes, updates };
    });
    // Counted once committed.
    for (const [id, entry] of done.updates) state.set(id, entry);
    for (const o of done.outcomes) {
      fresh.delete(o.id);
      if (o.error) this.reject({ line: 0, reason: `${type}/${o.id}: ${o.error}` });
      else if (o.what === 'local') this.report.local++;
      else if (o.what === 'kept') {
        this.report.local++;
        this.report.keptLocalEdits++;
      } else this.count(type, o.what);
    }
  }

  // ---- withdrawal ---------------------------------------------------------------------------------------------

  async withdraw(): Promise<void> {
    for (const type of this.opts.types) {
      const state = this.states.get(type)!;
      const gone = this.gone.get(type)!;
      for (let i = 0; i < gone.length; i += this.batchSize) {
        const ids = gone.slice(i, i + this.batchSize);
        const done = await this.transaction(async (tx) => {
          const rows: SyncStateRow[] = [];
          const updates = new Map<string, Entry>();
          let withdrawn = 0;
          let kept = 0;
          for (const id of ids) {
            const e = state.get(id)!;
            const current = await tx.read(type, e.localId);
            if (!current || Number(current.versionId) !== versionOf(e.hash)) {
              // Edited or deleted here since the federation wrote it: local, left as it is.
              const entry = { hash: LOCAL, localId: e.localId };
              updates.set(id, entry);
              rows.push(row(this.sk, type, id, entry));
              kept++;
              continue;
            }
            let version: StoredVersion;
            if (current.deleted) version = current;
            else {
              const next = JSON.parse(current.json) as Record<string, unknown>;
              if (deactivate(next)) {
                if (sameContent(JSON.parse(current.json) as Resource, next as unknown as Resource)) version = current;
                else version = (await tx.store(tx.validate(next, { type, id: e.localId, current }), { id: e.localId, current })).version;
              } else version = await tx.remove(type, e.localId, current);
            }
            const entry = { hash: inactiveAt(Number(version.versionId)), localId: e.localId };
            updates.set(id, entry);
            rows.push(row(this.sk, type, id, entry));
            withdrawn++;
          }
          await tx.saveSyncState(rows);
          return { updates, withdrawn, kept };
        });
        for (const [id, entry] of done.updates) state.set(id, entry);
        this.count(type, 'deactivated', done.withdrawn);
        this.report.local += done.kept;
        this.report.keptLocalEdits += done.kept;
      }
    }
  }

  /**
   * Remembers the source's transactionTime as the next run's since. Not when resources were refused: the same
   * changes are pulled again next time (a run is idempotent), so a resource refused once is not lost.
   */
  async finish(): Promise<void> {
    if (this.report.rejected > 0) {
      this.report.warnings.push({ line: 0, reason: `${this.report.rejected} resource(s) refused: the next run asks the source again from ${this.pulled.since ?? 'the start'}` });
      return;
    }
    await this.transaction((tx) => tx.saveSyncState([sinceRow(this.sk, this.pulled.transactionTime)]));
  }

  private transaction<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.opts.kernel.transaction(this.opts.store, FEDERATION_ACTOR, fn);
  }
}

function escapeToken(v: string): string {
  // `system|value`: the separator stays, the value's own separators are escaped.
  const bar = v.indexOf('|');
  return `${v.slice(0, bar)}|${v.slice(bar + 1).replace(/([\\,|$])/g, '\\$1')}`;
}

async function* readLines(file: string): AsyncGenerator<string> {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  for (const line of text.split('\n')) if (line.trim()) yield line.trim();
}
