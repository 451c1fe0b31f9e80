/**
 * Who holds the sync's lease: `host:pid:nonce`, the host name and process id of the run's process and a random
 * nonce (two runs of one process, or a pid reused after a reboot, are different owners). With the host and pid a
 * run can tell that the holder's process is gone from this very host, and take its lease over at once instead of
 * waiting for it to expire.
 *
 * The host name must tell pid namespaces apart: containers sharing a data volume must not share a host name
 * (Docker gives each its own by default), or a live holder in one could be taken for a dead one in the other.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';

/** `host:pid:nonce`. */
export type LeaseOwner = `${string}:${number}:${string}`;

export function newOwner(host: string = os.hostname(), pid: number = process.pid): LeaseOwner {
  return `${host}:${pid}:${randomUUID().slice(0, 8)}`;
}

/** Host and pid of an owner; undefined for owners of another form (those of older versions, `cli:host:pid`). */
export function parseOwner(owner: string): { host: string; pid: number } | undefined {
  const m = /^(.+):([1-9][0-9]{0,9}):([^:]+)$/.exec(owner);
  return m ? { host: m[1], pid: Number(m[2]) } : undefined;
}

/** "pid 4242 on host-a", or the owner as is when it is not `host:pid:nonce`. */
export function describeOwner(owner: string): string {
  const p = parseOwner(owner);
  return p ? `pid ${p.pid} on ${p.host}` : `owner '${owner}'`;
}

/** Whether a process with this pid exists on this host (EPERM: it exists, under another user). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** True when `owner` ran on `host` (this host) and its process is gone there. */
export function goneFromHost(owner: string, host: string, isAlive: (pid: number) => boolean = processIsAlive): boolean {
  const p = parseOwner(owner);
  return p !== undefined && p.host === host && !isAlive(p.pid);
}
