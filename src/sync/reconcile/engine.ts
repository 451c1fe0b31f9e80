/**
 * Reconciliation of one source with the store, in two passes over the file:
 *
 * 1. scan: map every record, fingerprint it, compare with the state (./state.ts): unchanged records are done;
 *    the others are counted (and kept in memory when few). Records of the source's kinds that were not seen are
 *    the ones that disappeared: if they exceed `maxDeactivationShare` of a kind, the run is refused before anything
 *    is written (a truncated or wrong file), unless `force`.
 * 2. apply: changed records in batches, one store transaction each (resources + state together): match existing
 *    resources by business identifier, merge the sync's fields into them (./ownership.ts), write only when the
 *    content differs. Every write goes through the kernel's write path as the actor `system:sync` (write hooks,
 *    validation, authorisation, notifications: a deactivated establishment notifies its subscribers like any
 *    change). Then deactivate what disappeared, in batches too.
 *
 * A crash leaves whole batches committed; the next run finds them unchanged and completes the rest. The same file
 * twice writes nothing the second time.
 */
import type { Reference, Resource } from '@medplum/fhirtypes';
import type { ResourceStore, StoredVersion, StoreReader } from '../../store/store';
import type { SyncStateRow } from '../../store/sync-state';
import type { Kernel } from '../../kernel/kernel';
import type { Validator } from '../../fhir/validation';
import { systemActor } from '../../kernel/actor';
import type { WriteTx } from '../../kernel/write-tx';
import { findConditionalMatches } from '../../fhir/search/conditional';
import { emptySourceReport, type ItemKey, type KindCounts, type RawRecord, type RecordSource, type Rejection, type SourceReport, type SyncItem, type SyncKind } from '../types';
import { EXT, SYNC_TAG_SYSTEM } from '../fhir-systems';
import type { KindState, StateRow } from './state';
import { fingerprint, idFor, loadKindState, rawItemFingerprint, textDigest } from './state';
import { mergeOwned, OWNERSHIP, sameContent } from './ownership';
import { nationalRow } from './national';
import { ShapeCachedValidator, type ValidationStats, type ValidationThread } from './validate';
import { VersionConflictError } from '../../store/errors';
import { FhirError } from '../../errors';

/** The actor of every change the referential sync makes. */
export const SYNC_ACTOR = systemActor('sync');

export interface EngineOptions {
  /** The store, with the sync state (read at the start, saved with the resources). */
  store: ResourceStore;
  /** The kernel whose write path every change goes through (its validator also validates batches ahead). */
  kernel: Kernel<Validator>;
  /** Resources per transaction. */
  batchSize?: number;
  /** Largest share of a kind's active records a run may deactivate (default 0.05). */
  maxDeactivationShare?: number;
  force?: boolean;
  /** Re-examine every record, not only those whose source changed (restores sync-owned fields edited locally). */
  full?: boolean;
  /** Changed records kept in memory between the passes; beyond that the file is read a second time. */
  maxBuffered?: number;
  /** Rejections kept in the report (all are counted). */
  maxRejections?: number;
  onProgress?: (p: Progress) => void;
  now?: () => Date;
  /**
   * 'shape' (default): the first resource of each JSON shape is validated in full, the next ones by the cheap
   * checks (./validate.ts); 'full': every resource through the validator's full pass (no shape cache).
   */
  validation?: 'shape' | 'full';
  /**
   * Validate on this thread (owned by the caller, shared by the sources of a run), batch k + 1 while batch k is
   * written: the apply pass then prepares a batch in one transaction and writes it in the next (see applyBatch).
   */
  validationThread?: ValidationThread;
}

export interface Progress {
  source: string;
  phase: 'scan' | 'apply' | 'deactivate';
  records: number;
  done?: number;
  total?: number;
}

export class SyncRefusedError extends Error {}

/** Thrown out of a scan when the source regrouped its records: the scan starts again. */
class RestartScan extends Error {}

const SEARCH_CHUNK = 100;

const RESOURCE_TYPE: Record<SyncKind, string> = {
  'finess-ej': 'Organization',
  'finess-et': 'Organization',
  'finess-et-location': 'Location',
  'rpps-practitioner': 'Practitioner',
  'rpps-role': 'PractitionerRole',
};

