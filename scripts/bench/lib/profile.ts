/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and says where the time went: self time by area (a package in
 * node_modules, a node core module, a file of ours, GC, idle) and the functions with the most self and inclusive
 * time. Inclusive time counts a function once per sample even when it recurses.
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Total minus idle: the time the server's main thread was busy. */
  busyMs: number;
  areas: ProfileLine[];
  selfTop: ProfileLine[];
  inclusiveTop: ProfileLine[];
}

/** `node_modules/<pkg>` (scoped too), `node:<module>`, `src/...` / `scripts/...`, or a V8 pseudo-frame. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName;
    return '(native/builtin)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.split('/')[0];
  const m = /\/(src|scripts)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url;
}

function frameKey(f: CallFrame): string {
  const file = f.url ? f.url.replace(/^.*\/(node_modules|src|scripts)\//, '$1/').replace(/^file:\/\//, '') : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

export interface SummarizeOptions {
  /** Lines per list. */
  top?: number;
  /** Only samples taken in this window of the monotonic clock, in microseconds (see LoadResult.windowUs). */
  window?: [number, number];
}

export function summarizeProfile(file: string, options: SummarizeOptions = {}): ProfileSummary {
  const top = options.top ?? 20;
  const [from, to] = options.window ?? [-Infinity, Infinity];
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < from || t > to) continue;
    totalUs += dt;
    const leaf = byId.get(profile.samples[i]);
    if (!leaf) continue;
    if (leaf.callFrame.functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    const key = frameKey(leaf.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const area = areaOf(leaf.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (!node || node.callFrame.functionName === '(root)') continue;
      const k = frameKey(node.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const busyUs = totalUs - idleUs;
  const lines = (m: Map<string, number>, n: number): ProfileLine[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: busyUs ? (us / busyUs) * 100 : 0 }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    areas: lines(areas, top),
    selfTop: lines(self, top),
    inclusiveTop: lines(inclusive, top * 2),
  };
}

/** Text report; with `requests` (served in the window), each line also gives CPU microseconds per request. */
export function formatProfile(title: string, s: ProfileSummary, requests?: number): string {
  const perReq = (ms: number) => (requests ? `${((ms * 1000) / requests).toFixed(1).padStart(7)} µs/req  ` : '');
  const block = (head: string, rows: ProfileLine[]) =>
    [head, ...rows.map((r) => `  ${r.pct.toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${perReq(r.ms)}${r.name}`)].join('\n');
  return [
    `=== ${title}: ${s.totalMs.toFixed(0)} ms profiled, main thread busy ${s.busyMs.toFixed(0)} ms` +
      `${requests ? ` (${perReq(s.busyMs).trim()} for ${requests} requests)` : ''}; percentages are of busy time`,
    block('self time by area:', s.areas),
    block('self time by function:', s.selfTop),
    block('inclusive time by function:', s.inclusiveTop),
  ].join('\n');
}
