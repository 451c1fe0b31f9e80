/**
 * One load measurement with autocannon, in this (the load generator's) process: a warm-up run whose figures are
 * thrown away, then a timed run. Latency percentiles are computed from every response time (autocannon's own
 * histogram has no p95); throughput is completed 2xx responses per second of the timed run.
 */
import autocannon from 'autocannon';
import { percentiles } from './stats';

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  /** `http://127.0.0.1:port` */
  origin: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** Called for every request: rotate ids, change bodies. */
  next: () => LoadRequest;
  /** HTTP status every response must have (anything else counts as an error). */
  expectStatus: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** 2xx responses of the timed run. */
  ok: number;
  /** Responses with another status, connection errors and timeouts. */
  failures: number;
  durationS: number;
  /**
   * The timed run on the monotonic clock, in microseconds (process.hrtime): the clock V8 CPU profiles use on
   * Linux, so a child's profile can be cut to this window.
   */
  windowUs: [number, number];
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function once(spec: LoadSpec, durationS: number, record: boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  let unexpected = 0;
  const startUs = nowUs();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        connections: spec.connections,
        duration: durationS,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            setupRequest: (req) => {
              const r = spec.next();
              return { ...req, method: r.method ?? 'GET', path: r.path ?? '/', headers: r.headers ?? {}, body: r.body };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const [p50, p95, p99] = record ? percentiles(latencies, [50, 95, 99]) : [NaN, NaN, NaN];
        const ok = result['2xx'];
        resolve({
          rps: ok / result.duration,
          p50,
          p95,
          p99,
          ok,
          failures: unexpected + result.errors + result.timeouts,
          durationS: result.duration,
          windowUs: [startUs, nowUs()],
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode !== spec.expectStatus) unexpected++;
      if (record) latencies.push(responseTime);
    });
  });
}

export async function measure(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupS > 0) await once(spec, spec.warmupS, false);
  const result = await once(spec, spec.durationS, true);
  if (result.failures > 0) {
    throw new Error(`${result.failures} responses were not ${spec.expectStatus} (or failed) against ${spec.origin}`);
  }
  return result;
}
