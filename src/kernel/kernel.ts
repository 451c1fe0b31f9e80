/**
 * The kernel: what every request and every write of the server goes through, built by the composition root
 * (src/main.ts) as one instance and handed down. It holds
 * - the SearchParameter registry and the indexer built on it (search planning and the store adapters share them);
 * - the terminology (value sets for validation and `:in` searches) and the validator built on it;
 * - the write hooks and present hooks, the notifiers, the authorisation policy;
 * - the one write path (./write-path.ts), reached through `transaction`, which knows the actor of every write.
 * Several kernels can live in one process (tests build servers with different configurations side by side).
 */
import type { ResourceStore } from '../store/store';
import type { SearchParamRegistry } from '../indexing/registry';
import type { Terminology } from '../terminology/terminology';
import { Indexer } from '../indexing/indexer';
import type { Actor } from './actor';
import type { WriteAuditor } from './audit';
import { Hooks } from './hooks';
import type { Notifier } from './notifications';
import { allowEveryWrite, type WritePolicy } from './policy';
import type { ResourceValidator } from './validator';
import { KernelWriteTx, type WritePathParts } from './write-path';
import type { WriteTx } from './write-tx';

export interface KernelOptions<V extends ResourceValidator> {
  registry: SearchParamRegistry;
  terminology: Terminology;
  validator: V;
  policy?: WritePolicy;
  /** Traces every write in its transaction (src/security/audit.ts); none: writes are not audited. */
  auditor?: WriteAuditor;
}

/** `V`: the validator's own type, for the callers that need more of it than the write path does (the sync). */
export class Kernel<V extends ResourceValidator = ResourceValidator> implements WritePathParts {
  readonly registry: SearchParamRegistry;
  readonly terminology: Terminology;
  readonly indexer: Indexer;
  readonly validator: V;
  readonly hooks = new Hooks();
  readonly notifiers: Notifier[] = [];
  readonly validated = new WeakSet<object>();
  readonly prepared = new WeakSet<object>();
  readonly policy: WritePolicy;
  readonly auditor?: WriteAuditor;

  constructor(options: KernelOptions<V>) {
    this.registry = options.registry;
    this.terminology = options.terminology;
    this.indexer = new Indexer(options.registry);
    this.validator = options.validator;
    this.policy = options.policy ?? allowEveryWrite;
    this.auditor = options.auditor;
  }

  addNotifier(notifier: Notifier): void {
    this.notifiers.push(notifier);
  }

  /**
   * Runs `fn` in one store transaction: everything it writes through `tx` is written by `actor` through the write
   * path, and commits together or not at all.
   */
  transaction<T>(store: ResourceStore, actor: Actor, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return store.transaction((w) => fn(new KernelWriteTx(this, w, actor)));
  }
}