/**
 * State values during a run: >= 0 stored fingerprint of a record not seen yet (0 = deactivated);
 * -1 seen and new; <= -2 seen, stored fingerprint = -v - 2.
 */
const NEW_SEEN = -1;
const seenValue = (stored: number) => -stored - 2;
const storedOf = (v: number) => (v >= 0 ? v : v === NEW_SEEN ? undefined : -v - 2);

interface Planned {
  item: SyncItem;
  fp: number;
  /** For an item of a raw record: the record's text digest and the item's key (with its links). */
  digest?: string;
  key?: ItemKey;
}

/** A resource of a batch to write once validated. */
interface PreparedWrite {
  item: SyncItem;
  /** Merged and prepared by the kernel's write hooks (WriteTx.prepare). */
  resource: Resource & { id: string };
  row: StateRow;
  what: 'created' | 'updated';
  /** The version read when preparing: the write fails if the resource changed since (VersionConflictError). */
  current: StoredVersion | undefined;
}

/** A batch read and merged, its resources not validated yet. */
interface PreparedBatch {
  batch: Planned[];
  writes: PreparedWrite[];
  /** State rows of the items whose merged content equals the stored one: only these rows are written. */
  unchanged: StateRow[];
  /** The national-value rows (./national.ts) of those unchanged items: their current version is what the file says. */
  nationalUnchanged: SyncStateRow[];
}

/** A record with changed items (their indexes), kept between the passes. */
interface Changed {
  rec: { items: SyncItem[] } | { raw: RawRecord };
  digest: string | undefined;
  changed: number[];
}

/** map() must return the items announced by the record's keys: a mismatch is a bug in the source. */
function checkKeys(raw: RawRecord, items: SyncItem[]): void {
  const same =
    items.length === raw.keys.length &&
    items.every((it, i) => {
      const k = raw.keys[i];
      const links = (it.links ?? []).map((l) => `${l.kind}/${l.key}`).join(',');
      return it.kind === k.kind && it.key === k.key && links === (k.links ?? []).map((l) => `${l.kind}/${l.key}`).join(',');
    });
  if (!same) throw new Error(`source ${raw.line}: mapped items differ from the record's keys (a bug in the source's keys)`);
}

export async function reconcileSource(source: RecordSource, opts: EngineOptions): Promise<SourceReport> {
  const started = Date.now();
  const run = new Run(source, opts);
  try {
    await run.scan();
    run.guard();
    await run.apply();
    await run.deactivate();
  } catch (err) {
    run.finish();
    run.report.error = (err as Error).message;
    run.report.durationMs = Date.now() - started;
    if (err instanceof SyncRefusedError) throw Object.assign(err, { report: run.report });
    throw Object.assign(err as Error, { report: run.report });
  } finally {
    await source.close?.();
  }
  run.finish();
  run.report.durationMs = Date.now() - started;
  return run.report;
}

class Run {
  readonly report: SourceReport;
  private readonly states = new Map<SyncKind, KindState>();
  private readonly batchSize: number;
  private buffer: Changed[] | undefined = [];
  private bufferedItems = 0;
  private readonly duplicateLines = new Set<number>();
  private readonly activeBefore = new Map<SyncKind, number>();
  private readonly systemUse = new Map<string, boolean>();
  private readonly validator: ShapeCachedValidator;
  /** With a validation thread: the batch prepared in the last transaction, to write in the next. */
  private inflight: { prepared: PreparedBatch; errors: Promise<(string | undefined)[]> } | undefined;
  private readonly threadStatsAtStart: ValidationStats | undefined;
  private threadFailure: string | undefined;
  private regrouped = false;

  constructor(
    private readonly source: RecordSource,
    private readonly opts: EngineOptions,
  ) {
    this.batchSize = opts.batchSize ?? 500;
    this.validator = new ShapeCachedValidator(opts.kernel.validator, opts.validation ?? 'shape');
    this.threadStatsAtStart = opts.validationThread ? { ...opts.validationThread.stats } : undefined;
    this.report = emptySourceReport(source.name, '');
  }

  private async kindState(kind: SyncKind): Promise<KindState> {
    let s = this.states.get(kind);
    if (!s) {
      s = await loadKindState(this.opts.store, kind);
      this.states.set(kind, s);
      let active = 0;
      for (const v of s.hashes.values()) if (v > 0) active++;
      this.activeBefore.set(kind, active);
    }
    return s;
  }

