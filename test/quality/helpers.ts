/**
 * A server composed as `npm start` composes it (no background work: the tests drain the quality queue
 * themselves), with a clock the tests move, and helpers to read the tasks of a resource.
 */
import type { Task } from '@medplum/fhirtypes';
import request from 'supertest';
import { testServer, type TestServer, type TestServerOptions } from '../helpers/app';
import { taskId } from '../../src/quality/tasks/task';
import { runSync, type SourceSpecs } from '../../src/sync/run';
import type { QualityConfig } from '../../src/quality/tasks';

export interface QualityEnv {
  t: TestServer;
  clock: { now: Date };
  /** Judges what was queued (and its dependents), as the server's worker does every second. */
  drain(): ReturnType<TestServer['server']['qualityWorker']['drain']>;
  task(rule: string, type: string, id: string): Promise<(Task & { id: string; meta: { versionId: string } }) | undefined>;
  versions(rule: string, type: string, id: string): Promise<number>;
  sync(sources: SourceSpecs, force?: boolean): ReturnType<typeof runSync>;
  close(): Promise<void>;
}

export function qualityEnv(options: TestServerOptions = {}): QualityEnv {
  const clock = { now: new Date('2026-05-20T08:00:00Z') };
  const now = () => clock.now;
  const quality: QualityConfig = { region: { code: '84', display: 'Auvergne-Rhône-Alpes' }, sweepMinutes: 0, enabled: true, staleHours: 24, now };
  const t = testServer({ capacity: { staleHours: 24, now }, quality, ...options });
  return {
    t,
    clock,
    drain: () => t.server.qualityWorker.drain(),
    async task(rule, type, id) {
      const v = await t.store.read('Task', taskId(rule, type, id));
      return v && !v.deleted ? JSON.parse(v.json) : undefined;
    },
    async versions(rule, type, id) {
      return (await t.store.history({ resourceType: 'Task', id: taskId(rule, type, id), count: 100 })).entries.length;
    },
    sync: (sources, force = false) => runSync({ store: t.store, kernel: t.server.kernel, sources, force }),
    close: () => t.close(),
  };
}

export const input = (task: Task | undefined, code: string) => task?.input?.find((i) => i.type?.coding?.[0]?.code === code);
export const businessStatus = (task: Task | undefined) => task?.businessStatus?.coding?.[0]?.code;

export function op(t: TestServer, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const req = request(t.app).post(path).set(headers);
  return body === undefined ? req : req.set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
}
