/**
 * Validation of the resources the sync writes: a Validator's validateForWrite with a cache of base verdicts of its own
 * (src/fhir/validation/shape-cache.ts explains what is cached and why it is sound), so a run reports how many
 * resources went through medplum's full pass. The resources of a run come from a handful of mapping functions:
 * at national scale, 3.6 million resources share a few hundred shapes, and the full pass (~250 µs) runs on
 * the first resource of each.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import { BaseVerdictCache, type Validator } from '../../fhir/validation';
import type { ShapeCacheStats } from '../../fhir/validation/shape-cache';
import { FhirError } from '../../errors';

export type ValidationStats = ShapeCacheStats;

export class ShapeCachedValidator {
  private readonly cache: BaseVerdictCache | false;

  /**
   * @param validator the validator of the writes (the kernel's).
   * @param mode 'full': every resource through medplum's full pass (no cache).
   */
  constructor(
    private readonly validator: Validator,
    mode: 'shape' | 'full' = 'shape',
  ) {
    this.cache = mode === 'shape' ? new BaseVerdictCache() : false;
  }

  get stats(): ValidationStats {
    return this.cache ? this.cache.stats : { full: this.fullCount, cached: 0, shapes: 0 };
  }

  private fullCount = 0;

  /** Throws like Validator.validateForWrite (a FhirError with the OperationOutcome) when the resource is invalid. */
  validate(resource: Resource): void {
    if (!this.cache) this.fullCount++;
    this.validator.validateForWrite(resource, { expectedType: resource.resourceType, cache: this.cache });
  }

  /** Why the resource is rejected, as the report says it (describeRejection), or undefined when it is valid. */
  rejection(resource: Resource): string | undefined {
    try {
      this.validate(resource);
      return undefined;
    } catch (err) {
      return describeRejection(err);
    }
  }
}

/** The reason a resource is rejected, as the report gives it: the error issues of its OperationOutcome. */
export function describeRejection(err: unknown): string {
  if (err instanceof FhirError) {
    return (err.outcome.issue ?? [])
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => `${i.diagnostics ?? i.details?.text ?? i.code}${i.expression?.length ? ` (${i.expression.join(', ')})` : ''}`)
      .join('; ');
  }
  return (err as Error).message;
}

/**
 * Loads the thread's entry: under tsx or ts-jest the entry is TypeScript and the thread registers tsx first; the
 * built server (dist/) runs the compiled JavaScript as is.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) require('tsx/cjs/api').register();
require(workerData.entry);
`;

/**
 * Validation on a second thread (./validate-thread.ts), so that a large import validates batch k + 1 while the
 * main thread writes batch k: validation was ≈ 18 % of the main thread's time in a national-shaped import, on a
 * machine whose second core was idle. The thread holds its own shape cache, as ShapeCachedValidator does; its
 * verdicts are the same: it builds the same validator from the recipe it is given (same profiles, same terminology).
 */
export class ValidationThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (errors: (string | undefined)[]) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private threadStats: ValidationStats = { full: 0, cached: 0, shapes: 0 };

  /** @param validator the validator (the kernel's) whose verdicts the thread gives: it rebuilds it from its recipe. */
  constructor(validator: Validator, mode: 'shape' | 'full' = 'shape') {
    const entry = path.join(__dirname, `validate-thread${path.extname(__filename)}`);
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, mode, recipe: validator.recipe() } });
    this.worker.on('message', (m: { id: number; errors?: (string | null)[]; stats?: ValidationStats; fatal?: string }) => {
      const waiter = this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id);
      if (m.stats) this.threadStats = m.stats;
      if (m.errors) waiter.resolve(m.errors.map((e) => e ?? undefined));
      else waiter.reject(new Error(`validation thread: ${m.fatal}`));
      if (!this.pending.size) this.worker.unref();
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`validation thread failed: ${err.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`validation thread exited (code ${code})`)));
    // Idle, the thread must not keep a process alive that is otherwise done.
    this.worker.unref();
  }

  get stats(): ValidationStats {
    return this.threadStats;
  }

  /** The rejection reason of each resource (undefined: valid), in order. */
  validate(resources: Resource[]): Promise<(string | undefined)[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (!resources.length) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, json: JSON.stringify(resources) });
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    this.failure ??= new Error('the validation thread is closed');
    for (const w of this.pending.values()) w.reject(this.failure);
    this.pending.clear();
    await this.worker.terminate();
  }
}