  private count(kind: SyncKind, what: keyof KindCounts, n = 1): void {
    const c = (this.report.counts[kind] ??= { created: 0, updated: 0, deactivated: 0, unchanged: 0 });
    c[what] += n;
    this.report[what] += n;
  }

  private reject(r: Rejection): void {
    this.report.rejected++;
    if (this.report.rejections.length < (this.opts.maxRejections ?? 10_000)) this.report.rejections.push(r);
  }

  private progress(phase: Progress['phase'], done?: number, total?: number): void {
    this.opts.onProgress?.({ source: this.source.name, phase, records: this.report.records, done, total });
  }

  // ---- pass 1 -------------------------------------------------------------------------------------------------

  /** Pass 1; scanned again (from a fresh state) when the source regroups its records (RecordSource.regroup). */
  async scan(): Promise<void> {
    for (;;) {
      try {
        return await this.scanOnce();
      } catch (err) {
        if (!(err instanceof RestartScan)) throw err;
        // Nothing was written: forget what this scan marked and counted, and read the regrouped records.
        this.states.clear();
        this.activeBefore.clear();
        this.buffer = [];
        this.bufferedItems = 0;
        this.duplicateLines.clear();
        Object.assign(this.report, { records: 0, counts: {}, unchanged: 0, rejected: 0, rejections: [] });
      }
    }
  }

  private async scanOnce(): Promise<void> {
    for (const kind of this.source.kinds) await this.kindState(kind);
    // A national nightly (1% of the lines changed) buffers ≈ 33,000 RPPS items: every item of a person whose lines
    // changed. Above the limit the apply pass reads and fingerprints the whole file again (≈ 15 s at national
    // scale); within it, the buffer costs ≈ 140 MB at most.
    const maxBuffered = this.opts.maxBuffered ?? 50_000;
    let n = 0;
    for await (const rec of this.source.read()) {
      if (++n % 5000 === 0) this.progress('scan', this.source.progress?.().done, this.source.progress?.().total);
      if ('rejected' in rec) {
        this.reject(rec.rejected);
        continue;
      }
      this.report.records++;
      const keys: ItemKey[] = 'raw' in rec ? rec.raw.keys : rec.items;
      const line = 'raw' in rec ? rec.raw.line : rec.items[0].line;
      // Each item's entry in its kind's state, looked up once (-1: not in the state).
      const entries: number[] = [];
      let duplicate = false;
      for (const item of keys) {
        const st = this.states.get(item.kind) ?? (await this.kindState(item.kind));
        const e = st.hashes.indexOf(item.key);
        if (e >= 0 && st.hashes.valueAt(e) < 0) {
          duplicate = true;
          break;
        }
        entries.push(e);
      }
      if (duplicate) {
        if (this.source.regroup && !this.regrouped) {
          this.regrouped = true;
          await this.source.regroup({ line, key: keys[0].key });
          throw new RestartScan();
        }
        this.duplicateLines.add(line);
        this.reject({ line, reason: `duplicate record ${keys[0].key}: already read earlier in the file` });
        continue;
      }
      const digest = 'raw' in rec ? textDigest(rec.raw.text) : undefined;
      await this.loadLinkStates(keys);
      const changed: number[] = [];
      for (let i = 0; i < keys.length; i++) {
        const item = keys[i];
        const st = this.states.get(item.kind)!;
        const e = entries[i];
        // A record never seen is changed whatever its fingerprint: it is not computed.
        if (e < 0) {
          st.hashes.set(item.key, NEW_SEEN);
          changed.push(i);
          continue;
        }
        const stored = st.hashes.valueAt(e);
        st.hashes.setValueAt(e, seenValue(stored));
        if (this.opts.full) {
          changed.push(i);
          continue;
        }
        const fp = digest !== undefined ? this.rawFingerprintLoaded(digest, item) : await this.fingerprintOf((rec as { items: SyncItem[] }).items[i]);
        if (stored === fp) this.count(item.kind, 'unchanged');
        else changed.push(i);
      }
      if (changed.length && this.buffer) {
        this.buffer.push({ rec, digest, changed });
        this.bufferedItems += changed.length;
        if (this.bufferedItems > maxBuffered) this.buffer = undefined;
      }
    }
    this.progress('scan');
  }

