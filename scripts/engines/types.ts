/**
 * What one test engine of `npm run engines` provides (scripts/engines.ts runs them): how to build it (once, cached),
 * how to start it as a background process, and how to tell it is ready. One module per engine in this folder, listed
 * in the registry of scripts/engines.ts.
 */
export interface EngineContext {
  /** The repository's root. */
  root: string;
  /** This engine's own folder under `.engines/` (data, logs). */
  dir: string;
  log: (line: string) => void;
}

export interface EngineLaunch {
  /** Program and arguments, started detached with its output in `<dir>/engine.log`. */
  command: string;
  args: string[];
  cwd: string;
  /** The variables that point the server and the engine suites at it, e.g. `OPENSEARCH_URL`. */
  env: Record<string, string>;
  /** Its main address, for `status`. */
  url: string;
}

export interface TestEngine {
  name: string;
  /** Builds or installs what `launch` runs; skips the work when it is already done. */
  build(ctx: EngineContext): Promise<void>;
  /** The process to start (ports chosen free by the caller's helpers). */
  launch(ctx: EngineContext): Promise<EngineLaunch>;
  /** True once the engine answers and is ready for the suites. */
  healthy(launch: Pick<EngineLaunch, 'url' | 'env'>): Promise<boolean>;
  /** Seconds to wait for `healthy` after the start. */
  startTimeoutSeconds: number;
}
