/**
 * Bench settings from flags and environment, flags winning: `--duration=10 --warmup=2 --connections=32 --runs=3`
 * (or BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_RUNS). `--quick` is a CI-like smoke run (2 s, 1 run,
 * 0.5 s warm-up) that does not rewrite BENCHMARKS.md unless `--write` is given; `--no-write` never writes.
 * `--profile` (BENCH_PROFILE=1) runs the server under `node --cpu-prof` and prints where its CPU time goes.
 */
export interface BenchOptions {
  durationS: number;
  warmupS: number;
  connections: number;
  runs: number;
  /** Rewrite this bench's section of BENCHMARKS.md. */
  write: boolean;
  quick: boolean;
  profile: boolean;
  /** Directory for .cpuprofile files when profiling. */
  profileDir: string;
}

type Env = Record<string, string | undefined>;

function flagValue(argv: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  for (let i = argv.length - 1; i >= 0; i--) {
    if (argv[i].startsWith(prefix)) return argv[i].slice(prefix.length);
  }
  return undefined;
}

function numberSetting(argv: string[], env: Env, flag: string, envName: string, fallback: number, min: number): number {
  const raw = flagValue(argv, flag) ?? env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${flag} / ${envName} must be a number >= ${min}, got '${raw}'`);
  return n;
}

export function parseBenchOptions(argv: string[] = process.argv.slice(2), env: Env = process.env): BenchOptions {
  const has = (f: string) => argv.includes(`--${f}`);
  const quick = has('quick') || env.BENCH_QUICK === '1';
  const d = quick ? { duration: 2, warmup: 0.5, runs: 1 } : { duration: 10, warmup: 2, runs: 3 };
  return {
    durationS: numberSetting(argv, env, 'duration', 'BENCH_DURATION', d.duration, 1),
    warmupS: numberSetting(argv, env, 'warmup', 'BENCH_WARMUP', d.warmup, 0),
    connections: Math.round(numberSetting(argv, env, 'connections', 'BENCH_CONNECTIONS', 32, 1)),
    runs: Math.round(numberSetting(argv, env, 'runs', 'BENCH_RUNS', d.runs, 1)),
    write: has('no-write') ? false : quick ? has('write') : true,
    quick,
    profile: has('profile') || env.BENCH_PROFILE === '1',
    profileDir: flagValue(argv, 'profile-dir') ?? env.BENCH_PROFILE_DIR ?? '.bench/profiles',
  };
}