  /** Fails the run when too many of a kind's records disappeared from the file. */
  guard(): void {
    const share = this.opts.maxDeactivationShare ?? 0.05;
    const problems: string[] = [];
    for (const kind of this.source.kinds) {
      const active = this.activeBefore.get(kind) ?? 0;
      let gone = 0;
      for (const v of this.states.get(kind)!.hashes.values()) if (v > 0) gone++;
      if (active > 0 && gone / active > share) {
        problems.push(`${gone} of ${active} ${kind} records (${((100 * gone) / active).toFixed(1)}%) are missing from the file`);
      }
    }
    if (problems.length && !this.opts.force) {
      throw new SyncRefusedError(
        `refused: ${problems.join('; ')}, more than the allowed ${(share * 100).toFixed(1)}% ` +
          '(a truncated or wrong file?). Nothing was written. Re-run with --force if this is expected.',
      );
    }
  }

  // ---- pass 2 -------------------------------------------------------------------------------------------------

  async apply(): Promise<void> {
    let batch: Planned[] = [];
    let done = 0;
    const flush = async () => {
      if (!batch.length) return;
      await this.applyBatch(batch);
      done += batch.length;
      batch = [];
      this.progress('apply', done);
    };
    const take = async ({ rec, digest, changed }: Changed) => {
      if ('items' in rec) {
        for (const i of changed) batch.push({ item: rec.items[i], fp: 0 });
      } else {
        const items = rec.raw.map();
        checkKeys(rec.raw, items);
        for (const i of changed) batch.push({ item: items[i], fp: 0, digest, key: rec.raw.keys[i] });
      }
      if (batch.length >= this.batchSize) await flush();
    };
    if (this.buffer) {
      for (const c of this.buffer) await take(c);
    } else {
      for await (const rec of this.source.read()) {
        if ('rejected' in rec) continue;
        const keys: ItemKey[] = 'raw' in rec ? rec.raw.keys : rec.items;
        if (this.duplicateLines.has('raw' in rec ? rec.raw.line : rec.items[0].line)) continue;
        const digest = 'raw' in rec ? textDigest(rec.raw.text) : undefined;
        const changed: number[] = [];
        for (let i = 0; i < keys.length; i++) {
          const stored = storedOf(this.states.get(keys[i].kind)!.hashes.get(keys[i].key)!);
          if (this.opts.full || stored === undefined) changed.push(i);
          else {
            const fp = digest !== undefined ? await this.rawFingerprint(digest, keys[i]) : await this.fingerprintOf((rec as { items: SyncItem[] }).items[i]);
            if (stored !== fp) changed.push(i);
          }
        }
        if (changed.length) await take({ rec, digest, changed });
      }
    }
    this.buffer = undefined;
    await flush();
    await this.writeInflight();
  }

  /** Fingerprint of an item of a raw record: the record's text digest and the current ids of its link targets. */
  private async rawFingerprint(digest: string, item: ItemKey): Promise<number> {
    if (item.links) for (const link of item.links) if (!this.states.has(link.kind)) await this.kindState(link.kind);
    return this.rawFingerprintLoaded(digest, item);
  }

  /** rawFingerprint once the states of the item's link targets are loaded: synchronous, the nightly hot path. */
  private rawFingerprintLoaded(digest: string, item: ItemKey): number {
    let targets = '';
    if (item.links) {
      for (const link of item.links) {
        const st = this.states.get(link.kind)!;
        targets += st.hashes.has(link.key) ? `${st.ids.get(link.key) ?? idFor(link.kind, link.key)},` : '-,';
      }
    }
    return rawItemFingerprint(digest, item.kind, item.key, targets);
  }

  /** Loads the states of the kinds `keys` link to (once per kind). */
  private async loadLinkStates(keys: ItemKey[]): Promise<void> {
    for (const k of keys) if (k.links) for (const l of k.links) if (!this.states.has(l.kind)) await this.kindState(l.kind);
  }

  private async fingerprintOf(item: SyncItem): Promise<number> {
    await this.resolveLinks(item);
    return fingerprint(JSON.stringify(item.resource));
  }

