/** Facts about the machine a bench ran on, for the report. */
import os from 'node:os';
import { execFileSync } from 'node:child_process';

export interface MachineFacts {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** Load average over the last minute when the bench started (other work on the machine skews results). */
  loadAvg1: number;
  commit: string;
}

export function machineFacts(): MachineFacts {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvg1: os.loadavg()[0],
    commit,
  };
}

export function describeMachine(m: MachineFacts): string {
  return (
    `${m.date}, commit ${m.commit}; ${m.cpus} CPUs (nproc, ${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}, ` +
    `${m.platform}; 1-minute load average at start ${m.loadAvg1.toFixed(2)}.`
  );
}