  /** Points each link at the current id of its target, or at its identifier when the target is unknown. */
  private async resolveLinks(item: SyncItem): Promise<void> {
    for (const link of item.links ?? []) {
      const st = await this.kindState(link.kind);
      const v = st.hashes.get(link.key);
      const ref: Reference = { identifier: link.identifier };
      if (v !== undefined) ref.reference = `${RESOURCE_TYPE[link.kind]}/${st.ids.get(link.key) ?? idFor(link.kind, link.key)}`;
      const previous = (item.resource as any)[link.element] as Reference | undefined;
      (item.resource as any)[link.element] = { ...ref, ...(previous?.display ? { display: previous.display } : {}) };
    }
  }

  /**
   * One batch: read, merge, validate, write, in one transaction. With a validation thread the work is pipelined:
   * the transaction prepares this batch and hands its resources to the thread, then writes the batch prepared by
   * the previous transaction, whose verdicts came meanwhile; so the main thread writes while the other one
   * validates. A batch prepared in one transaction and written in the next expects the versions it read: if a
   * resource changed in between (a write through the API), the transaction fails with VersionConflictError, keeps
   * nothing, and both batches are done again the plain way.
   */
  private async applyBatch(batch: Planned[]): Promise<void> {
    const thread = this.opts.validationThread;
    if (!thread) return this.applyBatchAlone(batch);
    const previous = this.inflight;
    let next: NonNullable<Run['inflight']> | undefined;
    try {
      await this.transaction(async (tx) => {
        const prepared = await this.prepareBatch(tx, batch);
        const errors = thread.validate(prepared.writes.map((w) => w.resource));
        errors.catch(() => undefined); // awaited when the batch is written; a failure is handled there
        next = { prepared, errors };
        if (previous) await this.writeBatch(tx, previous.prepared, await this.verdicts(previous));
      });
      this.inflight = next;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      this.inflight = undefined;
      if (previous) await this.applyBatchAlone(previous.prepared.batch);
      await this.applyBatchAlone(batch);
    }
  }

  /** Writes the batch a validation thread is still holding, at the end of the apply pass. */
  private async writeInflight(): Promise<void> {
    const last = this.inflight;
    if (!last) return;
    this.inflight = undefined;
    try {
      await this.transaction(async (tx) => this.writeBatch(tx, last.prepared, await this.verdicts(last)));
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      await this.applyBatchAlone(last.prepared.batch);
    }
  }

  /** A batch read, merged, validated here and written in one transaction. */
  private async applyBatchAlone(batch: Planned[]): Promise<void> {
    await this.transaction(async (tx) => {
      const prepared = await this.prepareBatch(tx, batch);
      await this.writeBatch(tx, prepared, prepared.writes.map((w) => this.validator.rejection(w.resource)));
    });
  }

  /** The thread's verdicts on a prepared batch; if the thread failed, the batch is validated here (and it is said). */
  private async verdicts(p: NonNullable<Run['inflight']>): Promise<(string | undefined)[]> {
    try {
      return await p.errors;
    } catch (err) {
      this.threadFailure ??= (err as Error).message;
      return p.prepared.writes.map((w) => this.validator.rejection(w.resource));
    }
  }

  /** Reads the batch's current resources and merges the sync's fields into them; nothing is written. */
  private async prepareBatch(tx: WriteTx, batch: Planned[]): Promise<PreparedBatch> {
    const existing = await this.findExisting(tx, batch.map((p) => p.item));
    const prepared: PreparedBatch = { batch, writes: [], unchanged: [], nationalUnchanged: [] };
    // Ids first (an adopted resource keeps its id), so that links between records of this batch resolve to them.
    const ids = new Map<SyncItem, string>();
    for (const { item } of batch) {
      const st = this.states.get(item.kind)!;
      const id = existing.get(item)?.id ?? st.ids.get(item.key) ?? idFor(item.kind, item.key);
      if (id !== idFor(item.kind, item.key)) st.ids.set(item.key, id);
      ids.set(item, id);
    }
    const now = this.now();
    for (const p of batch) {
      const { item } = p;
      await this.resolveLinks(item);
      p.fp = p.digest !== undefined ? await this.rawFingerprint(p.digest, p.key!) : fingerprint(JSON.stringify(item.resource));
      const found = existing.get(item);
      const id = ids.get(item)!;
      const current = found && !found.deleted ? (JSON.parse(found.json) as Resource) : undefined;
      const merged = mergeOwned(current, item.resource, item.kind) as Resource & { id: string };
      merged.id = id;
      if (!current) addCreationDate(merged, now);
      const resource = tx.prepare(merged, found) as Resource & { id: string };
      const row: StateRow = { kind: item.kind, key: item.key, hash: p.fp, resourceId: id === idFor(item.kind, item.key) ? undefined : id };
      if (current && sameContent(current, resource)) {
        prepared.unchanged.push(row);
        const national = nationalRow(found!);
        if (national) prepared.nationalUnchanged.push(national);
        continue;
      }
      prepared.writes.push({ item, resource, row, what: current ? 'updated' : 'created', current: found });
    }
    return prepared;
  }

  /** Writes a prepared batch: its valid resources and every state row; `errors[i]` rejects write i. */
  private async writeBatch(tx: WriteTx, prepared: PreparedBatch, errors: (string | undefined)[]): Promise<void> {
    const valid = prepared.writes.filter((_, i) => errors[i] === undefined);
    const stored = await tx.storeBatch(
      prepared.writes.map((w) => ({ resource: w.resource, current: w.current })),
      errors,
    );
    const national = stored.map((v) => v && nationalRow(v)).filter((r): r is SyncStateRow => r !== undefined);
    await tx.saveSyncState([...prepared.unchanged, ...valid.map((w) => w.row), ...prepared.nationalUnchanged, ...national]);
    // Counted once written: a batch done again after a conflict is not counted twice.
    prepared.writes.forEach((w, i) => {
      if (errors[i] !== undefined) this.reject({ line: w.item.line, reason: `${w.item.kind} ${w.item.key}: ${errors[i]}` });
    });
    for (const row of prepared.unchanged) this.count(row.kind, 'unchanged');
    for (const w of valid) this.count(w.item.kind, w.what);
  }

  /** Current resources of the batch: by the state's id, else by business identifier (one search per type). */
  private async findExisting(tx: StoreReader, items: SyncItem[]): Promise<Map<SyncItem, StoredVersion>> {
    const found = new Map<SyncItem, StoredVersion>();
    const toSearch = new Map<string, SyncItem[]>();
    for (const item of items) {
      const st = this.states.get(item.kind)!;
      const known = storedOf(st.hashes.get(item.key) ?? NEW_SEEN) !== undefined;
      const type = RESOURCE_TYPE[item.kind];
      if (known) {
        const v = await tx.read(type, st.ids.get(item.key) ?? idFor(item.kind, item.key));
        if (v) {
          found.set(item, v);
          continue;
        }
      }
      const group = `${type}\u0000${item.match.system}`;
      toSearch.set(group, [...(toSearch.get(group) ?? []), item]);
    }
    for (const [group, list] of toSearch) {
      const [type, system] = group.split('\u0000');
      // A deterministic id may already exist (a crashed run's batch, or state lost): read it first.
      const pending: SyncItem[] = [];
      for (const item of list) {
        const v = await tx.read(type, idFor(item.kind, item.key));
        if (v && !v.deleted) found.set(item, v);
        else pending.push(item);
      }
      if (!pending.length || !(await this.systemInUse(tx, type, system))) continue;
      const values = [...new Set(pending.map((i) => `${system}|${escapeToken(i.match.value)}`))];
      const matches: StoredVersion[] = [];
      // SQLite limits the depth of an expression: OR at most SEARCH_CHUNK values per search.
      for (let i = 0; i < values.length; i += SEARCH_CHUNK) {
        const chunk = values.slice(i, i + SEARCH_CHUNK);
        matches.push(...(await findConditionalMatches(tx, this.opts.kernel, type, `identifier=${encodeURIComponent(chunk.join(','))}`, chunk.length * 2 + 10)));
      }
      const byValue = new Map<string, StoredVersion>();
      for (const m of matches) {
        const res = JSON.parse(m.json) as { identifier?: { system?: string; value?: string }[] };
        for (const idf of res.identifier ?? []) {
          if (idf.system === system && idf.value && !byValue.has(idf.value)) byValue.set(idf.value, m);
        }
      }
      for (const item of pending) {
        const m = byValue.get(item.match.value);
        if (m) found.set(item, m);
      }
    }
    return found;
  }

  /**
   * Whether any resource of `type` carries an identifier of `system` that the sync did not create: when none
   * did at the start of the run (a first import), there is nothing to adopt and the per-batch searches are skipped.
   */
  private async systemInUse(tx: StoreReader, type: string, system: string): Promise<boolean> {
    const k = `${type}|${system}`;
    let v = this.systemUse.get(k);
    if (v === undefined) {
      const sample = await findConditionalMatches(tx, this.opts.kernel, type, `identifier=${encodeURIComponent(`${system}|`)}&_tag:not=${encodeURIComponent(`${SYNC_TAG_SYSTEM}|`)}`, 1).catch(() => undefined);
      v = sample === undefined || sample.length > 0;
      this.systemUse.set(k, v);
    }
    return v;
  }

  // ---- deactivation -------------------------------------------------------------------------------------------

  async deactivate(): Promise<void> {
    for (const kind of this.source.kinds) {
      const st = this.states.get(kind)!;
      // Entry indexes, not keys: the keys of what disappeared are decoded a batch at a time.
      const gone: number[] = [];
      for (let i = 0; i < st.hashes.size; i++) if (st.hashes.valueAt(i) > 0) gone.push(i);
      for (let i = 0; i < gone.length; i += this.batchSize) {
        const keys = gone.slice(i, i + this.batchSize).map((e) => st.hashes.keyAt(e));
        const refused = await this.transaction(async (tx) => {
          const rows: SyncStateRow[] = [];
          const refusals: Rejection[] = [];
          for (const key of keys) {
            const id = st.ids.get(key) ?? idFor(kind, key);
            const type = RESOURCE_TYPE[kind];
            const current = await tx.read(type, id);
            if (current && !current.deleted) {
              const res = JSON.parse(current.json);
              const next = structuredClone(res);
              OWNERSHIP[res.resourceType].deactivate(next);
              if (!sameContent(res, next)) {
                let valid: Resource;
                try {
                  valid = tx.validate(next, { type, id, current });
                } catch (err) {
                  // Stored before a rule it now breaks: left as it is (and in the state), the next run tries again.
                  if (!(err instanceof FhirError) || err.status >= 500) throw err;
                  refusals.push({ line: 0, reason: `${kind} ${key}: ${type}/${id} could not be deactivated: ${err.message}` });
                  continue;
                }
                const { version } = await tx.store(valid, { id, current });
                const national = nationalRow(version);
                if (national) rows.push(national);
              }
            }
            rows.push({ kind, key, hash: 0, resourceId: st.ids.get(key) });
          }
          await tx.saveSyncState(rows);
          return refusals;
        });
        refused.forEach((r) => this.reject(r));
        this.count(kind, 'deactivated', keys.length - refused.length);
        this.progress('deactivate', i + keys.length, gone.length);
      }
    }
  }

  finish(): void {
    const own = this.validator.stats;
    const thread = this.opts.validationThread?.stats;
    const start = this.threadStatsAtStart;
    this.report.validation =
      thread && start
        ? { full: own.full + thread.full - start.full, cached: own.cached + thread.cached - start.cached, shapes: Math.max(own.shapes, thread.shapes) }
        : { ...own };
    this.report.encoding = this.source.encoding;
    this.report.warnings = (this.source.warnings ?? []).slice(0, this.opts.maxRejections ?? 10_000);
    if (this.threadFailure) {
      this.report.warnings.push({ line: 0, reason: `the validation thread failed, so resources were validated on the main thread: ${this.threadFailure}` });
    }
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** One store transaction whose writes the sync makes through the kernel's write path. */
  private transaction<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.opts.kernel.transaction(this.opts.store, SYNC_ACTOR, fn);
  }
}

function addCreationDate(r: any, now: Date): void {
  const ext = (r.extension ?? []) as { url: string }[];
  if (ext.some((e) => e.url === EXT.creationDate)) return;
  r.extension = [...ext, { url: EXT.creationDate, valueDateTime: now.toISOString() }];
}

function escapeToken(v: string): string {
  return v.replace(/([\\,|$])/g, '\\$1');
}
